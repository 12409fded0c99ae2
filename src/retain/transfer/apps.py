from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "retain.transfer"
    label = "transfer"
    verbose_name = "Import and export"
