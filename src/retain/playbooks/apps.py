from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "retain.playbooks"
    label = "playbooks"

    def ready(self) -> None:
        # Registers the object permissions with django-rules.
        from retain.playbooks import permissions  # noqa: F401
