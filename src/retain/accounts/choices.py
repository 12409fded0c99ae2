from django.db import models


class Role(models.TextChoices):
    """What a team member may do; enforced in the service layer, on the object."""

    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    MEMBER = "member", "Member"
