"""Advocacy pages: a client's Advocacy tab (asks, introductions, and recording them), the
overview (the funnel, by owner, introductions by outcome, whom to ask next), and the
CSV exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retain.advocacy import selectors, services
from retain.advocacy.choices import AdvocacyStatus, IntroductionOutcome
from retain.advocacy.forms import AskForm, AskStepForm, IntroductionForm, OutcomeForm
from retain.advocacy.models import AdvocacyAsk, Introduction
from retain.clients.models import Client
from retain.clients.permissions import may, require
from retain.core.http import actor, stream_csv
from retain.core.paging import paginate
from retain.transfer.csvio import escape_cell

CANDIDATES_PER_PAGE = 50


@dataclass(frozen=True)
class _Row:
    """A record on the tab, with the form for its next step (None: closed, or read only)."""

    record: Any
    form: forms.Form | None


def _problems(form: forms.Form) -> str:
    """A rejected form's errors as one sentence, for a message after a redirect."""
    return " ".join(
        f"{form.fields[name].label or name}: {' '.join(map(str, errors))}"
        if name in form.fields
        else " ".join(map(str, errors))
        for name, errors in form.errors.items()
    )


def _client(pk: int) -> Client:
    # Owner and backup come along: the permission rules read them.
    return get_object_or_404(Client.objects.select_related("owner", "backup_owner"), pk=pk)


