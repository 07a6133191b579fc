"""The registry of demo-data seeders: each app registers one in AppConfig.ready(); `seed_demo` runs them in order.

Apps also register what they report after seeding: counts read from the database (not from what a seeder meant to
write), so the summary `seed_demo` prints is what a user will find."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Seeder:
    """A function that loads one app's demo data: seed(accounts=N, stdout=...) and is safe to run again."""

    name: str
    order: int
    seed: Callable[..., None]


@dataclass(frozen=True)
class Report:
    """A function answering [(what, how many), ...] from the database, shown after seeding in `order`."""

    name: str
    order: int
    count: Callable[[], list[tuple[str, int]]]


_seeders: dict[str, Seeder] = {}
_reports: dict[str, Report] = {}


def register_seeder(name: str, order: int, seed: Callable[..., None]) -> None:
    _seeders[name] = Seeder(name=name, order=order, seed=seed)


def register_report(name: str, order: int, count: Callable[[], list[tuple[str, int]]]) -> None:
    _reports[name] = Report(name=name, order=order, count=count)


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda seeder: seeder.order)


def reports() -> list[Report]:
    return sorted(_reports.values(), key=lambda report: report.order)
