"""Repeated failed sign-ins lock that email out from that address for a while."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from retain.accounts.models import User
from tests.integration.test_web_auth import PASSWORD

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

LOCKED_OUT_TEXT = "Too many failed sign-in attempts."


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """PBKDF2 is slow on purpose; these tests are about lockouts, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(client: Client, email: str, password: str) -> Response:
    return client.post(reverse("login"), {"username": email, "password": password})


def _fail(client: Client, email: str, times: int) -> list[int]:
    return [_sign_in(client, email, "wrong-password").status_code for _ in range(times)]


def test_the_defaults_are_five_failures_per_email_and_address_and_fifteen_minutes() -> None:
    from django.conf import settings

    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AUTHENTICATION_BACKENDS == [
        "retain.accounts.backends.SignInLockoutBackend",  # axes' AxesStandaloneBackend
        "retain.accounts.backends.EmailBackend",
        "rules.permissions.ObjectPermissionBackend",
    ]


def test_after_five_failures_even_the_right_password_is_refused(owner: User) -> None:
    client = Client()

    # given: four failures show the sign-in form again, the fifth locks out
    assert _fail(client, owner.email, 5) == [200, 200, 200, 200, 429]

    # when: the right password
    response = _sign_in(client, owner.email, PASSWORD)

    # then: the lockout page, in our layout, and not signed in
    html = response.content.decode()
    assert response.status_code == 429
    # The sign-in form was rendered, then axes' middleware put the lockout page in its place.
    assert [t.name for t in response.templates][-2:] == [
        "accounts/locked_out.html",
        "core/base.html",
    ]
    assert html.count(LOCKED_OUT_TEXT) == 1
    assert "paused for 15 minutes" in html
    assert "/static/retain/retain.css" in html
    assert "<style" not in html and "<script" not in html
    assert owner.email not in html  # the page does not echo who was typed
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().failures_since_start == 6  # tries while locked count


def test_the_email_counts_in_any_case(owner: User) -> None:
    client = Client()

    statuses = [
        _sign_in(client, typed, "wrong-password").status_code
        for typed in [owner.email, owner.email.upper(), f" {owner.email} ", owner.email.title()]
    ]
    statuses += _fail(client, owner.email, 1)

    assert statuses == [200, 200, 200, 200, 429]
    assert AccessAttempt.objects.get().username == owner.email


def test_a_success_before_the_limit_resets_the_count(owner: User) -> None:
    client = Client()
    assert _fail(client, owner.email, 4) == [200, 200, 200, 200]

    signed_in = _sign_in(client, owner.email, PASSWORD)
    client.logout()

    assert signed_in.status_code == 302
    assert AccessAttempt.objects.count() == 0
    # Four more failures are again four of five, not a lockout.
    assert _fail(client, owner.email, 4) == [200, 200, 200, 200]
    assert _sign_in(client, owner.email, PASSWORD).status_code == 302


def test_another_member_is_not_affected(owner: User, teammate: User) -> None:
    client = Client()
    assert _fail(client, owner.email, 5)[-1] == 429

    response = _sign_in(client, teammate.email, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(teammate.pk)


def test_the_same_member_from_another_address_is_not_affected(owner: User) -> None:
    assert _fail(Client(REMOTE_ADDR="203.0.113.7"), owner.email, 5)[-1] == 429
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")

    response = _sign_in(elsewhere, owner.email, PASSWORD)

    assert response.status_code == 302
    assert elsewhere.session["_auth_user_id"] == str(owner.pk)


def test_a_forwarded_for_header_does_not_buy_fresh_tries(owner: User) -> None:
    client = Client()

    statuses = [
        client.post(
            reverse("login"),
            {"username": owner.email, "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]


def test_the_limit_and_cool_off_come_from_the_settings(owner: User, settings: Settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = settings.AXES_COOLOFF_TIME * 2
    client = Client()

    statuses = _fail(client, owner.email, 2)

    assert statuses == [200, 429]
    assert "paused for 30 minutes" in _sign_in(client, owner.email, PASSWORD).content.decode()
