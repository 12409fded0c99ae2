from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "retain.outbox"
    label = "outbox"
