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


# What a page shows of a team member beside a client record: their name (str(user)), the
# "has left" mark, and the department the permission rules read. The rest of a user row
# (password hash, two-factor state, dates) is no use there and costs time per row.
PERSON_COLUMNS = ("first_name", "last_name", "username", "is_active", "department")


class User(AbstractUser):
    """A team member: signs in by email, works in one department, has one role."""

    email = models.EmailField("email address")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    title = models.CharField(max_length=100, blank=True)
    # Two-factor sign-in (accounts.services.enable_totp). The base32 secret is empty
    # while two-factor is off; it is kept as is because the server must recompute the
    # codes, as every TOTP verifier does (RFC 6238).
    totp_secret = models.CharField("TOTP secret", max_length=64, blank=True, default="")
    totp_enabled_at = models.DateTimeField("two-factor enabled at", null=True, blank=True)
    # The last 30-second time step whose code was accepted: a code is accepted once
    # only, so one overheard or shoulder-surfed code cannot be replayed (RFC 6238 §5.2).
    totp_last_step = models.BigIntegerField(null=True, blank=True, editable=False)

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

    @property
    def has_totp(self) -> bool:
        """Whether signing in asks for a code from an authenticator app after the password."""
        return bool(self.totp_secret)
