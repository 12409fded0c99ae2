"""Playbook pages: the list with adherence, one playbook's steps, my tasks; starting
a playbook for a client and completing a task."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from retain.clients.models import Client
from retain.clients.permissions import may, require
from retain.core.http import actor, redirect_back
from retain.playbooks import selectors, services
from retain.playbooks.forms import StepFormSet, VersionForm, initial_steps
from retain.playbooks.markdown import render_markdown
from retain.playbooks.models import Playbook, Task


def playbook_list(request: HttpRequest) -> HttpResponse:
    """Every playbook, and on-time completion by playbook, step, department or person."""
    grouping = request.GET.get("by", "playbook")
    if grouping not in selectors.GROUPINGS:
        grouping = "playbook"
    return render(
        request,
        "playbooks/playbook_list.html",
        {
            "playbooks": selectors.list_playbooks(),
            "adherence": selectors.adherence_by(grouping),
            "grouping": grouping,
            "groupings": selectors.GROUPINGS,
        },
    )


def playbook_detail(request: HttpRequest, slug: str) -> HttpResponse:
    playbook = get_object_or_404(Playbook, slug=slug)
    steps = selectors.get_current_steps(playbook=playbook)
    guidance = {step.pk: mark_safe(render_markdown(step.guidance)) for step in steps}
    return render(
        request,
        "playbooks/playbook_detail.html",
        {
            "playbook": playbook,
            "steps": [(step, guidance[step.pk]) for step in steps],
            "version": playbook.versions.order_by("-number").first(),
            "can_edit": may(request.user, "playbooks.write_playbook"),
        },
    )


def edit_playbook(request: HttpRequest, slug: str) -> HttpResponse:
    """Rewrite a playbook's steps; saving publishes a new version (running ones keep theirs)."""
    playbook = get_object_or_404(Playbook, slug=slug)
    require(request.user, "playbooks.write_playbook")
    version = services.current_version(playbook)
    steps = selectors.get_current_steps(playbook=playbook)
    refused = ""
    if request.method == "POST":
        formset = StepFormSet(request.POST, prefix="steps")
        version_form = VersionForm(request.POST)
        if formset.is_valid() and version_form.is_valid():
            try:
                published = services.publish_version(
                    actor=actor(request),
                    playbook=playbook,
                    steps=formset.specs(),
                    based_on=version_form.cleaned_data["based_on"] or 0,
                )
            except ValidationError as error:
                refused = " ".join(error.messages)
            else:
                messages.success(request, f"{playbook.name}: version {published.number} published.")
                return redirect("playbook-detail", slug=slug)
    else:
        formset = StepFormSet(initial=initial_steps(steps), prefix="steps")
        version_form = VersionForm(initial={"based_on": version.number if version else 0})
    return render(
        request,
        "playbooks/playbook_edit.html",
        {
            "playbook": playbook,
            "formset": formset,
            "version_form": version_form,
            "refused": refused,
        },
    )


def my_tasks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "playbooks/my_tasks.html",
        {"tasks": list(selectors.list_open_tasks_for(user=actor(request)))},
    )


@require_POST
def start_playbook(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.select_related("owner", "backup_owner"), pk=pk)
    playbook = get_object_or_404(Playbook, pk=request.POST.get("playbook") or 0)
    try:
        run = services.start_playbook(actor=actor(request), client=client, playbook=playbook)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, f"{playbook} started: {run.tasks.count()} tasks.")
    return redirect("client-detail", pk=pk)


@require_POST
def complete_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("client"), pk=pk)
    try:
        services.complete_task(actor=actor(request), task=task)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    return redirect_back(request, "my-tasks")
