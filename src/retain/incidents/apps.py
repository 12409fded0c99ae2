from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "retain.incidents"
    label = "incidents"

    def ready(self) -> None:
        # Registers the object permissions with django-rules.
        from retain.incidents import permissions  # noqa: F401
