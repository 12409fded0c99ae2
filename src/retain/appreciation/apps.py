from django.apps import AppConfig


class AppreciationConfig(AppConfig):
    name = "retain.appreciation"
    label = "appreciation"

    def ready(self) -> None:
        # Registers the permissions with django-rules.
        from retain.appreciation import permissions  # noqa: F401
