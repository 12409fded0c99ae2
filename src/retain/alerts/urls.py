from django.urls import path

from retain.alerts import views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.read_all, name="notifications-read"),
]
