"""Team members and the departments they work in."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from retain.accounts.choices import Role


class Department(models.Model):
    """A part of the company that serves clients (shipping, billing, support, ...).

    Incidents, timeline entries and commitments are attributed to departments so
    that every department's share in retention is visible.
    """

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    head = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A team member: signs in by email, works in one department, has one role."""

    email = models.EmailField("email address")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    title = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                condition=~models.Q(email=""),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
