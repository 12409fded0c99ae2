from django.urls import path

from retain.scorecard import views

urlpatterns = [
    path("scorecard/", views.scorecard, name="scorecard"),
    path("scorecard/<slug:table>.csv", views.scorecard_csv, name="scorecard-csv"),
    path("scorecard/clients/", views.scorecard_clients, name="scorecard-clients"),
]
