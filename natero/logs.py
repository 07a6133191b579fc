"""Keys stay out of every log the product configures.

The Event API takes its key in the URL path (`/v1/{auth_key}/{api_key}`, kept for the clients that send it so),
and the Account and CSV import APIs accept `?api_key=`. Django's request and server logs and gunicorn's access
and error logs would write those URLs as they came; `redact` replaces the key with `[redacted]` first.
`RedactKeysFilter` does it for Django's loggers (settings.LOGGING), `GunicornLogger` for gunicorn
(gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as _GunicornLogger

REDACTED = "[redacted]"

# /v1/<auth_key>/<api_key>: exactly two segments after /v1/ (the Segment endpoints, /v1/batch etc., have one).
_EVENT_API_KEY = re.compile(r"(/v1/[^/?#\s\"']+/)([^/?#\s\"']+)(?=[/?#\s\"']|$)")
# api_key=<key> in a query string, also percent-encoded inside a logged URL.
_QUERY_KEY = re.compile(r"((?:^|[?&;\s])api_key=)([^&#\s\"']*)", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every API key found in a URL of it replaced by [redacted]."""
    if "/v1/" not in text and "api_key" not in text.lower():
        return text
    text = _EVENT_API_KEY.sub(lambda m: m.group(1) + REDACTED, text)
    return _QUERY_KEY.sub(lambda m: m.group(1) + (REDACTED if m.group(2) else ""), text)


class RedactKeysFilter(logging.Filter):
    """Rewrites a record's message with its keys redacted (the arguments are merged in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left for the handler to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger, with keys redacted from every access-log atom (request line, path, query, headers,
    environ) and from the error log's messages."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactKeysFilter) for f in log.filters):
                log.addFilter(RedactKeysFilter())

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}
