from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "retain.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        # Registers the permissions with django-rules.
        from retain.webhooks import permissions  # noqa: F401
