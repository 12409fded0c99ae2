"""Entering documents in the app: the same rules as the import, lines with attributes,
and the client's chain checked as each is saved (a mismatch opens an incident)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from retain.documents.models import Document, DocumentLine
from retain.incidents.models import Incident
from tests.factories import ClientFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db


def _document(kind: str, number: str, lines: list[dict], **header) -> dict:
    data = {
        "kind": kind,
        "number": number,
        "follows": "",
        "issued_on": "2026-11-02",
        "promised_on": "",
        "delivered_on": "",
        "terms": "net 30",
        **header,
        "lines-TOTAL_FORMS": 5,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
    }
    for n in range(5):  # the blank lines a person leaves are sent as they are
        data.update({f"lines-{n}-discount": "0"})
    for n, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{n}-{key}"] = value
    return data


def _line(**extra) -> dict:
    return {
        "sku": "PRB-40",
        "description": "Ultrasound probe",
        "attributes": "Colour=Blue; size=L",
        "quantity": "10",
        "unit_price": "120.00",
        "discount": "5",
        **extra,
    }


def test_a_quote_then_a_contract_that_differs_raises_an_incident_for_legal(owner):
    acme = ClientFactory(owner=owner)
    browser = signed_in(owner)
    response = browser.post(
        f"/clients/{acme.pk}/documents/new/", _document("quote", "Q-1", [_line()])
    )
    assert response.status_code == 302
    quote = Document.objects.get(kind="quote")
    line = DocumentLine.objects.get(document=quote)
    assert (line.attributes, line.quantity, line.unit_price, line.discount) == (
        {"colour": "Blue", "size": "L"},
        Decimal(10),
        Decimal("120.00"),
        Decimal(5),
    )
    assert quote.history.get().history_user == owner
    assert not Incident.objects.exists()

    contract = _document("contract", "C-1", [_line(unit_price="135.00")], follows=quote.pk)
    page = browser.post(f"/clients/{acme.pk}/documents/new/", contract, follow=True)
    assert "found 1 mismatch" in page.content.decode()
    incident = Incident.objects.get()
    assert incident.responsible_department.slug == "legal"
    assert incident.client == acme and incident.opened_by == owner
    assert "PRB-40: unit_price should be 120, is 135" in incident.description
    # The documents page shows the chain and the mismatch.
    listing = browser.get(f"/clients/{acme.pk}/documents/").content.decode()
    assert "Contract C-1" in listing and "follows Quote Q-1" in listing
    assert "Contract differs from the quote" in listing


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"kind": "quote", "number": "Q-1"}, "already has a quote numbered"),
        ({"kind": "contract", "follows": "OTHER"}, "Select a valid choice"),
        ({"kind": "quote", "follows": "QUOTE"}, "a quote starts a chain"),
        ({"lines": [_line(attributes="colour blue")]}, "name=value pairs"),
        ({"lines": [_line(quantity="0")]}, "greater than or equal to 0.001"),
        ({"lines": []}, "at least one line"),
    ],
)
def test_a_wrong_document_is_refused_and_nothing_is_written(owner, change, error):
    acme, other = ClientFactory(owner=owner), ClientFactory()
    quote = Document.objects.create(client=acme, kind="quote", number="Q-1", issued_on="2026-10-01")
    foreign = Document.objects.create(
        client=other, kind="quote", number="Q-9", issued_on="2026-10-01"
    )
    change = dict(change)
    lines = change.pop("lines", [_line()])
    follows = {"OTHER": foreign.pk, "QUOTE": quote.pk}.get(change.pop("follows", ""), "")
    header = {"kind": "contract", "number": "C-1", **change}
    data = _document(header.pop("kind"), header.pop("number"), lines, follows=follows, **header)
    response = signed_in(owner).post(f"/clients/{acme.pk}/documents/new/", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Document.objects.count() == 2 and not DocumentLine.objects.exists()
