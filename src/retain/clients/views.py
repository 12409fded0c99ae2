"""Client pages. Each view parses, authorizes, calls one selector or service, and renders."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retain.appreciation.selectors import open_thank_yous_for
from retain.cadences.selectors import open_touch_tasks_for
from retain.clients import selectors, services
from retain.clients.completeness import check_records, summarize
from retain.clients.forms import (
    ChurnForm,
    ClientEditForm,
    ClientFilterForm,
    NewClientForm,
    ReassignForm,
    TimelineEntryForm,
    TimelineFilterForm,
)
from retain.clients.history import list_client_history
from retain.clients.locks import StaleEdit
from retain.clients.models import Client, OwnershipChange
from retain.clients.permissions import may, require
from retain.core.http import actor, redirect_back, stream_csv
from retain.playbooks.selectors import list_playbooks
from retain.surveys.selectors import list_open_follow_ups_for
from retain.transfer.csvio import csv_writer, escape_cell


def my_clients(request: HttpRequest) -> HttpResponse:
    """Home: the clients I own or back up, and what needs my attention."""
    me = actor(request)
    view = selectors.get_my_clients(user=me, page_number=request.GET.get("page"))
    follow_ups = list_open_follow_ups_for(user=me)
    return render(
        request,
        "clients/my_clients.html",
        {
            "view": view,
            "follow_ups": follow_ups,
            "touch_tasks": open_touch_tasks_for(me),
            "thank_yous": open_thank_yous_for(me),
        },
    )


def _filter_form(request: HttpRequest) -> ClientFilterForm:
    return ClientFilterForm(request.GET or None, segments=selectors.list_segments())


def client_list(request: HttpRequest) -> HttpResponse:
    """Every client: search, filter, sort, page."""
    require(request.user, "clients.view_client")
    form = _filter_form(request)
    filters = form.to_filters()
    page = selectors.page_clients(filters, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clients/client_list.html",
        {
            "form": form,
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "sort": filters.sort,
            "can_add": may(request.user, "clients.add_client"),
        },
    )


def client_list_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The client list as filtered on screen, every page, as CSV (formula cells escaped)."""
    require(request.user, "clients.view_client")
    clients = selectors.list_clients_for_export(_filter_form(request).to_filters())
    header = [
        "external_id",
        "name",
        "segment",
        "status",
        "lifecycle_stage",
        "owner_email",
        "backup_email",
        "mrr",
        "renewal_on",
    ]
    rows = (
        [
            escape_cell(c.external_id),
            escape_cell(c.name),
            escape_cell(c.segment),
            c.status,
            c.lifecycle_stage,
            escape_cell(c.owner.email if c.owner else ""),
            escape_cell(c.backup_owner.email if c.backup_owner else ""),
            str(c.mrr),
            c.renewal_on.isoformat() if c.renewal_on else "",
        ]
        for c in clients.iterator(chunk_size=2000)
    )
    return stream_csv("clients.csv", header, rows)


def _timeline_context(request: HttpRequest, client: Client) -> dict[str, object]:
    filter_form = TimelineFilterForm(request.GET or None)
    data = filter_form.cleaned_data if filter_form.is_valid() else {}
    department = data.get("department")
    page = selectors.list_timeline(
        client=client,
        department_id=department.pk if department else None,
        kind=data.get("kind", ""),
        page_number=request.GET.get("page"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "client": client,
        "timeline": page,
        "timeline_filter": filter_form,
        "timeline_query": query.urlencode(),
    }


def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The client 360 page: header, people, revenue, ownership and the timeline."""
    try:
        view = selectors.get_client_360(pk=pk)
    except Client.DoesNotExist:
        raise Http404("No such client") from None
    require(request.user, "clients.view_client", view.client)
    context = {
        "view": view,
        "playbooks": list_playbooks(),
        "can_start_playbook": may(request.user, "playbooks.start_playbook", view.client),
        "entry_form": TimelineEntryForm(),
        "can_edit": may(request.user, "clients.change_client", view.client),
        "can_reassign": may(request.user, "clients.reassign_owner", view.client),
        **_timeline_context(request, view.client),
    }
    return render(request, "clients/client_detail.html", context)


def client_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline alone (htmx swaps it in when filtering or paging)."""
    client = get_object_or_404(Client, pk=pk)
    require(request.user, "clients.view_client", client)
    return render(request, "clients/_timeline.html", _timeline_context(request, client))


@require_POST
def add_timeline_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a note, call or meeting; answers with the refreshed timeline for htmx."""
    client = get_object_or_404(Client, pk=pk)
    form = TimelineEntryForm(request.POST)
    if form.is_valid():
        try:
            services.add_timeline_entry(actor=actor(request), client=client, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
    if not request.htmx:  # type: ignore[attr-defined]
        if form.errors:
            messages.error(
                request,
                "The entry was not added: "
                + "; ".join(str(e) for errs in form.errors.values() for e in errs),
            )
        return redirect("client-detail", pk=pk)
    status = 422 if form.errors else 200
    context = {
        **_timeline_context(request, client),
        "entry_form": form if form.errors else TimelineEntryForm(),
    }
    return render(request, "clients/_timeline_with_form.html", context, status=status)


def reassign_owner(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the owner or backup owner, with a required handoff note."""
    client = get_object_or_404(Client.objects.select_related("owner", "backup_owner"), pk=pk)
    require(request.user, "clients.reassign_owner", client)
    form = ReassignForm(request.POST or None, initial={"version": client.version})
    if request.method == "POST" and form.is_valid():
        try:
            change = services.reassign_owner(
                actor=actor(request),
                client=client,
                expected_version=form.cleaned_data["version"],
                new_user=form.cleaned_data["new_user"],
                note=form.cleaned_data["note"],
                role=form.cleaned_data["role"],
            )
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{change.new_user} now holds the {change.get_role_display().lower()} role and has a handoff to acknowledge.",
            )
            return redirect("client-detail", pk=pk)
    return render(request, "clients/reassign.html", {"client": client, "form": form})


