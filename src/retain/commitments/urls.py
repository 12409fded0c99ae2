from django.urls import path

from retain.commitments import views

urlpatterns = [
    path("commitments/", views.department_commitments, name="commitments"),
    path("commitments/<int:pk>/close/", views.close_commitment, name="commitment-close"),
    path("clients/<int:pk>/commitments/new/", views.record_commitment, name="commitment-record"),
]
