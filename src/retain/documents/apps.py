from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "retain.documents"
    label = "documents"

    def ready(self) -> None:
        # Registers the object permissions with django-rules.
        from retain.documents import permissions  # noqa: F401
