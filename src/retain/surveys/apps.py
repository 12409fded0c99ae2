from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "retain.surveys"
    label = "surveys"

    def ready(self) -> None:
        # Registers the object permissions with django-rules.
        from retain.surveys import permissions  # noqa: F401
