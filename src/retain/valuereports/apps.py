from django.apps import AppConfig


class ValuereportsConfig(AppConfig):
    name = "retain.valuereports"
    label = "valuereports"
