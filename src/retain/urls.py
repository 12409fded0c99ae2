"""Top-level URL map: each capability mounts its own urls."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from retain.core.views import admin_login

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Before admin.site.urls: the admin signs in through the one sign-in page above.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("", include("retain.clients.urls")),
]
