"""Churn-risk prediction and the health score: who is drifting away, and why."""

from django.apps import AppConfig


class ChurnConfig(AppConfig):
    name = "retain.churn"
    label = "churn"
