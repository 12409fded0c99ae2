"""Small request helpers every capability's views share."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import cast

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme

from retain.accounts.models import Department, User


def actor(request: HttpRequest) -> User:
    """The signed-in team member (LoginRequiredMiddleware lets nobody else reach a view)."""
    return cast(User, request.user)


def chosen_department(request: HttpRequest) -> tuple[Department, list[Department]]:
    """The department a department page shows (``?department=slug``, else the viewer's
    own, else the first), and every active department for its menu."""
    departments = list(Department.objects.filter(is_active=True).order_by("name"))
    slug = request.GET.get("department") or getattr(actor(request).department, "slug", "")
    department = next((d for d in departments if d.slug == slug), None) or next(
        iter(departments), None
    )
    if department is None:
        raise Http404("No departments")
    return department, departments


def redirect_back(request: HttpRequest, fallback: str, *args: object) -> HttpResponse:
    """To the form's ``next`` when it is a URL of this site, else to ``fallback``."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect(fallback, *args)


class _Echo:
    """A file that hands back what is written, so csv.writer yields lines to stream."""

    def write(self, value: str) -> str:
        return value


def stream_csv(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """A CSV download streamed row by row (RFC 4180, as the exports write it), so a list
    of 100,000 rows never sits in memory. Callers escape formula cells (escape_cell)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response
