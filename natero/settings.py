"""Natero settings: one file, every knob read from the environment.

With no variables at all the app runs on its embedded default: SQLite (WAL) in the data folder, Celery on
kombu's filesystem transport, email printed to the console. DATABASE_URL and REDIS_URL switch to PostgreSQL and
Redis. With DEBUG off the defaults are production-safe (HTTPS only, secure cookies, HSTS).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import plotly
import xstatic.pkg.bootstrap

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# Where the embedded default keeps its SQLite file, broker folders, uploads and generated secret key.
DATA_DIR = Path(env("NATERO_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env("SECRET_KEY")
    if key:
        return key
    # Self-hosting convenience: generate one strong key on first start and keep it in the data folder.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://localhost:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", "Natero")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "anymail",
    # Listed so the API docs page serves Swagger UI from our static files (not a CDN the CSP would refuse).
    "ninja",
    "core",
    "team",
    "accounts",
    "metrics",
    "segments",
    "usage",
    "revenue",
    "integrations",
    "tasks",
    "playbooks",
    "alerts",
    "healthscore",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "natero.headers.SecurityHeadersMiddleware",
    "natero.api_errors.ApiNotFoundMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.params.QueryStringGuard",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "team.middleware.TeamMemberMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "natero.urls"
WSGI_APPLICATION = "natero.wsgi.application"
ASGI_APPLICATION = "natero.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
                "natero.headers.csp_nonce",
            ],
            # as_date, as_datetime, as_number, as_money, as_value in every template without a {% load %}.
            "builtins": ["core.formatting"],
        },
    },
]

# Database -----------------------------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'natero.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # IMMEDIATE transactions keep web and worker from failing with "database is locked" under concurrent writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Covering indexes (INCLUDE) serve PostgreSQL; SQLite keeps their key columns, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs hundreds of milliseconds on the short analytical queries of lists and pages.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, cache and Celery ----------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
    BROKER_DIR = DATA_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The ordered steps of the scheduled data pipeline (a function returning core.pipeline.Step objects).
PIPELINE = "natero.pipeline.steps"
# PostgreSQL work_mem for the pipeline's set-based aggregates (empty: the server's default).
PIPELINE_WORK_MEM = env("PIPELINE_WORK_MEM", "256MB")
# Raw usage events are kept this many days (whole months older are dropped by a nightly job; roll-ups stay).
USAGE_EVENT_RETENTION_DAYS = env_int("USAGE_EVENT_RETENTION_DAYS", 400)
# A worker heartbeat older than this many seconds makes /healthz report the worker down.
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 180)

# Auth, 2FA, throttling --------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "team.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "team:landing"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24)
INVITATION_TTL_DAYS = env_int("INVITATION_TTL_DAYS", 7)
OTP_TOTP_ISSUER = SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login form posts the email address in a field named "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
# Failed logins are counted per address whatever its case or surrounding spaces, as login matches it.
AXES_USERNAME_CALLABLE = "team.throttling.login_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0) or None
AXES_VERBOSE = False

# Email ------------------------------------------------------------------------------------------------------------
# EMAIL_BACKEND picks any Django or anymail backend, e.g. "anymail.backends.mailgun.EmailBackend"; the provider's
# keys go in ANYMAIL_<NAME> variables (ANYMAIL_MAILGUN_API_KEY, ...), all passed through to ANYMAIL.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Natero <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}
# Deliveries through the outbox (core/outbox.py) are retried with backoff this many times, then kept as failed.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
# Alert rules run after every pipeline run, on "Run now", and every this many minutes in between.
ALERTS_EVALUATE_EVERY_MINUTES = env_int("ALERTS_EVALUATE_EVERY_MINUTES", 15)
# Database connections an evaluation pass runs its rules on at once (PostgreSQL; SQLite runs them one by one).
ALERTS_EVALUATE_CONNECTIONS = env_int("ALERTS_EVALUATE_CONNECTIONS", 2)
# Days a health score backfill scores at once, each on its own database connection (PostgreSQL only).
HEALTH_BACKFILL_CONNECTIONS = env_int("HEALTH_BACKFILL_CONNECTIONS", 2)

# Internationalisation -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static and media files -------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
    ("plotly", Path(plotly.__file__).parent / "package_data"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security -------------------------------------------------------------------------------------------------------
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Ingestion (integrations app) ------------------------------------------------------------------------------------
# Largest request body the ingestion APIs read, compressed (413 beyond). Keep it at or below
# DATA_UPLOAD_MAX_MEMORY_SIZE, which caps every request body Django reads.
INGEST_MAX_BODY_BYTES = env_int("INGEST_MAX_BODY_BYTES", 5 * 1024 * 1024)
# Largest body after gzip decompression (streamed with this cap, so a gzip bomb stops early; 413 beyond).
INGEST_MAX_DECOMPRESSED_BYTES = env_int("INGEST_MAX_DECOMPRESSED_BYTES", 10 * 1024 * 1024)
# Most events (or records) one request may carry (413 beyond).
INGEST_MAX_BATCH = env_int("INGEST_MAX_BATCH", 5000)

# Logging --------------------------------------------------------------------------------------------------------
# API keys in URLs (the Event API's path, `?api_key=`) are written as [redacted]: the filter sits on the loggers
# that log request paths (so every handler, a test's capture included, sees the redacted text) and on the handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_keys": {"()": "natero.logs.RedactKeysFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_keys"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # The embedded broker (filesystem://) has no host; kombu warns about that on every connection.
        "kombu.connection": {"level": "ERROR" if not REDIS_URL else "WARNING"},
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False, "filters": ["redact_keys"]},
        "django.request": {"filters": ["redact_keys"]},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False, "filters": ["redact_keys"]},
        "django.security": {"filters": ["redact_keys"]},
    },
}
