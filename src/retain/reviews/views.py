"""Review pages: reviews planned and held with my open actions, a client's reviews,
one review (agenda, attendees, minutes, actions)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retain.clients.models import Client
from retain.clients.permissions import may, require
from retain.core.http import actor, redirect_back
from retain.reviews import selectors, services
from retain.reviews.forms import ActionFormSet, CompleteActionForm, MinutesForm, PlanReviewForm
from retain.reviews.models import ActionItem, ClientReview


def reviews_home(request: HttpRequest) -> HttpResponse:
    """Reviews to hold, reviews held lately, and the open actions that are mine or my department's."""
    require(request.user, "clients.view_client")
    return render(
        request,
        "reviews/reviews.html",
        {
            "planned": list(selectors.list_planned_reviews()[:100]),
            "held": selectors.list_recently_held_reviews(),
            "actions": selectors.list_open_actions_for(user=actor(request)),
        },
    )


def client_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    """The client's reviews, and planning a new one."""
    client = get_object_or_404(Client.objects.select_related("owner", "backup_owner"), pk=pk)
    require(request.user, "clients.view_client", client)
    can_plan = may(request.user, "reviews.plan_review", client)
    form = PlanReviewForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "reviews.plan_review", client)
        if form.is_valid():
            try:
                review = services.plan_review(
                    actor=actor(request),
                    client=client,
                    scheduled_for=form.cleaned_data["scheduled_for"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Review planned; its agenda is below.")
                return redirect("review-detail", pk=review.pk)
    return render(
        request,
        "reviews/client_reviews.html",
        {
            "client": client,
            "reviews": selectors.list_client_reviews(client=client),
            "form": form,
            "can_plan": can_plan,
        },
    )


def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda, who is asked, the minutes and the action items; writing the minutes."""
    try:
        review = selectors.get_review(pk=pk)
    except ClientReview.DoesNotExist:
        raise Http404("No such review") from None
    require(request.user, "clients.view_client", review.client)
    can_write = may(request.user, "reviews.write_minutes", review)
    form = MinutesForm(request.POST or None, review=review)
    actions = ActionFormSet(request.POST or None, prefix="actions")
    if request.method == "POST":
        require(request.user, "reviews.write_minutes", review)
        if form.is_valid() and actions.is_valid():
            try:
                services.record_minutes(
                    actor=actor(request),
                    review=review,
                    minutes=form.cleaned_data["minutes"],
                    present=form.present_ids(),
                    actions=actions.specs(),
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Minutes saved.")
                return redirect("review-detail", pk=pk)
    return render(
        request,
        "reviews/review_detail.html",
        {
            "review": review,
            "client": review.client,
            "form": form,
            "actions": actions,
            "can_write": can_write,
            "complete_form": CompleteActionForm(),
        },
    )


@require_POST
def complete_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick a review's action item off, with what came of it."""
    action = get_object_or_404(ActionItem.objects.select_related("client"), pk=pk)
    form = CompleteActionForm(request.POST)
    if form.is_valid():
        try:
            services.complete_action(
                actor=actor(request), action=action, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Done: {action.title}")
    return redirect_back(request, "review-detail", action.review_id)
