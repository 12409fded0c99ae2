"""Entering a document by hand: its header, then its lines (one form each)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from retain.clients.models import Client
from retain.documents.attributes import parse_attributes
from retain.documents.choices import FOLLOWS, DocumentKind
from retain.documents.models import Document
from retain.documents.services import LineSpec

DATE = forms.DateInput(attrs={"type": "date"})


class DocumentForm(forms.Form):
    """What kind of document, its number, what it follows, its dates and terms."""

    kind = forms.ChoiceField(choices=DocumentKind.choices)
    number = forms.CharField(max_length=100)
    follows = forms.ModelChoiceField(
        queryset=Document.objects.none(),
        required=False,
        label="Follows",
        help_text="The document before it in the chain (a contract follows a quote, "
        "an order a contract, a delivery an order, an invoice a delivery).",
    )
    issued_on = forms.DateField(widget=DATE, label="Issued on")
    promised_on = forms.DateField(widget=DATE, required=False, label="Promised for")
    delivered_on = forms.DateField(widget=DATE, required=False, label="Delivered on")
    terms = forms.CharField(max_length=200, required=False, help_text="e.g. net 30")

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        follows = self.fields["follows"]
        follows.queryset = Document.objects.filter(  # type: ignore[attr-defined]
            client=client, kind__in=[k for k in FOLLOWS.values() if k is not None]
        ).order_by("kind", "-issued_on")
        follows.label_from_instance = lambda doc: f"{doc} of {doc.issued_on:%d %b %Y}"  # type: ignore[attr-defined]


class LineForm(forms.Form):
    """One line: SKU, description, attributes, quantity, unit price, discount (%)."""

    sku = forms.CharField(max_length=100, label="SKU")
    description = forms.CharField(max_length=300, required=False)
    attributes = forms.CharField(max_length=500, required=False, help_text="colour=blue; size=L")
    quantity = forms.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    unit_price = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), label="Unit price"
    )
    discount = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        initial=Decimal(0),
        label="Discount (%)",
    )

    def clean_attributes(self) -> dict[str, str]:
        try:
            return parse_attributes(self.cleaned_data["attributes"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def to_spec(self) -> LineSpec:
        return LineSpec(**self.cleaned_data)


class BaseLineFormSet(forms.BaseFormSet):
    def specs(self) -> list[LineSpec]:
        return [form.to_spec() for form in self.forms if form.has_changed()]


LineFormSet: type[BaseLineFormSet] = forms.formset_factory(  # type: ignore[assignment]
    LineForm, formset=BaseLineFormSet, extra=5
)
