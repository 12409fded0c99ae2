from django.urls import path

from retain.councils import views

urlpatterns = [
    path("councils/", views.councils, name="councils"),
    path("councils/<int:pk>/", views.council_detail, name="council-detail"),
    path("councils/meetings/<int:pk>/", views.meeting_detail, name="council-meeting"),
    path(
        "councils/actions/<int:pk>/complete/", views.complete_action, name="council-action-complete"
    ),
    path("councils/feedback/<int:pk>/respond/", views.respond, name="council-feedback-respond"),
]
