from django.apps import AppConfig


class CouncilsConfig(AppConfig):
    name = "retain.councils"
    label = "councils"

    def ready(self) -> None:
        # Registers the permissions with django-rules.
        from retain.councils import permissions  # noqa: F401
