"""Advocacy both ways: referrals and references a client gives us, introductions we make for it."""

from django.apps import AppConfig


class AdvocacyConfig(AppConfig):
    name = "retain.advocacy"
    label = "advocacy"

    def ready(self) -> None:
        # Registers the object permissions with django-rules.
        from retain.advocacy import permissions  # noqa: F401
