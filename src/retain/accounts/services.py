"""Writes to team members and departments."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

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
