"""The registry of demo-data seeders: each app registers one in AppConfig.ready(); `seed_demo` runs them in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Seeder:
    """A function that loads one app's demo data: seed(accounts=N, stdout=...) and is safe to run again."""

    name: str
    order: int
    seed: Callable[..., None]


_seeders: dict[str, Seeder] = {}


def register_seeder(name: str, order: int, seed: Callable[..., None]) -> None:
    _seeders[name] = Seeder(name=name, order=order, seed=seed)


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda seeder: seeder.order)
