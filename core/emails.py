"""Email rendering: every email is a subject/text/html template triplet under templates/emails/.

Dates and times in an email show in the recipient's time zone (`timezone_name`), not the sender's.
"""

from __future__ import annotations

import zoneinfo

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone


def _zone(timezone_name: str | None) -> zoneinfo.ZoneInfo | None:
    if not timezone_name:
        return None
    try:
        return zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def render_email(name: str, context: dict, timezone_name: str | None = None) -> dict[str, str]:
    """Render the `name` triplet; dates and times in it show in `timezone_name` (the recipient's), else UTC."""
    with timezone.override(_zone(timezone_name) or zoneinfo.ZoneInfo("UTC")):
        subject = render_to_string(f"emails/{name}-subject.txt", context).strip().replace("\n", " ")
        body = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    return {"subject": subject, "body": body, "html": html}


def queue_email(name: str, context: dict, to: list[str], timezone_name: str | None = None) -> None:
    """Render the `name` email now (in the recipient's `timezone_name`) and send it from a job once the current
    transaction commits."""
    from core.jobs import send_email

    message = render_email(name, context, timezone_name)
    transaction.on_commit(lambda: send_email.delay(to=to, **message))
