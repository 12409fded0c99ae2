from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "retain.clients"
    label = "clients"
