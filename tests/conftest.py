"""Test base: real PostgreSQL and Redis, ready-made team members of every default role, Chromium for e2e."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run beside one unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"

# Browser tests share two cores with the rest of the suite: give assertions time before calling a page broken.
expect.set_options(timeout=15_000)
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Plain HTTP, plain static files (the live server does not read a manifest) and Celery tasks in-process.

    The test that needs a real worker switches eager mode off for itself.
    """
    from django.test import override_settings

    from natero.celery import app

    overrides = override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        SECURE_HSTS_SECONDS=0,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    overrides.enable()
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    overrides.disable()


@pytest.fixture
def roles(db):
    """The default roles by name (installed by a migration; re-installed after transactional tests flush)."""
    from team.services import roles_install_defaults

    return {role.name: role for role in roles_install_defaults()}


@pytest.fixture
def make_member(db, roles):
    from tests.team.factories import UserFactory

    def make(role: str | None = "CSM", **kwargs):
        return UserFactory(role=roles[role] if role else None, **kwargs)

    return make


@pytest.fixture
def members(make_member):
    """One active member per default role, keyed by role name."""
    return {
        name: make_member(name, full_name=f"{name} Person")
        for name in ["CSM", "CSM Manager", "Executive", "Guest", "Analyst"]
    }


@pytest.fixture
def manager(members):
    return members["CSM Manager"]


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
