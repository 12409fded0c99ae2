from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "retain.documents"
    label = "documents"
