"""How team members sign in: by email address, in whatever case they type it."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.db.models.functions import Lower
from django.http import HttpRequest

from retain.accounts.models import User


class EmailBackend(ModelBackend):
    """Django's ModelBackend, looking the sign-in name up as an email address first.

    ``create_team_member`` stores the username as the lower-cased email, and
    usernames match exactly, so "Nora.Newhire@Retain.test" could not sign in
    with the very address she was created with. Emails are unique regardless of
    case (``accounts_user_email_ci_unique``), and this lookup uses that index.
    Accounts without an email (``createsuperuser``) still sign in by username.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username:
            by_email = (
                User.objects.alias(email_lower=Lower("email"))
                .filter(email_lower=username.strip().lower())
                .values_list("username", flat=True)
            )
            username = next(iter(by_email), username)
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: int) -> User | None:
        """The signed-in member with their department, which every page's top bar shows."""
        try:
            user = User._default_manager.select_related("department").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        # ModelBackend's async path does its own lookup; keep one rule for both.
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )


class SignInLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come with a request.

    Axes refuses ``authenticate()`` calls without a request, because it keys its
    counts on the request's address. Retain's web sign-in always passes the
    request; calls without one are not sign-ins from the network (the test
    client's ``login()``, shell sessions, scripts checking a password) and have no
    address to lock, so they go on to the next backend unchecked.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
