"""`retain check-consistency` on the demo company: every planted mismatch, nothing else,
each raised once as an incident in the inbox of the department responsible."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from retain.accounts.models import Department
from retain.clients.choices import TimelineKind
from retain.clients.models import TimelineEntry
from retain.demo.documents import PLANTED
from retain.demo.models import PlantedMismatch
from retain.demo.services import DemoSummary
from retain.documents.consistency import RESPONSIBLE_DEPARTMENT
from retain.documents.models import Document
from retain.incidents.models import Incident
from retain.incidents.selectors import list_department_inbox
from tests.demo import demo_company

AS_OF = date(2026, 6, 15)
CLIENTS = 120
SEED = 11


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[DemoSummary]:
    """One demo company, committed, shared by the module's tests; removed afterwards."""
    with demo_company(django_db_blocker, clients=CLIENTS, seed=SEED, as_of=AS_OF) as summary:
        yield summary


def _check(*args: str) -> tuple[list[dict], str]:
    out, err = StringIO(), StringIO()
    call_command("check-consistency", "--as-of", AS_OF.isoformat(), *args, stdout=out, stderr=err)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def _planted() -> set[tuple]:
    return {
        (p.client.external_id, p.kind, tuple(p.documents), p.item, p.field)
        for p in PlantedMismatch.objects.select_related("client")
    }


@pytest.mark.django_db
def test_the_check_finds_every_planted_mismatch_and_nothing_else(demo):
    found, summary = _check("--json", "--no-incidents")
    planted = _planted()
    assert len(planted) == sum(PLANTED.values())  # the demo has enough contracts for all
    assert {
        (m["client_external_id"], m["kind"], tuple(m["documents"]), m["item"], m["field"])
        for m in found
    } == planted
    assert len(found) == len(planted)
    for mismatch in found:
        assert set(mismatch) == {
            "client_external_id",
            "kind",
            "documents",
            "item",
            "field",
            "expected",
            "actual",
            "department",
        }
        assert mismatch["department"] == RESPONSIBLE_DEPARTMENT[mismatch["kind"]]
        assert mismatch["expected"] != mismatch["actual"]
    assert not Incident.objects.filter(mismatch_key__isnull=False).exists()
    assert summary.startswith(f"{len(planted)} mismatch(es); 0 new incident(s)")
    assert Document.objects.count() > 30 * len(planted)  # the planted few among many clean ones


@pytest.mark.django_db
def test_each_mismatch_becomes_one_incident_in_the_right_inbox(demo):
    # The demo's own past incidents are in the inboxes already (a few still open).
    inboxes_before = {
        d.slug: list_department_inbox(department=d).count for d in Department.objects.all()
    }
    found, summary = _check("--json")
    assert summary.startswith(f"{len(found)} mismatch(es); {len(found)} new incident(s)")
    from_check = Incident.objects.filter(mismatch_key__isnull=False)
    incidents = list(from_check.select_related("client", "responsible_department"))
    assert len(incidents) == len(found)
    by_client_and_department = sorted(
        (i.client.external_id, i.responsible_department.slug) for i in incidents
    )
    assert by_client_and_department == sorted(
        (m["client_external_id"], m["department"]) for m in found
    )
    for slug in {m["department"] for m in found}:
        inbox = list_department_inbox(department=Department.objects.get(slug=slug))
        expected = sum(m["department"] == slug for m in found)
        assert inbox.count == inboxes_before[slug] + expected
        assert all(i.responsible_department.slug == slug for i in inbox.rows)
    # On each client's timeline, attributed to the department responsible.
    entries = TimelineEntry.objects.filter(
        kind=TimelineKind.INCIDENT, source_id__in=[i.pk for i in incidents]
    )
    assert entries.count() == len(incidents)

    # Found again, raised once.
    again, summary = _check("--json")
    assert len(again) == len(found)
    assert summary.startswith(f"{len(found)} mismatch(es); 0 new incident(s)")
    assert from_check.count() == len(found)


@pytest.mark.django_db
def test_the_plain_report_names_client_department_and_values(demo):
    out = StringIO()
    call_command(
        "check-consistency",
        "--as-of",
        AS_OF.isoformat(),
        "--no-incidents",
        stdout=out,
        stderr=StringIO(),
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == sum(PLANTED.values())
    colour = next(line for line in lines if "attributes.colour" in line)
    assert "shipping" in colour and "Delivery differs from the order" in colour


@pytest.mark.django_db
def test_an_unknown_actor_is_refused(demo):
    with pytest.raises(CommandError, match="no active team member"):
        call_command("check-consistency", "--as", "nobody@example.test", stdout=StringIO())
    assert not Incident.objects.filter(mismatch_key__isnull=False).exists()
