from django.urls import path

from retain.advocacy import views

urlpatterns = [
    path("advocacy/", views.advocacy_overview, name="advocacy"),
    path("advocacy/asks.csv", views.asks_csv, name="advocacy-asks-csv"),
    path("advocacy/introductions.csv", views.introductions_csv, name="advocacy-introductions-csv"),
    path("advocacy/asks/<int:pk>/step/", views.record_ask_step, name="advocacy-ask-step"),
    path(
        "advocacy/introductions/<int:pk>/outcome/",
        views.record_introduction_outcome,
        name="advocacy-introduction-outcome",
    ),
    path("clients/<int:pk>/advocacy/", views.client_advocacy, name="client-advocacy"),
    path(
        "clients/<int:pk>/advocacy/introductions/",
        views.make_introduction,
        name="client-introduction-new",
    ),
]
