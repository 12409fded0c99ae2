"""Writes to team members and departments, and their two-factor sign-in."""

from __future__ import annotations

import hmac
import logging
import time

import pyotp
import segno
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from retain.accounts.choices import Role
from retain.accounts.models import Department, User


@transaction.atomic
def create_team_member(
    *,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    department: Department | None = None,
    role: str = Role.MEMBER,
    title: str = "",
) -> User:
    """Create a team member who signs in with ``email``.

    Admins also get Django's staff and superuser flags so the admin site works for them.
    """
    email = email.strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValueError(f"a team member with email {email} already exists")
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r} (choose from {', '.join(Role.values)})")
    user = User(
        username=email.lower(),
        email=email,
        first_name=first_name,
        last_name=last_name,
        department=department,
        role=role,
        title=title,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if password:
        # Django's validators: length, common passwords, too close to the name or email.
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


# Two-factor sign-in with time-based one-time passwords (RFC 6238).
#
# pyotp rather than django-otp: Retain needs one kind of second factor, one per team
# member, and a sign-in flow of its own (the code is a second step that axes counts).
# django-otp would bring a device model, its own middleware and a login form to fit
# around; pyotp is a small, dependency-free implementation of the algorithm, and the
# secret and the replay guard are two fields on User.

TOTP_ISSUER = "Retain"
TOTP_STEP_SECONDS = 30
# Accept the previous and the next code too: phones' clocks drift, and a code typed
# in the last seconds of its step arrives in the next one.
TOTP_VALID_WINDOW = 1

security_log = logging.getLogger("retain.security")


class InvalidTotpCode(ValueError):
    """The code was wrong, expired, already used, or two-factor is not in the expected state."""


def new_totp_secret() -> str:
    """A fresh random base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def totp_provisioning_uri(*, user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads (from the QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email or user.username, issuer_name=TOTP_ISSUER
    )


def totp_qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code: drawn on the server, so the page needs no script.

    segno writes paths with presentation attributes only (no ``style``), which the
    strict Content-Security-Policy allows.
    """
    qr = segno.make(uri, error="m")
    return qr.svg_inline(scale=4, dark="#1b2430", light="#ffffff", title="QR code to scan")


def _current_step() -> int:
    return int(time.time()) // TOTP_STEP_SECONDS


def _matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    """The time step near now whose code is ``code`` and is later than ``after``, if any."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = _current_step()
    for step in range(now - TOTP_VALID_WINDOW, now + TOTP_VALID_WINDOW + 1):
        # Constant-time comparison: the time to answer must not tell how close a guess was.
        if hmac.compare_digest(totp.generate_otp(step), code) and (after is None or step > after):
            return step
    return None


@transaction.atomic
def verify_totp(*, user: User, code: str) -> bool:
    """Whether ``code`` is ``user``'s current code; a right code is used up.

    The user's row is locked while checking, so two requests racing with the same
    code cannot both succeed: each code signs in once (RFC 6238 §5.2).
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.totp_secret:
        return False
    step = _matching_step(locked.totp_secret, code, after=locked.totp_last_step)
    if step is None:
        return False
    locked.totp_last_step = step
    locked.save(update_fields=["totp_last_step"])
    user.totp_last_step = step
    return True


@transaction.atomic
def enable_totp(*, actor: User, secret: str, code: str) -> None:
    """Turn two-factor sign-in on for ``actor``, once they prove their app has ``secret``.

    The secret is shown first and saved only here, with a current code from the app,
    so a half-finished setup never locks a team member out of their account.
    """
    locked = User.objects.select_for_update().get(pk=actor.pk)
    if locked.totp_secret:
        raise InvalidTotpCode("two-factor sign-in is already on")
    step = _matching_step(secret, code, after=None)
    if step is None:
        raise InvalidTotpCode("that code does not match")
    locked.totp_secret = secret
    locked.totp_enabled_at = timezone.now()
    locked.totp_last_step = step
    locked.save(update_fields=["totp_secret", "totp_enabled_at", "totp_last_step"])
    actor.totp_secret, actor.totp_enabled_at = locked.totp_secret, locked.totp_enabled_at
    actor.totp_last_step = step
    security_log.info("two-factor sign-in enabled for user %s", actor.pk)


@transaction.atomic
def disable_totp(*, actor: User, code: str) -> None:
    """Turn two-factor sign-in off for ``actor``, given a current code.

    Asking for a code (not only a signed-in session) means someone who finds a
    colleague's unlocked screen cannot quietly remove the second factor.
    """
    if not verify_totp(user=actor, code=code):
        raise InvalidTotpCode("that code does not match")
    User.objects.filter(pk=actor.pk).update(
        totp_secret="", totp_enabled_at=None, totp_last_step=None
    )
    actor.totp_secret, actor.totp_enabled_at, actor.totp_last_step = "", None, None
    security_log.info("two-factor sign-in disabled for user %s", actor.pk)
