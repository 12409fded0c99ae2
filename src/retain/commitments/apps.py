from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "retain.commitments"
    label = "commitments"

    def ready(self) -> None:
        # Registers the object permissions with django-rules.
        from retain.commitments import permissions  # noqa: F401
