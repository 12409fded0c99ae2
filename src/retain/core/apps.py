from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "retain.core"
    label = "core"
