# Production image: gunicorn serving Django with whitenoise; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH="/opt/venv/bin:$PATH" \
    NATERO_DATA_DIR=/data
WORKDIR /app
RUN pip install --no-cache-dir uv
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput -i datasets -i templates -i widgetbundle.js
RUN useradd --create-home natero && mkdir -p /data && chown natero /data
USER natero
EXPOSE 8000
# gunicorn.conf.py: bind, workers, and an access log that writes API keys in URLs as [redacted].
CMD ["gunicorn", "natero.wsgi:application", "-c", "gunicorn.conf.py"]
