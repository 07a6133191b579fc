"""Email rendering: every email is a subject/text/html template triplet under templates/emails/."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string


def render_email(name: str, context: dict) -> dict[str, str]:
    subject = render_to_string(f"emails/{name}-subject.txt", context).strip().replace("\n", " ")
    body = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return {"subject": subject, "body": body, "html": html}


def queue_email(name: str, context: dict, to: list[str]) -> None:
    """Render the `name` email now and send it from a job once the current transaction commits."""
    from core.jobs import send_email

    message = render_email(name, context)
    transaction.on_commit(lambda: send_email.delay(to=to, **message))
