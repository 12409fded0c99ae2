from django.apps import AppConfig


class CadencesConfig(AppConfig):
    name = "retain.cadences"
    label = "cadences"

    def ready(self) -> None:
        # Registers the permissions with django-rules.
        from retain.cadences import permissions  # noqa: F401
