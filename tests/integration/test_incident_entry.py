"""Incidents raised by CSV import and through the CLI: the same service as the pages."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from retain.clients.choices import TimelineKind
from retain.clients.models import TimelineEntry
from retain.incidents.models import Incident
from retain.playbooks.models import PlaybookRun
from tests.factories import ClientFactory
from tests.integration.transfer_helpers import run_export, run_import, write_csv

pytestmark = pytest.mark.django_db

ROWS = [
    'C-1,2026-03-02T09:15:00+01:00,Probes arrived cracked,product_defect,2,shipping,support,"Twelve probes, batch 42",Line 3 stopped',
    "C-1,2026-03-05,Invoice billed twice,billing_error,1,billing,,,",
]


@pytest.fixture
def acme(owner):
    return ClientFactory(external_id="C-1", name="Acme", owner=owner)


def test_an_import_opens_incidents_once_with_their_history(tmp_path, acme, owner):
    path = write_csv(tmp_path / "incidents.csv", "incidents", ROWS)
    first = run_import("incidents", path, "--as", owner.email)
    assert first.status == 0, first.err
    assert "2 created, 0 updated, 0 unchanged" in first.out
    cracked = Incident.objects.get(title="Probes arrived cracked")
    assert cracked.responsible_department.slug == "shipping"
    assert cracked.reported_by_department.slug == "support"
    assert cracked.opened_at.isoformat() == "2026-03-02T08:15:00+00:00"
    assert (cracked.due_at - cracked.opened_at).total_seconds() == 72 * 3600
    entry = TimelineEntry.objects.get(kind=TimelineKind.INCIDENT, source_id=cracked.pk)
    assert entry.occurred_at == cracked.opened_at  # history lands where it happened
    # An import is history: no recovery playbook for the severity-1 one.
    assert PlaybookRun.objects.count() == 0
    again = run_import("incidents", path, "--as", owner.email)
    assert "0 created, 0 updated, 2 unchanged" in again.out
    exported = run_export("incidents", tmp_path / "out.csv")
    assert "Probes arrived cracked" in exported and "shipping,support" in exported


def test_a_bad_row_is_named_and_nothing_is_opened(tmp_path, acme, owner):
    rows = [
        *ROWS,
        "C-1,2026-03-06,Lost parcel,lost,2,shipping,,,",
        "C-1,2026-03-07,Late,late_delivery,2,dispatch,,,",
    ]
    path = write_csv(tmp_path / "bad.csv", "incidents", rows)
    outcome = run_import("incidents", path, "--as", owner.email)
    assert outcome.status == 2
    assert (
        f"{path}:4: category: must be one of wrong_delivery, late_delivery, billing_error, product_defect, unanswered_request, contract_problem, order_error, poor_service"
        in outcome.error_lines
    )
    assert (
        f"{path}:5: responsible_department: no department 'dispatch' (see the departments in Retain)"
        in outcome.error_lines
    )
    assert Incident.objects.count() == 0 and TimelineEntry.objects.count() == 0


def test_the_cli_raises_an_incident(acme, owner):
    out = io.StringIO()
    call_command(
        "open-incident",
        "C-1",
        "Wrong colour delivered",
        "--category",
        "wrong_delivery",
        "--severity",
        "2",
        "--department",
        "shipping",
        "--as",
        owner.email,
        stdout=out,
    )
    incident = Incident.objects.get()
    assert out.getvalue().startswith(f"Incident {incident.pk} raised for Shipping; due ")
    assert incident.opened_by == owner and incident.reported_by_department == owner.department
    with pytest.raises(CommandError, match="no such department"):
        call_command(
            "open-incident",
            "C-1",
            "x",
            "--category",
            "wrong_delivery",
            "--department",
            "dispatch",
            "--as",
            owner.email,
        )
    with pytest.raises(CommandError, match="no client"):
        call_command(
            "open-incident",
            "C-404",
            "x",
            "--category",
            "wrong_delivery",
            "--department",
            "shipping",
            "--as",
            owner.email,
        )
    assert Incident.objects.count() == 1


def test_the_cli_is_listed(capsys):
    result = subprocess.run(
        [sys.executable, "-m", "retain"], capture_output=True, text=True, check=False
    )
    assert "open-incident" in result.stdout and "check-consistency" in result.stdout
