from django.urls import path

from retain.appreciation import views

urlpatterns = [
    path("appreciation/", views.thank_yous, name="appreciation"),
    path("appreciation/<int:pk>/thank/", views.thank, name="appreciation-thank"),
    path("clients/<int:pk>/milestones/", views.client_milestones, name="client-milestones"),
]
