"""Model fields shared across apps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def datetime_to_epoch_us(value: datetime) -> int:
    """Microseconds since 1970-01-01 UTC for an aware datetime (naive means the current zone)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def epoch_us_to_datetime(value: int) -> datetime:
    """The aware UTC datetime for a count of microseconds since 1970-01-01 UTC."""
    return EPOCH + timedelta(microseconds=value)


class EpochMicrosecondsField(models.BigIntegerField):
    """An aware datetime stored as a 64-bit count of microseconds since the Unix epoch.

    Used for high-volume telemetry: 8 bytes a row on every database (SQLite would
    otherwise store 26 bytes of text), integer comparisons in range scans, and a
    representation that bulk loaders (COPY, executemany) and polars share as-is.
    Python code sees ordinary aware datetimes; lookups accept datetimes too.
    """

    description = "Date and time (UTC), stored as microseconds since the Unix epoch"

    def from_db_value(self, value: int | None, expression: Any, connection: Any) -> datetime | None:
        return None if value is None else epoch_us_to_datetime(value)

    def to_python(self, value: Any) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        if isinstance(value, int):
            return epoch_us_to_datetime(value)
        raise ValidationError(f"{value!r} is not a date and time", code="invalid")

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return datetime_to_epoch_us(value)
        return int(value)

    def value_to_string(self, obj: models.Model) -> str:
        value = cast(datetime | None, self.value_from_object(obj))
        return "" if value is None else value.isoformat()

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return models.Field.formfield(self, form_class=forms.DateTimeField, **kwargs)