@require_POST
def acknowledge_handoff(request: HttpRequest, pk: int) -> HttpResponse:
    """The new owner confirms they have read the handoff note."""
    change = get_object_or_404(OwnershipChange, pk=pk)
    services.acknowledge_handoff(actor=actor(request), change=change)
    messages.success(request, f"Handoff of {change.client} acknowledged.")
    return redirect_back(request, "client-detail", change.client_id)


def client_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change to the client's data: who, when, before and after."""
    client = get_object_or_404(Client, pk=pk)
    require(request.user, "clients.view_history", client)
    changes = list_client_history(client)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="history-{client.external_id}.csv"'
        writer = csv_writer(response)
        writer.writerow(["when", "who", "record", "action", "field", "before", "after"])
        for change in changes:
            for field, before, after in change.fields or [("", "", "")]:
                writer.writerow(
                    [
                        change.when.isoformat(),
                        escape_cell(change.who),
                        escape_cell(change.record),
                        change.action,
                        field,
                        escape_cell(str(before)),
                        escape_cell(str(after)),
                    ]
                )
        return response
    return render(request, "clients/client_history.html", {"client": client, "changes": changes})


def new_client(request: HttpRequest) -> HttpResponse:
    """Add a client won today; its owner gets the handoff and onboarding starts."""
    require(request.user, "clients.add_client")
    form = NewClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.create_client(actor=actor(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{client.name} added; onboarding has started.")
            return redirect("client-detail", pk=client.pk)
    return render(request, "clients/client_new.html", {"form": form})


def edit_client(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the client's name, segment, industry, country and lifecycle stage, or record churn."""
    client = get_object_or_404(Client.objects.select_related("owner", "backup_owner"), pk=pk)
    require(request.user, "clients.change_client", client)
    initial = {field: getattr(client, field) for field in services.EDITABLE_FIELDS}
    form = ClientEditForm(initial={**initial, "version": client.version})
    churn_form = ChurnForm(initial={"version": client.version})
    if request.method == "POST":
        churning = "churned_on" in request.POST
        bound = ChurnForm(request.POST) if churning else ClientEditForm(request.POST)
        if bound.is_valid():
            data = dict(bound.cleaned_data)
            version = data.pop("version")
            try:
                if churning:
                    services.mark_churned(
                        actor=actor(request),
                        client=client,
                        expected_version=version,
                        churned_on=data["churned_on"],
                        reason=data["reason"],
                    )
                else:
                    services.update_client(
                        actor=actor(request), client=client, expected_version=version, **data
                    )
            except StaleEdit as error:
                bound.add_error(None, str(error))
            except ValidationError as error:
                bound.add_error(None, error)
            else:
                messages.success(request, f"{client.name} saved.")
                return redirect("client-detail", pk=pk)
        if churning:
            churn_form = bound  # type: ignore[assignment]
        else:
            form = bound  # type: ignore[assignment]
    return render(
        request,
        "clients/client_edit.html",
        {"client": client, "form": form, "churn_form": churn_form},
    )


def record_completeness(request: HttpRequest) -> HttpResponse:
    """What each active client's record lacks, by owner and by department."""
    require(request.user, "clients.view_client")
    checks = check_records()
    by_owner, by_department = summarize(checks)
    return render(
        request,
        "clients/completeness.html",
        {
            "checks": checks,
            "complete": sum(not check.gaps for check in checks),
            "worst": [check for check in checks if check.gaps][:100],
            "by_owner": by_owner,
            "by_department": by_department,
            "cadence": settings.RETAIN_CONTACT_CADENCE_DAYS,
        },
    )
