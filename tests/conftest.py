"""Shared fixtures: the team personas every test can ask for."""

from __future__ import annotations

import os

import pytest

from retain.accounts.choices import Role
from retain.accounts.models import Department, User
from tests.factories import UserFactory

IN_CI = os.environ.get("CI") == "true"

# smtp_inbox: a real SMTP server on loopback for any test that sends mail.
pytest_plugins = ["tests.mail"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """A fast hasher for tests: PBKDF2's deliberate slowness costs ~0.3 s per factory user.

    PBKDF2 stays second, so hashes made outside the test (the demo's) still verify.
    """
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache, so cached menus cannot change its query counts."""
    from django.core.cache import cache

    cache.clear()


def _department(slug: str) -> Department:
    return Department.objects.get(slug=slug)


@pytest.fixture
def owner(db) -> User:
    """Account manager who owns the client under test: may edit it."""
    return UserFactory(
        email="olivia.owner@retain.test", department=_department("account-management")
    )


@pytest.fixture
def teammate(db) -> User:
    """Same department as the owner, owns nothing: reads all, edits only what they own."""
    return UserFactory(
        email="tom.teammate@retain.test", department=_department("account-management")
    )


@pytest.fixture
def manager(db) -> User:
    """Manager of another department (shipping): sees every client, manages shipping's."""
    return UserFactory(
        email="mia.manager@retain.test", department=_department("shipping"), role=Role.MANAGER
    )


@pytest.fixture
def admin_user(db) -> User:
    """Administrator: users, departments and settings."""
    return UserFactory(
        email="adam.admin@retain.test",
        department=_department("executive"),
        role=Role.ADMIN,
        is_staff=True,
        is_superuser=True,
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip PostgreSQL-only tests when the database is SQLite, and tests that bring a
    database of their own on the PostgreSQL pass (the SQLite pass runs them), saying why."""
    from django.db import connection

    if connection.vendor == "postgresql":
        marker, reason = "own_database", "runs on a database of its own: the SQLite pass runs it"
    else:
        marker, reason = "postgres", "needs PostgreSQL: run with DATABASE_URL=postgres://..."
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if marker in item.keywords:
            item.add_marker(skip)
