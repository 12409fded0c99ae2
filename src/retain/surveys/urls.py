from django.urls import path

from retain.surveys import views

urlpatterns = [
    path("surveys/", views.surveys, name="surveys"),
    path("surveys/<int:pk>/send/", views.send_survey, name="survey-send"),
    path("s/<str:signed_token>/", views.answer, name="survey-answer"),
    path("follow-ups/<int:pk>/reached/", views.reached, name="follow-up-reached"),
    path("follow-ups/<int:pk>/close/", views.close, name="follow-up-close"),
]