def _render_tab(
    request: HttpRequest,
    client: Client,
    *,
    ask_form: AskForm | None = None,
    introduction_form: IntroductionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_record = may(request.user, "advocacy.record_advocacy", client)
    asks = [
        _Row(
            ask,
            AskStepForm(steps=steps, initial={"version": ask.version}, auto_id=f"ask{ask.pk}-%s")
            if can_record and (steps := services.next_ask_steps(ask))
            else None,
        )
        for ask in selectors.list_client_asks(client=client)
    ]
    introductions = [
        _Row(
            introduction,
            OutcomeForm(
                outcomes=outcomes,
                initial={"version": introduction.version},
                auto_id=f"intro{introduction.pk}-%s",
            )
            if can_record and (outcomes := services.next_outcomes(introduction))
            else None,
        )
        for introduction in selectors.list_client_introductions(client=client)
    ]
    return render(
        request,
        "advocacy/client_advocacy.html",
        {
            "client": client,
            "asks": asks,
            "introductions": introductions,
            "can_record": can_record,
            "ask_form": ask_form or AskForm(client=client, auto_id="ask-%s"),
            "introduction_form": introduction_form or IntroductionForm(auto_id="introduction-%s"),
        },
        status=status,
    )


def client_advocacy(request: HttpRequest, pk: int) -> HttpResponse:
    """The client's Advocacy tab; a POST asks the client for a referral or a reference."""
    client = _client(pk)
    require(request.user, "clients.view_client", client)
    if request.method != "POST":
        return _render_tab(request, client)
    require(request.user, "advocacy.record_advocacy", client)
    form = AskForm(request.POST, client=client, auto_id="ask-%s")
    if form.is_valid():
        try:
            ask = services.ask_for_advocacy(
                actor=actor(request), client=client, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{ask.get_kind_display()} ask recorded.")
            return redirect("client-advocacy", pk=pk)
    return _render_tab(request, client, ask_form=form)


@require_POST
def make_introduction(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an introduction we made for the client."""
    client = _client(pk)
    require(request.user, "advocacy.record_advocacy", client)
    form = IntroductionForm(request.POST, auto_id="introduction-%s")
    if form.is_valid():
        try:
            services.make_introduction(actor=actor(request), client=client, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Introduction recorded.")
            return redirect("client-advocacy", pk=pk)
    return _render_tab(request, client, introduction_form=form)


@require_POST
def record_ask_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that an ask was given, converted or declined."""
    ask = get_object_or_404(
        AdvocacyAsk.objects.select_related("client__owner", "client__backup_owner"), pk=pk
    )
    require(request.user, "advocacy.record_advocacy", ask.client)
    form = AskStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _problems(form))
        return redirect("client-advocacy", pk=ask.client_id)
    data = form.cleaned_data
    step = {
        "actor": actor(request),
        "ask": ask,
        "expected_version": data["version"],
        "on": data["on"],
        "note": data["note"],
    }
    try:
        if data["status"] == AdvocacyStatus.GIVEN:
            done = services.record_given(**step)
        elif data["status"] == AdvocacyStatus.CONVERTED:
            done = services.record_converted(**step, value=data["value"])
        else:
            done = services.record_declined(**step)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Recorded: {done}.")
    return redirect("client-advocacy", pk=ask.client_id)


@require_POST
def record_introduction_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what came of an introduction."""
    introduction = get_object_or_404(
        Introduction.objects.select_related("client__owner", "client__backup_owner"), pk=pk
    )
    require(request.user, "advocacy.record_advocacy", introduction.client)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _problems(form))
        return redirect("client-advocacy", pk=introduction.client_id)
    try:
        done = services.record_introduction_outcome(
            actor=actor(request),
            introduction=introduction,
            outcome=form.cleaned_data["outcome"],
            expected_version=form.cleaned_data["version"],
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{done}: {done.get_outcome_display().lower()}.")
    return redirect("client-advocacy", pk=introduction.client_id)


def advocacy_overview(request: HttpRequest) -> HttpResponse:
    """The funnel for referrals and references, by owner, introductions by outcome, and
    the healthy promoters to ask for a referral next."""
    require(request.user, "clients.view_client")
    candidates = paginate(
        selectors.referral_candidates(), request.GET.get("page"), per_page=CANDIDATES_PER_PAGE
    )
    return render(
        request,
        "advocacy/overview.html",
        {
            "totals": selectors.get_advocacy_totals(),
            "by_owner": selectors.list_totals_by_owner(),
            "introductions": selectors.list_introductions_by_outcome(),
            "outcomes": IntroductionOutcome.labels,
            "candidates": candidates,
        },
    )


def asks_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every referral and reference ask, as CSV (formula cells escaped)."""
    require(request.user, "clients.view_client")
    header = [
        "client_external_id",
        "client",
        "kind",
        "status",
        "prospect",
        "contact",
        "asked_by",
        "asked_on",
        "given_on",
        "converted_on",
        "declined_on",
        "value",
    ]
    rows = (
        [
            escape_cell(ask.client.external_id),
            escape_cell(ask.client.name),
            ask.kind,
            ask.status,
            escape_cell(ask.prospect),
            escape_cell(ask.contact.name if ask.contact else ""),
            escape_cell(str(ask.asked_by) if ask.asked_by else ""),
            ask.asked_on.isoformat(),
            *(
                d.isoformat() if d else ""
                for d in (ask.given_on, ask.converted_on, ask.declined_on)
            ),
            "" if ask.value is None else str(ask.value),
        ]
        for ask in selectors.list_asks_for_export().iterator(chunk_size=2000)
    )
    return stream_csv("advocacy-asks.csv", header, rows)


def introductions_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every introduction made for a client, as CSV (formula cells escaped)."""
    require(request.user, "clients.view_client")
    header = [
        "client_external_id",
        "client",
        "kind",
        "introduced_to",
        "organisation",
        "made_by",
        "made_on",
        "outcome",
        "outcome_on",
    ]
    rows = (
        [
            escape_cell(intro.client.external_id),
            escape_cell(intro.client.name),
            intro.kind,
            escape_cell(intro.introduced_name),
            escape_cell(intro.introduced_organisation),
            escape_cell(str(intro.made_by) if intro.made_by else ""),
            intro.made_on.isoformat(),
            intro.outcome,
            intro.outcome_on.isoformat() if intro.outcome_on else "",
        ]
        for intro in selectors.list_introductions_for_export().iterator(chunk_size=2000)
    )
    return stream_csv("advocacy-introductions.csv", header, rows)
