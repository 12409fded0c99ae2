"""The kinds and states of advocacy: what a client does for us, what we do for it."""

from django.db import models


class AdvocacyKind(models.TextChoices):
    """What we ask a client for."""

    REFERRAL = "referral", "Referral"
    REFERENCE = "reference", "Reference"


class AdvocacyStatus(models.TextChoices):
    """Where an ask stands: asked, then given, then converted; declined closes it early."""

    ASKED = "asked", "Asked"
    GIVEN = "given", "Given"
    CONVERTED = "converted", "Converted"
    DECLINED = "declined", "Declined"


class IntroductionKind(models.TextChoices):
    """Whom we introduced the client to, from the client's side."""

    PARTNER = "partner", "Partner"
    SUPPLIER = "supplier", "Supplier"
    PROSPECT = "prospect", "Prospective customer of theirs"


class IntroductionOutcome(models.TextChoices):
    """What came of an introduction; a deal or no result closes it."""

    PENDING = "pending", "Pending"
    MEETING_HELD = "meeting_held", "Meeting held"
    DEAL = "deal", "Deal"
    NO_RESULT = "no_result", "No result"
