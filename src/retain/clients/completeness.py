"""Records you can verify: what each client's record should hold, a score, and the gaps.

A record is complete when the client has an active owner and an active backup, a
primary contact, a current contract (a subscription running today, or a contract
document issued in the last year), notes from its last meeting, and contact within the
cadence (``RETAIN_CONTACT_CADENCE_DAYS``, 90 by default, until per-tier cadences
exist). The score is the share of these checks met, 0 to 100. Managers read it by owner
and by department instead of assuming.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from retain.clients.choices import ClientStatus, TimelineKind
from retain.clients.models import Client, Contact, SubscriptionLine, TimelineEntry
from retain.documents.models import Document

# check -> what the gap says when it fails, in the order shown.
CHECKS = {
    "owner": "no active owner",
    "backup": "no active backup owner",
    "primary_contact": "no primary contact",
    "current_contract": "no current contract",
    "meeting_notes": "no notes from the last meeting",
    "recent_contact": "no contact within the cadence",
}


@dataclass(frozen=True)
class RecordCheck:
    """One client's record: the checks it fails (its gaps) and its score."""

    client: Client
    gaps: tuple[str, ...]

    @property
    def score(self) -> int:
        return round(100 * (len(CHECKS) - len(self.gaps)) / len(CHECKS))


@dataclass
class Completeness:
    """Scores of a group of clients (one owner's, one department's)."""

    group: str
    clients: int = 0
    complete: int = 0
    total_score: int = 0
    gaps: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def mean_score(self) -> float:
        return self.total_score / self.clients if self.clients else 0.0

    @property
    def top_gap(self) -> str:
        """The gap most of the group's clients have ("" when none has any)."""
        return max(self.gaps.items(), key=lambda item: (item[1], item[0]))[0] if self.gaps else ""


def _annotated(today: date) -> QuerySet[Client]:
    cadence = timedelta(days=settings.RETAIN_CONTACT_CADENCE_DAYS)
    running = SubscriptionLine.objects.filter(client=OuterRef("pk"), start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    recent_contract = Document.objects.filter(
        client=OuterRef("pk"), kind="contract", issued_on__gte=today - timedelta(days=365)
    )
    last_meeting_body = Subquery(
        TimelineEntry.objects.filter(client=OuterRef("pk"), kind=TimelineKind.MEETING)
        .order_by("-occurred_at")
        .values("body")[:1]
    )
    in_touch = TimelineEntry.objects.filter(
        client=OuterRef("pk"),
        kind__in=(TimelineKind.MEETING, TimelineKind.CALL, TimelineKind.EMAIL),
        occurred_at__gte=timezone.now() - cadence,
    )
    return (
        Client.objects.filter(status=ClientStatus.ACTIVE)
        .select_related("owner__department", "backup_owner")
        .annotate(
            has_primary=Exists(Contact.objects.filter(client=OuterRef("pk"), is_primary=True)),
            has_contract=Exists(running) | Exists(recent_contract),
            meeting_body=last_meeting_body,
            in_touch=Exists(in_touch),
        )
    )


def _gaps(client: Client) -> tuple[str, ...]:
    met = {
        "owner": client.owner is not None and client.owner.is_active,
        "backup": client.backup_owner is not None and client.backup_owner.is_active,
        "primary_contact": client.has_primary,  # type: ignore[attr-defined]
        "current_contract": client.has_contract,  # type: ignore[attr-defined]
        "meeting_notes": bool((client.meeting_body or "").strip()),  # type: ignore[attr-defined]
        "recent_contact": client.in_touch,  # type: ignore[attr-defined]
    }
    return tuple(CHECKS[name] for name, ok in met.items() if not ok)


def check_records(*, client_ids: list[int] | None = None) -> list[RecordCheck]:
    """Every active client's record check (or those of ``client_ids``), lowest score first."""
    clients = _annotated(timezone.localdate())
    if client_ids is not None:
        clients = clients.filter(pk__in=client_ids)
    checks = [RecordCheck(client, _gaps(client)) for client in clients.iterator(chunk_size=2000)]
    return sorted(checks, key=lambda c: (c.score, c.client.name, c.client.pk))


def summarize(checks: list[RecordCheck]) -> tuple[list[Completeness], list[Completeness]]:
    """Completeness by owner and by the owner's department."""
    by_owner: dict[str, Completeness] = {}
    by_department: dict[str, Completeness] = {}
    for check in checks:
        owner = check.client.owner
        owner_name = str(owner) if owner is not None else "No owner"
        department = str(owner.department) if owner is not None and owner.department else "None"
        for table, key in ((by_owner, owner_name), (by_department, department)):
            group = table.setdefault(key, Completeness(key))
            group.clients += 1
            group.total_score += check.score
            group.complete += not check.gaps
            for gap in check.gaps:
                group.gaps[gap] += 1
    order = lambda groups: sorted(groups.values(), key=lambda g: (g.mean_score, g.group))  # noqa: E731
    return order(by_owner), order(by_department)
