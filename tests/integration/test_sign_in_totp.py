"""Two-factor sign-in: a team member turns it on, signs in with a code, turns it off."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from retain.accounts.models import User
from retain.accounts.services import (
    TOTP_STEP_SECONDS,
    enable_totp,
    new_totp_secret,
)
from tests.integration.test_web_auth import PASSWORD

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

WRONG_CODE_TEXT = "That code does not match."


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """PBKDF2 is slow on purpose; these tests are about the second factor."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _settled_step() -> int:
    """The current time step, waiting out its last second so it holds while a test posts."""
    remaining = TOTP_STEP_SECONDS - time.time() % TOTP_STEP_SECONDS
    if remaining < 1.0:
        time.sleep(remaining + 0.05)
    return int(time.time()) // TOTP_STEP_SECONDS


def _code(secret: str, *, last_step: int | None) -> str:
    """A code the server accepts now: the earliest step of its window not used yet.

    Every accepted code is used up (the replay guard), so a test that needs several
    codes within one 30-second step takes the previous step's code first, then the
    current one, then the next: up to three accepted codes without waiting.
    """
    now = _settled_step()
    step = now - 1 if last_step is None else max(now - 1, last_step + 1)
    assert step <= now + 1, "the test used more codes than one window holds"
    return pyotp.TOTP(secret).generate_otp(step)


def _code_for(user: User) -> str:
    user.refresh_from_db()
    return _code(user.totp_secret, last_step=user.totp_last_step)


def _wrong_code(secret: str) -> str:
    """Six digits that are none of the codes accepted around now."""
    totp, now = pyotp.TOTP(secret), _settled_step()
    valid = {totp.generate_otp(step) for step in range(now - 1, now + 2)}
    return next(c for c in ("123456", "654321", "000000", "999999") if c not in valid)


@pytest.fixture
def secret(owner: User) -> str:
    """Olivia has turned two-factor sign-in on; this is the secret her app holds."""
    value = new_totp_secret()
    enable_totp(actor=owner, secret=value, code=_code(value, last_step=None))
    return value


