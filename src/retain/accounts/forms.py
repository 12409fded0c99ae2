"""Forms of the sign-in and security pages."""

from __future__ import annotations

from django import forms


class TotpCodeForm(forms.Form):
    """A six-digit code from an authenticator app (spaces allowed, as apps show them)."""

    code = forms.CharField(max_length=10, strip=True)
