"""The balanced scorecard: retention over a period from four perspectives."""

from django.apps import AppConfig


class ScorecardConfig(AppConfig):
    name = "retain.scorecard"
    label = "scorecard"
