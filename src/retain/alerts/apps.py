from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "retain.alerts"
    label = "alerts"
