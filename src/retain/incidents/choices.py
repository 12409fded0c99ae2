from django.db import models


class Severity(models.IntegerChoices):
    """How badly the client is hurt; 1 is the worst and alerts at once."""

    CRITICAL = 1, "1 · critical"
    HIGH = 2, "2 · high"
    MEDIUM = 3, "3 · medium"
    LOW = 4, "4 · low"


class IncidentCategory(models.TextChoices):
    WRONG_DELIVERY = "wrong_delivery", "Wrong delivery"
    LATE_DELIVERY = "late_delivery", "Late delivery"
    BILLING_ERROR = "billing_error", "Billing error"
    PRODUCT_DEFECT = "product_defect", "Product defect"
    UNANSWERED_REQUEST = "unanswered_request", "Unanswered request"
    CONTRACT_PROBLEM = "contract_problem", "Contract problem"
    ORDER_ERROR = "order_error", "Order error"
    POOR_SERVICE = "poor_service", "Poor service"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = (IncidentStatus.OPEN, IncidentStatus.IN_PROGRESS)
