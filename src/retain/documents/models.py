"""The document chain of a client: quote -> contract -> order -> delivery -> invoice.

Each document names the one it follows from; its lines carry what was offered, agreed,
ordered, delivered or billed. The consistency engine (consistency.py) compares them.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from retain.clients.models import Client
from retain.documents.choices import DocumentKind


class Document(models.Model):
    """One quote, contract, order, delivery or invoice of a client."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    number = models.CharField(max_length=100)
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followed_by"
    )
    issued_on = models.DateField()
    # Quotes, contracts and orders promise a date; a delivery records when it arrived.
    promised_on = models.DateField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    terms = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "kind", "number"], name="documents_document_client_kind_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class DocumentLine(models.Model):
    """One item of a document: what, which variant, how many, at what price."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines")
    line = models.PositiveIntegerField()
    sku = models.CharField("SKU", max_length=100)
    description = models.CharField(max_length=300, blank=True)
    # Colour, size, specification...: name -> value, compared along the chain.
    attributes = models.JSONField(default=dict, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    discount = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "line"]
        constraints = [
            models.UniqueConstraint(fields=["document", "line"], name="documents_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} x {self.quantity}"
