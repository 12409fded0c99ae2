from django.urls import path

from retain.cadences import views

urlpatterns = [path("cadences/", views.cadences, name="cadences")]
