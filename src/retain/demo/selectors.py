"""Reads the `demo` command needs: is the database empty, and whom to sign in as."""

from __future__ import annotations

from dataclasses import dataclass

from retain.accounts.models import User
from retain.clients.models import Client
from retain.demo import vocabulary as V


@dataclass(frozen=True)
class DemoLogin:
    """A demo team member to sign in as."""

    email: str
    name: str
    role: str
    department: str
    title: str
    owned_clients: int


def database_has_clients() -> bool:
    """Whether any client exists, demo or not (``--if-empty`` then leaves the data alone)."""
    return Client.objects.exists()


def get_demo_logins() -> tuple[DemoLogin, DemoLogin, DemoLogin] | None:
    """The demo's admin, manager and member logins, or None when the demo team is not there."""
    emails = [V.STAFF[i].email for i in (V.LOGIN_ADMIN, V.LOGIN_MANAGER, V.LOGIN_MEMBER)]
    users = {
        user.email: user
        for user in User.objects.filter(email__in=emails, is_active=True).select_related(
            "department"
        )
    }
    if len(users) < len(emails):
        return None

    def login(email: str) -> DemoLogin:
        user = users[email]
        return DemoLogin(
            email=user.email,
            name=user.get_full_name(),
            role=user.role,
            department=user.department.name if user.department else "",
            title=user.title,
            owned_clients=Client.objects.filter(owner=user, status="active").count(),
        )

    admin, manager, member = (login(email) for email in emails)
    return admin, manager, member
