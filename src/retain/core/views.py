"""Site-wide views that belong to no single capability."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache


@never_cache
@login_not_required
def admin_login(request: HttpRequest) -> HttpResponse:
    """Send the admin site's sign-in to Retain's own sign-in page.

    Django's admin ships a second, public sign-in form at /admin/login/. Retain has
    exactly one way in, so this view takes that URL over: anonymous visitors go to
    the sign-in page (and come back to the admin page they asked for), signed-in
    administrators go on to the admin, and other team members are refused rather
    than offered a form to sign in as someone else.
    """
    # LoginView's own check: only a `next` on this host is followed.
    next_url = LoginView().get_redirect_url(request) or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if admin.site.has_permission(request):
        return HttpResponseRedirect(next_url)
    raise PermissionDenied("Only administrators may use the admin site.")
