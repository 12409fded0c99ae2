from django.apps import AppConfig


class ValuationConfig(AppConfig):
    name = "retain.valuation"
    label = "valuation"
