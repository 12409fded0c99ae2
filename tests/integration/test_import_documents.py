"""`retain import documents`: whole document chains, all or nothing, idempotent, and
what the consistency check then finds in them."""

from __future__ import annotations

import pytest

from retain.documents.models import Document, DocumentLine
from retain.documents.services import find_all_mismatches
from tests.factories import ClientFactory
from tests.integration.transfer_helpers import run_export, run_import, write_csv

pytestmark = pytest.mark.django_db

CHAIN = [
    "C-1,quote,Q-7,,2026-01-05,,,net 30,1,SN-S2,SensorNode S2,colour=blue,10,189.00,5",
    "C-1,quote,Q-7,,2026-01-05,,,net 30,2,MK-1,Mounting kit,,10,38.50,",
    "C-1,Contract,K-7,Q-7,2026-01-12,,,net 30,1,SN-S2,SensorNode S2,Colour=blue,10,189.00,5",
    "C-1,contract,K-7,Q-7,2026-01-12,,,net 30,2,MK-1,Mounting kit,,10,38.50,0",
    "C-1,order,O-7,K-7,2026-02-01,2026-02-20,,,1,SN-S2,,colour=blue,10,189,5",
    "C-1,order,O-7,K-7,2026-02-01,2026-02-20,,,2,MK-1,,,10,38.5,0",
    "C-1,delivery,D-7,O-7,2026-02-18,,2026-02-18,,1,SN-S2,,colour=white,10,0,0",
    "C-1,delivery,D-7,O-7,2026-02-18,,2026-02-18,,2,MK-1,,,10,0,0",
    "C-1,invoice,I-7,D-7,2026-02-19,,,net 30,1,SN-S2,,colour=blue,10,189.00,5",
    "C-1,invoice,I-7,D-7,2026-02-19,,,net 30,2,MK-1,,,10,38.50,0",
]


@pytest.fixture
def acme(db):
    return ClientFactory(external_id="C-1", name="Acme")


def test_a_chain_imports_linked_and_again_changes_nothing(tmp_path, acme):
    # A spreadsheet's export: byte-order mark, Windows line endings, blank optional cells.
    path = tmp_path / "documents.csv"
    write_csv(path, "documents", CHAIN, newline="\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    first = run_import("documents", path)
    assert first.status == 0, first.err
    assert "10 rows read; 5 created, 0 updated, 0 unchanged" in first.out
    chain = {d.kind: d for d in Document.objects.select_related("follows")}
    assert chain["contract"].follows == chain["quote"]
    assert chain["invoice"].follows == chain["delivery"]
    line = DocumentLine.objects.get(document=chain["contract"], line=1)
    assert line.attributes == {"colour": "blue"}  # names in lower case
    assert str(line.discount) == "5.00"
    assert DocumentLine.objects.get(document=chain["quote"], line=2).discount == 0  # blank: 0

    again = run_import("documents", path)
    assert "5 unchanged" in again.out
    assert DocumentLine.objects.count() == 10

    (mismatch,) = find_all_mismatches()
    assert (
        mismatch.kind,
        mismatch.documents,
        mismatch.field,
        mismatch.expected,
        mismatch.actual,
    ) == (
        "delivery_vs_order",
        ("O-7", "D-7"),
        "attributes.colour",
        "blue",
        "white",
    )


def test_a_document_in_the_file_replaces_its_lines(tmp_path, acme):
    run_import("documents", write_csv(tmp_path / "a.csv", "documents", CHAIN))
    corrected = [
        row.replace("colour=white", "colour=blue")
        for row in CHAIN
        if ",MK-1," not in row or ",delivery," not in row
    ]
    outcome = run_import("documents", write_csv(tmp_path / "b.csv", "documents", corrected))
    assert outcome.status == 0, outcome.err
    assert "1 updated, 4 unchanged" in outcome.out
    delivery = Document.objects.get(kind="delivery")
    assert list(delivery.lines.values_list("sku", "attributes")) == [("SN-S2", {"colour": "blue"})]
    # Each replaced line left its history.
    assert DocumentLine.history.filter(history_type="-").count() == 2
    mismatches = find_all_mismatches()
    assert sorted((m.kind, m.item, m.field) for m in mismatches) == [
        ("billed_not_delivered", "MK-1", "item"),
        ("delivery_vs_order", "MK-1", "quantity"),
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "C-1,memo,M-1,,2026-01-05,,,,1,SN-S2,,,1,1,",
            "kind: must be one of quote, contract, order, delivery, invoice",
        ),
        (
            "C-1,order,O-9,K-404,2026-01-05,,,,1,SN-S2,,,1,1,",
            "follows_number: no contract 'K-404' for this client, in this file or in Retain",
        ),
        (
            "C-1,quote,Q-9,Q-7,2026-01-05,,,,1,SN-S2,,,1,1,",
            "follows_number: a quote starts a chain and follows nothing",
        ),
        (
            "C-1,quote,Q-7,,2026-01-06,,,net 30,3,TL-8,,,1,1,",
            "issued_on: differs from row 2, the first line of this document",
        ),
        (
            "C-1,quote,Q-7,,2026-01-05,,,net 30,1,TL-8,,,1,1,",
            "line: duplicate line number for this document (first on row 2)",
        ),
        (
            "C-1,quote,Q-9,,2026-01-05,,,,1,SN-S2,,colour blue,1,1,",
            "attributes: expected name=value pairs separated by ; (colour=blue; size=L)",
        ),
        (
            "C-1,quote,Q-9,,2026-01-05,,,,1,SN-S2,,colour=blue;Colour=red,1,1,",
            "attributes: attribute 'colour' given twice",
        ),
        ("C-1,quote,Q-9,,2026-01-05,,,,1,SN-S2,,,-1,1,", "quantity: must be at least 0"),
        (
            "C-404,quote,Q-9,,2026-01-05,,,,1,SN-S2,,,1,1,",
            "client_external_id: no client with this external id",
        ),
        (
            "C-1,quote,Q-9,,2026-02-30,,,,1,SN-S2,,,1,1,",
            "issued_on: not a date (expected YYYY-MM-DD)",
        ),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(tmp_path, acme, row, expected):
    path = write_csv(tmp_path / "bad.csv", "documents", [*CHAIN, row])
    outcome = run_import("documents", path)
    assert outcome.status == 2
    assert f"{path}:12: {expected}" in outcome.error_lines
    assert outcome.error_lines[-1] == f"{path}: 1 error; nothing was imported."
    assert Document.objects.count() == 0 and DocumentLine.objects.count() == 0


def test_export_then_import_reproduces_the_documents(tmp_path, acme):
    run_import("documents", write_csv(tmp_path / "a.csv", "documents", CHAIN))
    exported = run_export("documents", tmp_path / "out.csv")
    DocumentLine.objects.all().delete()
    Document.objects.filter(kind="invoice").delete()
    Document.objects.filter(kind="delivery").delete()
    Document.objects.filter(kind="order").delete()
    Document.objects.filter(kind="contract").delete()
    Document.objects.all().delete()
    outcome = run_import("documents", tmp_path / "out.csv")
    assert outcome.status == 0, outcome.err
    assert run_export("documents", tmp_path / "again.csv") == exported
    assert exported.count("\n") == 11
