"""Top-level URL map: each capability mounts its own urls."""

from django.contrib import admin
from django.urls import include, path

from retain.core.views import admin_login

urlpatterns = [
    # Sign-in (with its two-factor step), sign-out, password reset, the security page.
    path("", include("retain.accounts.urls")),
    # Before admin.site.urls: the admin signs in through the one sign-in page above.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("", include("retain.clients.urls")),
    path("", include("retain.incidents.urls")),
    path("", include("retain.commitments.urls")),
    path("", include("retain.playbooks.urls")),
    path("", include("retain.documents.urls")),
    path("", include("retain.reviews.urls")),
    path("", include("retain.surveys.urls")),
    path("", include("retain.webhooks.urls")),
    path("", include("retain.cadences.urls")),
    path("", include("retain.councils.urls")),
    path("", include("retain.alerts.urls")),
    path("", include("retain.advocacy.urls")),
    path("", include("retain.scorecard.urls")),
    path("", include("retain.appreciation.urls")),
    path("", include("retain.valuereports.urls")),
]
