from django.urls import path

from retain.valuereports import views

urlpatterns = [
    path("clients/<int:pk>/value-report/", views.client_value_report, name="client-value-report"),
    path(
        "clients/<int:pk>/value-report.pdf",
        views.client_value_report_pdf,
        name="client-value-report-pdf",
    ),
]
