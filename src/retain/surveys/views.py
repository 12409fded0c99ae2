"""Survey pages: surveys with NPS and the closed loop; sending; the public answer page
(reached from the emailed link, no sign-in); following up unhappy answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retain.clients.permissions import may, require
from retain.clients.selectors import list_segments
from retain.core.http import actor, redirect_back
from retain.surveys import selectors, services
from retain.surveys.forms import AnswerForm, CloseFollowUpForm, SendForm, SurveyForm
from retain.surveys.models import SCALE, FollowUp, Survey, SurveyKind


def surveys(request: HttpRequest) -> HttpResponse:
    """Every survey, NPS by segment and month, and how unhappy answers are followed up."""
    require(request.user, "clients.view_client")
    can_manage = may(request.user, "surveys.manage_surveys")
    form = SurveyForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "surveys.manage_surveys")
        if form.is_valid():
            try:
                survey = services.create_survey(actor=actor(request), **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"{survey.name} created; send it below.")
                return redirect("surveys")
    return render(
        request,
        "surveys/surveys.html",
        {
            "surveys": list(selectors.list_surveys()),
            "nps": selectors.nps_by_segment_and_month(),
            "loop": selectors.closed_loop(),
            "form": form,
            "send_form": SendForm(segments=list_segments()),
            "can_manage": can_manage,
        },
    )


@require_POST
def send_survey(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    form = SendForm(request.POST, segments=list_segments())
    if form.is_valid():
        recipients = services.Recipients(segment=form.cleaned_data["segment"])
        count = services.send_survey(
            actor=actor(request), survey=survey, contacts=recipients.contacts()
        )
        messages.success(request, f"{survey.name}: {count} invitation(s) queued.")
    return redirect("surveys")


@login_not_required
def answer(request: HttpRequest, signed_token: str) -> HttpResponse:
    """The page a contact reaches from the email: the score (and a comment), once."""
    try:
        invitation = services.open_invitation(signed_token)
    except services.LinkProblem as problem:
        return render(
            request,
            "surveys/link_problem.html",
            {"message": services.LINK_PROBLEMS_TEXT[problem.reason]},
            status=410 if problem.reason != "tampered" else 404,
        )
    survey = invitation.survey
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_survey(
                signed_token=signed_token,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except services.LinkProblem as problem:
            return render(
                request,
                "surveys/link_problem.html",
                {"message": services.LINK_PROBLEMS_TEXT[problem.reason]},
                status=410,
            )
        except ValidationError as error:
            form.add_error("score", error)
        else:
            return render(request, "surveys/thanks.html", {"survey": survey})
    return render(
        request,
        "surveys/answer.html",
        {
            "survey": survey,
            "contact": invitation.contact,
            "scale": list(SCALE[SurveyKind(survey.kind)]),
            "form": form,
        },
    )


@require_POST
def reached(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(FollowUp.objects.select_related("client"), pk=pk)
    services.record_first_contact(actor=actor(request), follow_up=follow_up)
    messages.success(request, f"Noted: you reached {follow_up.client}.")
    return redirect_back(request, "home")


@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_or_404(FollowUp.objects.select_related("client"), pk=pk)
    form = CloseFollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.close_follow_up(
                actor=actor(request), follow_up=follow_up, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Follow-up of {follow_up.client} closed.")
    else:
        messages.error(request, "Say what was done about the answer.")
    return redirect_back(request, "home")
