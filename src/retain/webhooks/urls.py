from django.urls import path

from retain.webhooks import views

urlpatterns = [
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/deliveries/<int:pk>/replay/", views.replay, name="webhook-replay"),
]
