"""Demo data for lists: the example lists, plus their size history for the last 30 days."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone


def seed_segments(*, accounts: int = 300, stdout: Any = None, **options: Any) -> None:
    """Install the example lists and record their sizes for the last 30 days (safe to run again)."""
    from segments.models import Segment
    from segments.services import examples_install, list_sizes_record

    created = examples_install()
    ready = Segment.objects.filter(example_key__isnull=False).count()
    today = timezone.now().date()
    for offset in range(29, -1, -1):
        list_sizes_record(today - datetime.timedelta(days=offset))
    if stdout:
        stdout.write(f"  {ready} example lists ready ({created} new); sizes recorded for 30 days.")


def report() -> list[tuple[str, int]]:
    from segments.models import Segment

    return [("lists", Segment.objects.count())]
