"""Retain's analytics: pure functions on arrays and frames; no Django, no I/O.

Each submodule is imported on its own (``retain.analytics.clv`` for customer lifetime
value, ...), so importing one does not pay for another's numerical libraries.
"""
