"""Cadences page: the rules, compliance by rule, owner or department, what is overdue."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from retain.cadences import selectors, services
from retain.cadences.models import CadenceRule, TouchBy
from retain.clients.permissions import may, require
from retain.core.http import actor

GROUPINGS = {"rule": "Rule (tier)", "owner": "Owner", "department": "Department"}


class RuleForm(forms.Form):
    name = forms.CharField(max_length=200)
    top_share = forms.DecimalField(
        required=False,
        min_value=Decimal("0.001"),
        max_value=Decimal(1),
        decimal_places=3,
        label="Top share of clients by MRR",
        help_text="0.2 for the top 20%; blank for every active client.",
    )
    segment = forms.CharField(max_length=100, required=False, help_text="Blank: every segment.")
    every_days = forms.IntegerField(min_value=1, max_value=3650, label="Every (days)")
    kinds = forms.MultipleChoiceField(
        choices=[(k, k) for k in services.TOUCH_KINDS],
        widget=forms.CheckboxSelectMultiple,
        label="What counts as a touch",
    )
    by = forms.ChoiceField(choices=TouchBy.choices, label="By whom")


def cadences(request: HttpRequest) -> HttpResponse:
    require(request.user, "clients.view_client")
    grouping = request.GET.get("by", "rule")
    if grouping not in GROUPINGS:
        grouping = "rule"
    form = RuleForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "cadences.manage_rules")
        if form.is_valid():
            try:
                services.add_rule(actor=actor(request), **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Cadence added.")
                return redirect("cadences")
    mine = request.GET.get("mine") == "1"
    found = selectors.touches()
    overdue = sorted((t for t in found if t.overdue), key=lambda t: t.due_on)
    return render(
        request,
        "cadences/cadences.html",
        {
            "rules": CadenceRule.objects.filter(is_active=True),
            "grouping": grouping,
            "groupings": GROUPINGS,
            "grouping_label": GROUPINGS[grouping],
            "compliance": selectors.compliance(grouping, found),
            "overdue": overdue[:100],
            "overdue_count": len(overdue),
            "form": form,
            "can_manage": may(request.user, "cadences.manage_rules"),
            "mine": selectors.touches_due_for(actor(request)) if mine else None,
        },
    )
