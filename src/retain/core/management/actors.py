"""The team member a command acts as (`--as EMAIL`), shared by Retain's commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from retain.accounts.models import User


def acting_member(email: str | None) -> User | None:
    """The active team member with ``email`` (any case); None when no email is given.

    Raises CommandError naming the option when nobody active has that email.
    """
    if not email:
        return None
    member = User.objects.filter(email__iexact=email, is_active=True).first()
    if member is None:
        raise CommandError(f"--as {email}: no active team member with this email")
    return member
