"""Load the demo data of every app, in order, then report what the database holds; safe to run again."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from core.demo import reports, seeders


class Command(BaseCommand):
    help = "Load realistic demo data (team, accounts and everything built on them). Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--accounts", type=int, default=300, help="How many customer accounts to generate.")

    def handle(self, *args, **options) -> None:
        for seeder in seeders():
            self.stdout.write(f"Seeding {seeder.name}...")
            with transaction.atomic():
                seeder.seed(accounts=options["accounts"], stdout=self.stdout)
        self.stdout.write("The demo now holds:")
        for report in reports():
            for what, count in report.count():
                self.stdout.write(f"  {what}: {count:,}")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Log in at {settings.SITE_URL}/login/"))
        self.stdout.write("  email:    demo@natero.local\n  password: natero-demo-2026")
