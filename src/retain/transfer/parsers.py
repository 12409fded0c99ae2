"""Vectorised parsers for import columns.

Each parser takes a column of raw strings and returns the parsed column and a
column of problems (null where the value is fine), so that a million rows are
checked in a few array operations rather than a million Python calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

import polars as pl

from retain.documents.attributes import parse_attributes
from retain.transfer.csvio import unescape_series

Parsed = tuple[pl.Series, pl.Series]
Parser = Callable[[pl.Series], Parsed]

_ISO_DATETIME = (
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_DECIMAL = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
_INTEGER = r"^[+-]?\d+$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_TRUE = ["true", "yes", "y", "1", "t"]
_FALSE = ["false", "no", "n", "0", "f", ""]


def _problems(bad: pl.Series, message: str) -> pl.Series:
    return pl.select(pl.when(bad).then(pl.lit(message)).otherwise(None).alias("p")).to_series()


def _merge(*problem_columns: pl.Series) -> pl.Series:
    """The first problem per row among several checks."""
    frame = pl.DataFrame({str(i): col for i, col in enumerate(problem_columns)})
    return frame.select(pl.coalesce(pl.all()).alias("p")).to_series()


def blank(values: pl.Series) -> pl.Series:
    """Which cells are empty or only spaces."""
    return values.str.strip_chars().str.len_chars() == 0


@dataclass(frozen=True)
class Text:
    """Free text: trimmed, formula escapes undone, limited in length, maybe required."""

    max_length: int
    required: bool = False

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = unescape_series(values.str.strip_chars())
        too_long = cleaned.str.len_chars() > self.max_length
        checks = [_problems(too_long, f"longer than {self.max_length} characters")]
        if self.required:
            checks.insert(0, _problems(cleaned.str.len_chars() == 0, "required, but empty"))
        return cleaned, _merge(*checks)


@dataclass(frozen=True)
class Email:
    """An email address, or empty when not required; kept as written, trimmed."""

    required: bool = False

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = values.str.strip_chars()
        empty = cleaned.str.len_chars() == 0
        invalid = ~empty & ~cleaned.str.contains(_EMAIL)
        checks = [
            _problems(invalid, "not an email address"),
            _problems(cleaned.str.len_chars() > 254, "longer than 254 characters"),
        ]
        if self.required:
            checks.insert(0, _problems(empty, "required, but empty"))
        return cleaned, _merge(*checks)


@dataclass(frozen=True)
class Country:
    """A two-letter ISO 3166-1 code (any case), or empty."""

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = values.str.strip_chars().str.to_uppercase()
        bad = (cleaned.str.len_chars() > 0) & ~cleaned.str.contains(r"^[A-Z]{2}$")
        return cleaned, _problems(bad, "expected a two-letter ISO 3166 country code such as DE")


@dataclass(frozen=True)
class Boolean:
    """true/false, yes/no, 1/0 (any case); empty means false."""

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = values.str.strip_chars().str.to_lowercase()
        parsed = cleaned.is_in(_TRUE)
        bad = ~cleaned.is_in(_TRUE + _FALSE)
        return parsed, _problems(bad, "expected true or false")


@dataclass(frozen=True)
class Integer:
    """A whole number within [minimum, maximum]; ``default`` when empty (required if None)."""

    minimum: int
    maximum: int
    default: int | None = None

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = values.str.strip_chars()
        empty = cleaned.str.len_chars() == 0
        if self.default is not None:
            cleaned = pl.select(
                pl.when(empty).then(pl.lit(str(self.default))).otherwise(cleaned)
            ).to_series()
        well_formed = cleaned.str.contains(_INTEGER) & (cleaned.str.len_chars() <= 18)
        parsed = cleaned.cast(pl.Int64, strict=False)
        out_of_range = well_formed & ((parsed < self.minimum) | (parsed > self.maximum))
        checks = [
            _problems(~well_formed, "not a whole number"),
            _problems(out_of_range, f"must be between {self.minimum} and {self.maximum}"),
        ]
        if self.default is None:
            checks.insert(0, _problems(empty, "required, but empty"))
        return parsed, _merge(*checks)


@dataclass(frozen=True)
class DecimalText:
    """A decimal number kept as exact text (for money), with limits on digits and range."""

    max_digits: int
    decimal_places: int
    minimum: float | None = None
    maximum: float | None = None
    default: str | None = None

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = values.str.strip_chars()
        empty = cleaned.str.len_chars() == 0
        if self.default is not None:
            cleaned = pl.select(
                pl.when(empty).then(pl.lit(self.default)).otherwise(cleaned)
            ).to_series()
        well_formed = cleaned.str.contains(_DECIMAL)
        unsigned = cleaned.str.strip_chars_start("+-")
        whole = unsigned.str.split(".").list.first().str.strip_chars_start("0")
        places = unsigned.str.split(".").list.get(1, null_on_oob=True).str.strip_chars_end("0")
        too_precise = well_formed & (places.str.len_chars().fill_null(0) > self.decimal_places)
        max_whole = self.max_digits - self.decimal_places
        too_large = well_formed & (whole.str.len_chars() > max_whole)
        number = cleaned.cast(pl.Float64, strict=False)
        checks = [
            _problems(
                ~well_formed, "not a number (use a dot for decimals, no thousands separators)"
            ),
            _problems(too_precise, f"more than {self.decimal_places} decimal places"),
            _problems(too_large, f"more than {max_whole} digits before the decimal point"),
        ]
        if self.minimum is not None:
            checks.append(
                _problems(
                    well_formed & (number < self.minimum), f"must be at least {self.minimum:g}"
                )
            )
        if self.maximum is not None:
            checks.append(
                _problems(
                    well_formed & (number > self.maximum), f"must be at most {self.maximum:g}"
                )
            )
        if self.default is None:
            checks.insert(0, _problems(empty, "required, but empty"))
        return cleaned, _merge(*checks)


@dataclass(frozen=True)
class Number:
    """A finite floating-point number; ``default`` when empty."""

    default: float

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = values.str.strip_chars()
        empty = cleaned.str.len_chars() == 0
        parsed = cleaned.cast(pl.Float64, strict=False)
        parsed = pl.select(
            pl.when(empty).then(pl.lit(self.default)).otherwise(parsed).alias("v")
        ).to_series()
        bad = parsed.is_null() | ~parsed.is_finite()
        return parsed, _problems(bad, "not a number")


@dataclass(frozen=True)
class IsoDate:
    """An ISO 8601 calendar date, YYYY-MM-DD; empty allowed unless required."""

    required: bool = True

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = values.str.strip_chars()
        empty = cleaned.str.len_chars() == 0
        parsed = cleaned.str.to_date("%Y-%m-%d", strict=False)
        bad = ~empty & (parsed.is_null() | ~cleaned.str.contains(_ISO_DATE))
        checks = [_problems(bad, "not a date (expected YYYY-MM-DD)")]
        if self.required:
            checks.insert(0, _problems(empty, "required, but empty"))
        return parsed, _merge(*checks)


@dataclass(frozen=True)
class IsoDateTime:
    """An ISO 8601 date and time, parsed to microseconds since the Unix epoch (UTC).

    Accepts ``Z`` or a ``±HH:MM`` offset, a space instead of ``T``, fractions of a
    second, and a bare date (midnight). Without an offset the time is read in
    ``naive_zone`` (the company time zone), so the same file means the same
    instants wherever it is imported.
    """

    naive_zone: str = "UTC"
    required: bool = True

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = values.str.strip_chars()
        empty = cleaned.str.len_chars() == 0
        # Fast path: the common "2024-05-01T09:30:00Z" / "+02:00" shapes, parsed natively.
        fast = cleaned.str.to_datetime(
            "%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_zone="UTC", time_unit="us"
        ).dt.epoch("us")
        parsed = fast
        if fast.null_count() > int(empty.sum()):
            slow = self._parse_general(cleaned.filter(fast.is_null()))
            parsed = fast.scatter(fast.is_null().arg_true(), slow)
        bad = ~empty & parsed.is_null()
        checks = [_problems(bad, "not an ISO 8601 date and time (e.g. 2024-05-01T09:30:00Z)")]
        if self.required:
            checks.insert(0, _problems(empty, "required, but empty"))
        return parsed, _merge(*checks)

    def _parse_general(self, values: pl.Series) -> pl.Series:
        parts = values.str.extract_groups(_ISO_DATETIME).struct.unnest()
        parts.columns = ["y", "mo", "d", "h", "mi", "s", "frac", "tz"]
        frame = parts.with_columns(
            *[pl.col(c).cast(pl.Int32, strict=False).fill_null(0) for c in ["h", "mi", "s"]],
            pl.col("frac").str.pad_end(6, "0").str.slice(0, 6).cast(pl.Int64).fill_null(0),
            pl.col("tz").is_null().alias("naive"),
            _offset_seconds(pl.col("tz")).alias("offset"),
        ).with_columns(
            # Via text, so an impossible date (2023-02-29) becomes null instead of an error.
            pl.concat_str([pl.col("y"), pl.col("mo"), pl.col("d")], separator="-")
            .str.to_date("%Y-%m-%d", strict=False)
            .alias("date"),
        )
        valid = (
            pl.col("y").is_not_null()
            & pl.col("date").is_not_null()
            & (pl.col("h") < 24)
            & (pl.col("mi") < 60)
            & (pl.col("s") < 60)
        )
        local_us = (
            pl.col("date").cast(pl.Datetime("us")).dt.epoch("us")
            + ((pl.col("h") * 3600 + pl.col("mi") * 60 + pl.col("s")).cast(pl.Int64) * 1_000_000)
            + pl.col("frac")
        )
        frame = frame.with_columns(pl.when(valid).then(local_us).otherwise(None).alias("local_us"))
        if self.naive_zone == "UTC" or ZoneInfo(self.naive_zone) == UTC:
            naive_us = pl.col("local_us")
        else:
            naive_us = (
                pl.from_epoch(pl.col("local_us"), time_unit="us")
                .dt.replace_time_zone(self.naive_zone, ambiguous="earliest", non_existent="null")
                .dt.epoch("us")
            )
        result = frame.select(
            pl.when(pl.col("naive"))
            .then(naive_us)
            .otherwise(pl.col("local_us") - pl.col("offset") * 1_000_000)
            .alias("epoch_us")
        )
        return result.to_series()


def _offset_seconds(tz: pl.Expr) -> pl.Expr:
    """Seconds east of UTC for "Z", "+02", "+0200" or "+02:00"."""
    digits = tz.str.replace_all(":", "").str.slice(1)
    sign = pl.when(tz.str.starts_with("-")).then(-1).otherwise(1)
    hours = digits.str.slice(0, 2).cast(pl.Int64, strict=False).fill_null(0)
    minutes = digits.str.slice(2, 2).cast(pl.Int64, strict=False).fill_null(0)
    return (
        pl.when(tz.is_null() | tz.str.to_uppercase().eq("Z"))
        .then(0)
        .otherwise(sign * (hours * 3600 + minutes * 60))
    )


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of values, any case; required."""

    values: tuple[str, ...]

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = values.str.strip_chars().str.to_lowercase()
        empty = cleaned.str.len_chars() == 0
        unknown = ~empty & ~cleaned.is_in(list(self.values))
        return cleaned, _merge(
            _problems(empty, "required, but empty"),
            _problems(unknown, f"must be one of {', '.join(self.values)}"),
        )


@dataclass(frozen=True)
class Attributes:
    """Item attributes as ``name=value`` pairs separated by ``;`` (blank: none).

    Parsed to a JSON object text with names in lower case, each name once.
    """

    def __call__(self, values: pl.Series) -> Parsed:
        cleaned = unescape_series(values.str.strip_chars())
        parsed: list[str | None] = []
        problems: list[str | None] = []
        for text in cleaned.to_list():
            try:
                pairs = parse_attributes(text or "")
            except ValueError as error:
                parsed.append(None)
                problems.append(str(error))
            else:
                parsed.append(json.dumps(pairs, sort_keys=True, ensure_ascii=False))
                problems.append(None)
        return pl.Series(parsed, dtype=pl.String), pl.Series(problems, dtype=pl.String)
