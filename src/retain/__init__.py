"""Retain: a self-hosted client-retention workspace."""

__version__ = "0.1.0"
