"""How django-axes names the person behind a sign-in attempt, and asks about lockouts.

Axes counts failures per (login name, address). Retain's login names are email
addresses typed in any case (``EmailBackend``), so the name is compared
lower-cased and trimmed: otherwise "Olivia@..." and "olivia@..." would each get
their own five tries.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest

from retain.accounts.models import User


def normalize_login_name(typed: str) -> str:
    """The form of a typed email (or username) that lockouts are counted under."""
    return typed.strip().lower()


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the normalized login name of this attempt.

    Axes passes the credentials of a sign-in (``{"username": ...}``) when it has
    them, and nothing when it only has the request; then the posted form tells.
    """
    source: Any = credentials if credentials else request.POST
    typed = source.get("username")
    return normalize_login_name(typed) if isinstance(typed, str) else None


def is_locked_out(request: HttpRequest, login_name: str) -> bool:
    """Whether ``login_name`` may not sign in from this request's address right now."""
    return AxesProxyHandler.is_locked(request, {"username": login_name})


def record_failed_sign_in(request: HttpRequest, login_name: str) -> bool:
    """Count a failed sign-in step (a wrong two-factor code) towards the lockout.

    Sends Django's ``user_login_failed``, the signal a wrong password sends, so
    axes counts both kinds of failure together. Returns whether this failure
    locked the pair out.
    """
    user_login_failed.send(sender=User, credentials={"username": login_name}, request=request)
    return bool(getattr(request, "axes_locked_out", False))
