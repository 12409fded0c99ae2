from django.db import models


class ClientStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CHURNED = "churned", "Churned"


class LifecycleStage(models.TextChoices):
    """Where the relationship stands; drives what the point person should be doing."""

    ONBOARDING = "onboarding", "Onboarding"
    ADOPTION = "adoption", "Adoption"
    EXPANSION = "expansion", "Expansion"
    RENEWAL = "renewal", "Renewal"
    ADVOCACY = "advocacy", "Advocacy"


class OwnerRole(models.TextChoices):
    OWNER = "owner", "Owner"
    BACKUP = "backup", "Backup owner"


class TimelineKind(models.TextChoices):
    """What a timeline entry records. Later capabilities add their own kinds here."""

    MEETING = "meeting", "Meeting"
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    NOTE = "note", "Note"
    QUOTE = "quote", "Quote"
    CONTRACT = "contract", "Contract"
    ORDER = "order", "Order"
    DELIVERY = "delivery", "Delivery"
    INVOICE = "invoice", "Invoice"
    PAYMENT = "payment", "Payment"
    TICKET = "ticket", "Support ticket"
    INCIDENT = "incident", "Incident"
    SURVEY = "survey", "Survey response"
    HANDOFF = "handoff", "Handoff"
    SUBSCRIPTION = "subscription", "Subscription change"
    MILESTONE = "milestone", "Milestone"
    COMMITMENT = "commitment", "Commitment"
    TASK = "task", "Task"
