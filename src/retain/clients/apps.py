from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "retain.clients"
    label = "clients"

    def ready(self) -> None:
        # Registers the object permissions with django-rules.
        from retain.clients import permissions  # noqa: F401
