from django.db import models


class DocumentKind(models.TextChoices):
    """The document chain, in order: each kind follows the one before it."""

    QUOTE = "quote", "Quote"
    CONTRACT = "contract", "Contract"
    ORDER = "order", "Order"
    DELIVERY = "delivery", "Delivery"
    INVOICE = "invoice", "Invoice"


# What each kind follows from (a quote starts a chain).
FOLLOWS = {
    DocumentKind.QUOTE: None,
    DocumentKind.CONTRACT: DocumentKind.QUOTE,
    DocumentKind.ORDER: DocumentKind.CONTRACT,
    DocumentKind.DELIVERY: DocumentKind.ORDER,
    DocumentKind.INVOICE: DocumentKind.DELIVERY,
}
