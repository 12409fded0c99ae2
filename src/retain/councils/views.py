"""Council pages: councils, one council (members, meetings), one meeting (agenda,
invitations, minutes, actions, feedback)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retain.clients.permissions import may, require
from retain.core.http import actor
from retain.councils import services
from retain.councils.forms import CouncilForm, MeetingForm, MinutesForm
from retain.councils.models import Council, CouncilAction, Feedback, Meeting


def councils(request: HttpRequest) -> HttpResponse:
    require(request.user, "clients.view_client")
    form = CouncilForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "councils.run_councils")
        if form.is_valid():
            council = services.create_council(actor=actor(request), **form.cleaned_data)
            return redirect("council-detail", pk=council.pk)
    return render(
        request,
        "councils/councils.html",
        {
            "councils": Council.objects.prefetch_related("members__client").order_by("name"),
            "form": form,
            "can_run": may(request.user, "councils.run_councils"),
        },
    )


def council_detail(request: HttpRequest, pk: int) -> HttpResponse:
    council = get_object_or_404(Council, pk=pk)
    require(request.user, "clients.view_client")
    form = MeetingForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "councils.run_councils")
        if form.is_valid():
            try:
                meeting = services.schedule_meeting(
                    actor=actor(request), council=council, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Meeting scheduled; invitations are on their way.")
                return redirect("council-meeting", pk=meeting.pk)
    return render(
        request,
        "councils/council_detail.html",
        {
            "council": council,
            "members": council.members.select_related("client"),
            "meetings": council.meetings.all(),
            "form": form,
            "can_run": may(request.user, "councils.run_councils"),
        },
    )


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("council"), pk=pk)
    require(request.user, "clients.view_client")
    form = MinutesForm(request.POST or None, meeting=meeting)
    if request.method == "POST":
        require(request.user, "councils.run_councils")
        if form.is_valid():
            try:
                services.record_meeting(
                    actor=actor(request),
                    meeting=meeting,
                    minutes=form.cleaned_data["minutes"],
                    attended=[int(pk) for pk in form.cleaned_data["attended"]],
                    actions=form.actions(),
                    feedback=form.feedback_items(),
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Minutes saved.")
                return redirect("council-meeting", pk=pk)
    return render(
        request,
        "councils/meeting_detail.html",
        {
            "meeting": meeting,
            "attendance": meeting.attendance.select_related("contact__client"),
            "actions": meeting.actions.select_related("owner"),
            "feedback": meeting.feedback.select_related("client"),
            "form": form,
            "can_run": may(request.user, "councils.run_councils"),
        },
    )


@require_POST
def complete_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(CouncilAction.objects.select_related("owner"), pk=pk)
    try:
        services.complete_action(
            actor=actor(request), action=action, outcome=request.POST.get("outcome", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("council-meeting", pk=action.meeting_id)


@require_POST
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = get_object_or_404(Feedback, pk=pk)
    try:
        services.respond_to_feedback(
            actor=actor(request), feedback=feedback, response=request.POST.get("response", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("council-meeting", pk=feedback.meeting_id)
