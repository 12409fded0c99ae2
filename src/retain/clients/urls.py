from django.urls import path

from retain.clients import views

urlpatterns = [
    path("", views.client_list, name="home"),
]
