"""`retain init` and `retain createuser`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from retain.accounts.choices import Role
from retain.accounts.models import Department, User

pytestmark = pytest.mark.django_db


def test_init_is_safe_to_repeat_and_reports_the_departments():
    out = io.StringIO()
    call_command("init", stdout=out, verbosity=0)
    call_command("init", stdout=out, verbosity=0)
    assert out.getvalue().splitlines() == [
        "Database ready (12 departments, 0 clients).",
        "Database ready (12 departments, 0 clients).",
    ]
    assert (
        Department.objects.filter(slug__in=["shipping", "billing", "legal", "executive"]).count()
        == 4
    )


def test_createuser_makes_a_member_who_signs_in_by_email(client):
    out = io.StringIO()
    call_command(
        "createuser",
        "Nora.New@Example.com",
        "--department",
        "shipping",
        "--role",
        "manager",
        "--password",
        "a-long-unusual-passphrase",
        stdout=out,
    )
    assert out.getvalue() == "Created Nora.New@example.com (Manager).\n"
    user = User.objects.get(email="Nora.New@example.com")
    assert (user.username, user.department.slug, user.role, user.is_staff) == (
        "nora.new@example.com",
        "shipping",
        Role.MANAGER,
        False,
    )
    assert client.login(username="nora.new@example.com", password="a-long-unusual-passphrase")


def test_createuser_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("RETAIN_PASSWORD", "another-long-passphrase")
    call_command("createuser", "env@example.com", stdout=io.StringIO())
    assert User.objects.get(email="env@example.com").check_password("another-long-passphrase")


def test_createuser_refuses_a_weak_password_and_creates_nobody():
    with pytest.raises(CommandError, match="This password is too common"):
        call_command(
            "createuser", "weak@example.com", "--password", "password", stdout=io.StringIO()
        )
    assert not User.objects.filter(email="weak@example.com").exists()


def test_createuser_refuses_a_duplicate_email_in_any_case():
    call_command(
        "createuser",
        "dup@example.com",
        "--password",
        "a-long-unusual-passphrase",
        stdout=io.StringIO(),
    )
    with pytest.raises(
        CommandError, match=r"a team member with email DUP@example\.com already exists"
    ):
        call_command(
            "createuser",
            "DUP@example.com",
            "--password",
            "a-long-unusual-passphrase",
            stdout=io.StringIO(),
        )


def test_createuser_names_the_known_departments_for_an_unknown_one():
    with pytest.raises(CommandError, match=r"no department 'ops' \(known: .*shipping"):
        call_command(
            "createuser",
            "x@example.com",
            "--department",
            "ops",
            "--password",
            "a-long-unusual-passphrase",
        )


def test_createuser_admin_can_use_the_admin_site():
    call_command(
        "createuser",
        "boss@example.com",
        "--role",
        "admin",
        "--password",
        "a-long-unusual-passphrase",
        stdout=io.StringIO(),
    )
    user = User.objects.get(email="boss@example.com")
    assert (user.is_staff, user.is_superuser) == (True, True)
