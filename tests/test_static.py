"""Production static files: after collectstatic (as the Dockerfile runs it), the chart library and the other assets
are served by whitenoise under hashed names, compressed, and cached for good, so the first chart of a session does not
wait for 4 MB of script and later pages do not ask for it again."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.test_deploy import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter with the production settings: collect into a temporary folder, then fetch through the
# whole middleware stack (whitenoise reads the folder when the first request builds the handler).
SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

call_command("collectstatic", "--noinput", "-v", "0", "-i", "datasets", "-i", "templates", "-i", "widgetbundle.js")
client = Client()
out = {}
for name in ["plotly/plotly.min.js", "js/charts.js", "bootstrap/css/bootstrap.min.css"]:
    url = static(name)
    zipped = client.get(url, secure=True, HTTP_HOST="natero.example.com", HTTP_ACCEPT_ENCODING="gzip, br")
    plain = client.get(url, secure=True, HTTP_HOST="natero.example.com")
    out[name] = {
        "url": url,
        "status": zipped.status_code,
        "encoding": zipped.headers.get("Content-Encoding"),
        "cache": zipped.headers.get("Cache-Control"),
        "vary": zipped.headers.get("Vary"),
        "zipped_bytes": int(zipped.headers.get("Content-Length") or 0),
        "plain_bytes": int(plain.headers.get("Content-Length") or 0),
        "plain_encoding": plain.headers.get("Content-Encoding"),
    }
print(json.dumps(out))
"""


def test_the_chart_library_is_served_compressed_and_cached_for_good(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "CSRF_", "DEBUG"))}
    env = {
        **clean,
        **PRODUCTION_ENV,
        "STATIC_ROOT": str(tmp_path / "static"),
        "NATERO_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "natero.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    served = json.loads(result.stdout.strip().splitlines()[-1])
    plotly = served["plotly/plotly.min.js"]
    # A hashed name, so that it can be cached for good and a new release still reaches browsers.
    assert plotly["url"].startswith("/static/plotly/plotly.min.") and plotly["url"].endswith(".js")
    assert plotly["url"] != "/static/plotly/plotly.min.js"
    for name, answer in served.items():
        assert answer["status"] == 200, name
        assert answer["encoding"] in {"gzip", "br"}, name
        assert "immutable" in answer["cache"] and "max-age=315360000" in answer["cache"], name
        assert "Accept-Encoding" in (answer["vary"] or ""), name
        assert answer["plain_encoding"] is None, name
    # The chart library shrinks to well under half its size on the wire.
    assert plotly["zipped_bytes"] < plotly["plain_bytes"] * 0.4
    assert (tmp_path / "static" / "staticfiles.json").exists()
