from django.urls import path

from retain.incidents import views

urlpatterns = [
    path("incidents/", views.inbox, name="incident-inbox"),
    path("incidents/impact/", views.department_impact, name="department-impact"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/take/", views.take_incident, name="incident-take"),
    path("incidents/<int:pk>/resolve/", views.resolve_incident, name="incident-resolve"),
    path("incidents/<int:pk>/transfer/", views.transfer_incident, name="incident-transfer"),
    path("transfers/<int:pk>/answer/", views.answer_transfer, name="transfer-answer"),
    path("clients/<int:pk>/incidents/new/", views.open_incident, name="incident-open"),
]
