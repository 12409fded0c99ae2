from django.urls import path

from retain.documents import views

urlpatterns = [
    path("clients/<int:pk>/documents/", views.client_documents, name="client-documents"),
    path("clients/<int:pk>/documents/new/", views.new_document, name="document-new"),
]
