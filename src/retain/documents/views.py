"""A client's documents: the chain with what the consistency check finds in it, and
entering a document by hand."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from retain.clients.models import Client
from retain.clients.permissions import require
from retain.core.http import actor
from retain.documents import selectors, services
from retain.documents.forms import DocumentForm, LineFormSet


def client_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """The client's quotes, contracts, orders, deliveries and invoices, and any mismatch."""
    client = get_object_or_404(Client, pk=pk)
    require(request.user, "clients.view_client", client)
    mismatches = services.find_all_mismatches(client_ids=[client.pk])
    return render(
        request,
        "documents/client_documents.html",
        {
            "client": client,
            "documents": selectors.list_client_documents(client=client),
            "mismatches": [services.describe(m) for m in mismatches],
        },
    )


def new_document(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a document and its lines; the client's chain is checked as it is saved."""
    client = get_object_or_404(Client, pk=pk)
    require(request.user, "documents.record_document", client)
    form = DocumentForm(request.POST or None, client=client)
    lines = LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            recorded = services.record_document(
                actor=actor(request), client=client, lines=lines.specs(), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            opened = recorded.report.incidents_opened
            messages.success(
                request,
                f"{recorded.document} saved."
                + (
                    f" The check found {opened} mismatch{'es' if opened != 1 else ''}"
                    " and raised an incident for each."
                    if opened
                    else " The chain is consistent."
                ),
            )
            return redirect("client-documents", pk=pk)
    return render(
        request, "documents/document_form.html", {"client": client, "form": form, "lines": lines}
    )
