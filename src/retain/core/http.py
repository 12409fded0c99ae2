"""Small request helpers every capability's views share."""

from __future__ import annotations

from typing import cast

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

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