def _password_step(client: Client, email: str, next_url: str = "") -> Response:
    data = {"username": email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def _code_step(client: Client, code: str) -> Response:
    return client.post(reverse("login_totp"), {"code": code})


def test_the_security_page_offers_a_secret_uri_and_qr_code(owner: User) -> None:
    client = Client()
    client.force_login(owner)

    response = client.get(reverse("security"))

    html = response.content.decode()
    secret = client.session["retain.totp_setup_secret"]
    assert response.status_code == 200
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert f'<code class="secret">{secret}</code>' in html
    uri = f"otpauth://totp/Retain:olivia.owner%40retain.test?secret={secret}&amp;issuer=Retain"
    assert html.count(uri) == 1
    assert html.count("<svg ") == 1
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert html.count('name="csrfmiddlewaretoken"') == 2  # sign out, turn on
    # A reload shows the same secret: the app may already have scanned it.
    client.get(reverse("security"))
    assert client.session["retain.totp_setup_secret"] == secret


def test_enabling_refuses_a_wrong_code_and_accepts_the_right_one(owner: User) -> None:
    client = Client()
    client.force_login(owner)
    client.get(reverse("security"))
    secret = client.session["retain.totp_setup_secret"]

    refused = client.post(reverse("security"), {"action": "enable", "code": _wrong_code(secret)})

    owner.refresh_from_db()
    assert refused.status_code == 200
    assert refused.content.decode().count(WRONG_CODE_TEXT) == 1
    assert owner.has_totp is False
    assert client.session["retain.totp_setup_secret"] == secret

    accepted = client.post(
        reverse("security"), {"action": "enable", "code": _code(secret, last_step=None)}
    )

    owner.refresh_from_db()
    assert accepted.status_code == 302
    assert accepted["Location"] == "/security/"
    assert owner.has_totp is True
    assert owner.totp_secret == secret
    assert "retain.totp_setup_secret" not in client.session
    page = client.get(reverse("security")).content.decode()
    assert "On since" in page
    assert secret not in page  # once on, the secret is never shown again


def test_sign_in_then_asks_for_the_code_before_the_session_is_signed_in(
    owner: User, secret: str
) -> None:
    client = Client()

    # when: the right password
    password_step = _password_step(client, owner.email)

    # then: on to the code, and not signed in yet
    assert password_step.status_code == 302
    assert password_step["Location"] == "/login/code/"
    assert "_auth_user_id" not in client.session
    assert client.get("/")["Location"] == "/login/?next=/"
    code_page = client.get(reverse("login_totp"))
    assert code_page.status_code == 200
    assert code_page.templates[0].name == "accounts/sign_in_code.html"

    # when: a wrong code
    refused = _code_step(client, _wrong_code(secret))

    # then: refused, still not signed in
    assert refused.status_code == 200
    assert refused.content.decode().count(WRONG_CODE_TEXT) == 1
    assert "_auth_user_id" not in client.session

    # when: the right code
    signed_in = _code_step(client, _code_for(owner))

    # then: signed in, on the page asked for
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/"
    assert client.session["_auth_user_id"] == str(owner.pk)
    assert client.get("/").status_code == 200


def test_the_code_step_returns_to_the_page_asked_for(owner: User, secret: str) -> None:
    client = Client()
    _password_step(client, owner.email, next_url="/?q=acme")

    response = _code_step(client, _code_for(owner))

    assert response["Location"] == "/?q=acme"


def test_a_code_signs_in_once_only(owner: User, secret: str) -> None:
    first, second = Client(), Client()
    _password_step(first, owner.email)
    _password_step(second, owner.email)
    code = _code_for(owner)

    assert _code_step(first, code).status_code == 302
    replayed = _code_step(second, code)

    assert replayed.status_code == 200
    assert WRONG_CODE_TEXT in replayed.content.decode()
    assert "_auth_user_id" not in second.session


def test_the_code_step_carries_a_csrf_token(owner: User, secret: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    client.post(
        reverse("login"),
        {"username": owner.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )

    html = client.get(reverse("login_totp")).content.decode()
    without_token = client.post(reverse("login_totp"), {"code": _code_for(owner)})

    assert html.count('name="csrfmiddlewaretoken"') == 1
    assert without_token.status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_pending_sign_in_expires_after_five_minutes(owner: User, secret: str) -> None:
    client = Client()
    _password_step(client, owner.email)
    session = client.session
    session["retain.pending_sign_in"]["expires"] = time.time() - 1
    session.save()

    response = _code_step(client, _code_for(owner))

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "retain.pending_sign_in" not in client.session
    assert "_auth_user_id" not in client.session


def test_the_code_step_needs_the_password_step_first(owner: User, secret: str) -> None:
    client = Client()

    response = _code_step(client, _code_for(owner))

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_towards_the_lockout(owner: User, secret: str) -> None:
    client = Client()
    # One wrong password, then the right one and four wrong codes: five failures.
    wrong_password = {"username": owner.email, "password": "wrong"}
    assert client.post(reverse("login"), wrong_password).status_code == 200
    _password_step(client, owner.email)
    statuses = [_code_step(client, _wrong_code(secret)).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    # The pending sign-in is gone, and the password alone is refused too while locked.
    assert _code_step(client, _code_for(owner))["Location"] == "/login/"
    assert _password_step(client, owner.email).status_code == 429
    assert "_auth_user_id" not in client.session


def test_disabling_needs_a_right_code(owner: User, secret: str) -> None:
    client = Client()
    client.force_login(owner)

    refused = client.post(reverse("security"), {"action": "disable", "code": _wrong_code(secret)})

    owner.refresh_from_db()
    assert refused.status_code == 200
    assert WRONG_CODE_TEXT in refused.content.decode()
    assert owner.has_totp is True

    accepted = client.post(reverse("security"), {"action": "disable", "code": _code_for(owner)})

    owner.refresh_from_db()
    assert accepted.status_code == 302
    assert (owner.has_totp, owner.totp_enabled_at, owner.totp_last_step) == (False, None, None)
    # Signing in is one step again.
    fresh = Client()
    assert _password_step(fresh, owner.email)["Location"] == "/"
    assert fresh.session["_auth_user_id"] == str(owner.pk)


def test_an_unknown_action_is_refused(owner: User) -> None:
    client = Client()
    client.force_login(owner)

    response = client.post(reverse("security"), {"action": "export", "code": "123456"})

    assert response.status_code == 400
