"""Run the data pipeline by hand, for one day or a backfill of several."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from core.pipeline import DAILY, HOURLY, PipelineFailed, PipelineRefused, pipeline_day_check, pipeline_run


class Command(BaseCommand):
    help = "Run the daily (or hourly) data pipeline for --as-of (default yesterday), or backfill --days days up to it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="The day (YYYY-MM-DD), UTC.")
        parser.add_argument("--days", type=int, default=1, help="Backfill this many days ending with --as-of.")
        parser.add_argument("--kind", choices=[DAILY, HOURLY], default=DAILY)

    def handle(self, *args, as_of=None, days=1, kind=DAILY, **options) -> None:
        if days < 1:
            raise CommandError("--days must be at least 1.")
        as_of = as_of or datetime.date.today() - datetime.timedelta(days=1)
        start = as_of - datetime.timedelta(days=days - 1)
        try:
            pipeline_day_check(start)
        except PipelineRefused as exc:
            raise CommandError(str(exc)) from exc
        for offset in range(days):
            day = start + datetime.timedelta(days=offset)
            try:
                run = pipeline_run(as_of=day, kind=kind, triggered_by="command")
            except PipelineFailed as exc:
                raise CommandError(str(exc)) from exc
            steps = ", ".join(f"{s.name} {s.duration_seconds:.2f}s/{s.rows or 0} rows" for s in run.steps.all())
            self.stdout.write(f"{day}: {run.status} in {run.duration:.2f}s ({steps})")
