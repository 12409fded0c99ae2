from django.urls import path

from retain.clients import views

urlpatterns = [
    path("", views.my_clients, name="home"),
    path("clients/", views.client_list, name="client-list"),
    path("clients/new/", views.new_client, name="client-new"),
    path("clients/export.csv", views.client_list_csv, name="client-list-csv"),
    path("records/", views.record_completeness, name="record-completeness"),
    path("clients/<int:pk>/", views.client_detail, name="client-detail"),
    path("clients/<int:pk>/timeline/", views.client_timeline, name="client-timeline"),
    path("clients/<int:pk>/timeline/add/", views.add_timeline_entry, name="client-timeline-add"),
    path("clients/<int:pk>/edit/", views.edit_client, name="client-edit"),
    path("clients/<int:pk>/owner/", views.reassign_owner, name="client-reassign"),
    path("clients/<int:pk>/history/", views.client_history, name="client-history"),
    path("handoffs/<int:pk>/acknowledge/", views.acknowledge_handoff, name="handoff-acknowledge"),
]
