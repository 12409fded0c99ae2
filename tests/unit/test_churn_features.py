"""Churn-risk features (retain.analytics.churn.features): every feature against a direct
computation that walks observation by observation and record by record, no leakage from
records dated on or after ``as_of``, a hand-checked client, and the registry's
sentences."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.analytics.churn import DEMO_DRIVERS, FEATURES, build_features
from retain.analytics.churn.features import Feature

ORIGIN = date(2024, 1, 1)  # a Monday
DEPARTMENTS = ["shipping", "billing", "support", "product", "production", "sales", None]


def day(n: int) -> date:
    return ORIGIN + timedelta(days=n)


@dataclass
class Book:
    """The six input frames of ``build_features``."""

    lines: pl.DataFrame
    usage: pl.DataFrame
    timeline: pl.DataFrame
    incidents: pl.DataFrame
    surveys: pl.DataFrame
    ownership: pl.DataFrame

    def frames(self) -> dict[str, pl.DataFrame]:
        return {
            "lines": self.lines,
            "usage": self.usage,
            "timeline": self.timeline,
            "incidents": self.incidents,
            "surveys": self.surveys,
            "ownership": self.ownership,
        }


SCHEMAS = {
    "lines": {
        "client_id": pl.Int64,
        "start_date": pl.Date,
        "end_date": pl.Date,
        "mrr": pl.Float64,
        "discount_percent": pl.Float64,
        "billing_period_months": pl.Int64,
        "quantity": pl.Int64,
    },
    "usage": {"client_id": pl.Int64, "week": pl.Date, "events": pl.Int64, "users": pl.Int64},
    "timeline": {"client_id": pl.Int64, "day": pl.Date, "kind": pl.String, "department": pl.String},
    "incidents": {
        "client_id": pl.Int64,
        "opened_on": pl.Date,
        "severity": pl.Int64,
        "department": pl.String,
        "due_on": pl.Date,
        "resolved_on": pl.Date,
    },
    "surveys": {"client_id": pl.Int64, "day": pl.Date, "kind": pl.String, "score": pl.Int64},
    "ownership": {"client_id": pl.Int64, "day": pl.Date, "role": pl.String},
}


def book_of(rows: dict[str, list[tuple]]) -> Book:
    return Book(
        **{
            name: pl.DataFrame(rows.get(name, []), schema=schema, orient="row")
            for name, schema in SCHEMAS.items()
        }
    )


def random_rows(rng: np.random.Generator, name: str, low: int, high: int, clients: int) -> list:
    """Random records of one frame dated in ``[low, high)`` (day numbers from ORIGIN)."""

    def client() -> int:
        return int(rng.integers(1, clients + 1))

    def when() -> int:
        return int(rng.integers(low, high))

    count = int(rng.integers(0, 12))
    rows: list[tuple] = []
    for _ in range(count):
        if name == "lines":
            start = when()
            end = None if rng.random() < 0.3 else day(start + int(rng.integers(0, 120)))
            rows.append(
                (
                    client(),
                    day(start),
                    end,
                    float(rng.choice([0.0, 10.0, 12.5, 100.0])),
                    None if rng.random() < 0.2 else float(rng.choice([0.0, 10.0, 25.0])),
                    None if rng.random() < 0.1 else int(rng.choice([1, 3, 12])),
                    int(rng.integers(1, 10)),
                )
            )
        elif name == "usage":
            monday = when() // 7 * 7  # ORIGIN is a Monday
            rows.append((client(), day(monday), int(rng.integers(0, 50)), int(rng.integers(0, 6))))
        elif name == "timeline":
            kind = str(rng.choice(["call", "meeting", "email", "ticket", "note", "incident"]))
            rows.append((client(), day(when()), kind, None))
        elif name == "incidents":
            opened = when()
            due = None if rng.random() < 0.2 else day(opened + int(rng.integers(0, 10)))
            resolved = None if rng.random() < 0.3 else day(opened + int(rng.integers(0, 20)))
            department = DEPARTMENTS[int(rng.integers(len(DEPARTMENTS)))]
            rows.append((client(), day(opened), int(rng.integers(1, 5)), department, due, resolved))
        elif name == "surveys":
            kind = str(rng.choice(["nps", "csat"]))
            score = int(rng.integers(0, 11 if kind == "nps" else 6))
            rows.append((client(), day(when()), kind, score))
        else:
            rows.append((client(), day(when()), str(rng.choice(["owner", "backup"]))))
    return rows


def random_book(rng: np.random.Generator, low: int = -400, high: int = 400, clients: int = 5):
    return {name: random_rows(rng, name, low, high, clients) for name in SCHEMAS}


def random_observations(rng: np.random.Generator, count: int, clients: int = 6) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "client_id": rng.integers(1, clients + 1, size=count).tolist(),
            "as_of": [day(int(d)) for d in rng.integers(-100, 400, size=count)],
        },
        schema={"client_id": pl.Int64, "as_of": pl.Date},
    )


# The direct computation ----------------------------------------------------------------


def direct_features(observations: pl.DataFrame, book: Book, grace: int = 30) -> list[dict]:
    """Each observation's features the long way, record by record, from the definitions
    in the features module's docstring."""
    lines = book.lines.rows(named=True)
    usage = [row for row in book.usage.rows(named=True) if row["events"] > 0]
    timeline = book.timeline.rows(named=True)
    incidents = book.incidents.rows(named=True)
    surveys = book.surveys.rows(named=True)
    owners = [row for row in book.ownership.rows(named=True) if row["role"] == "owner"]
    result = []
    for client, as_of in observations.select("client_id", "as_of").iter_rows():

        def of(rows: list[dict], c: int = client) -> list[dict]:
            return [row for row in rows if row["client_id"] == c]

        def between(rows, column, first, last):
            """Rows with ``first <= row[column] <= last``."""
            return [row for row in rows if first <= row[column] <= last]

        def days_ago(n: int, as_of: date = as_of) -> date:
            return as_of - timedelta(days=n)

        out: dict[str, float | None] = {}

        # Subscription lines: running on as_of - 1 (and on as_of - 91)
        mine = [line for line in of(lines) if line["mrr"] > 0]

        def running(on: date, lines: list[dict] = mine) -> list[dict]:
            return [
                line
                for line in lines
                if line["start_date"] <= on and (line["end_date"] is None or line["end_date"] >= on)
            ]

        now = running(days_ago(1))
        mrr = sum(line["mrr"] for line in now)
        before = sum(line["mrr"] for line in running(days_ago(91)))
        out["mrr"] = mrr
        out["mrr_change_90d"] = mrr / before - 1 if before else None
        out["discount_percent"] = (
            sum(line["mrr"] * (line["discount_percent"] or 0.0) for line in now) / mrr
            if mrr
            else None
        )
        out["billing_period_months"] = (
            sum(line["mrr"] * (line["billing_period_months"] or 1) for line in now) / mrr
            if mrr
            else None
        )
        out["active_lines"] = len(now)
        # Tenure: the last day f < as_of that is active with no revenue on the
        # grace + 1 days before it (a tenure's first day), walked day by day
        active = set()
        for line in mine:
            stop = min(line["end_date"] or days_ago(1), days_ago(1))
            d = line["start_date"]
            while d <= stop:
                active.add(d)
                d += timedelta(days=1)
        starts = [
            d
            for d in active
            if not any(d - timedelta(days=k) in active for k in range(1, grace + 2))
        ]
        out["tenure_days"] = (as_of - max(starts)).days if starts else 0

        # Usage: weeks whose last day (week + 6) is in the last 28 days, and the 84 before
        weeks = of(usage)
        recent = [w for w in weeks if days_ago(28) <= w["week"] + timedelta(days=6) < as_of]
        earlier = [
            w for w in weeks if days_ago(112) <= w["week"] + timedelta(days=6) < days_ago(28)
        ]
        first_week = min((w["week"] for w in weeks), default=None)
        span_start = days_ago(118)
        if first_week is not None and first_week > span_start:
            span_start = first_week
        span = max(0.0, min(12.0, (days_ago(34) - span_start).days / 7))

        def change(recent_total: float, earlier_total: float, span: float = span):
            if span < 4 or earlier_total == 0:
                return None
            return (recent_total / 4) / (earlier_total / span) - 1

        events = sum(w["events"] for w in recent)
        users = sum(w["users"] or 0 for w in recent)
        out["usage_events_4w"] = events
        out["usage_change"] = change(events, sum(w["events"] for w in earlier))
        out["active_users_4w"] = users / 4
        out["active_users_change"] = change(users, sum(w["users"] or 0 for w in earlier))
        out["events_per_user_4w"] = events / users if users else None
        out["events_per_kmrr_4w"] = (events / 4) / (mrr / 1000) if mrr else None
        ended = [
            w["week"] + timedelta(days=6) for w in weeks if w["week"] + timedelta(days=6) < as_of
        ]
        out["days_since_usage"] = (as_of - max(ended)).days - 1 if ended else None

        # Timeline
        entries = [row for row in of(timeline) if row["day"] < as_of]
        contacts = [row for row in entries if row["kind"] in ("call", "meeting", "email")]
        tickets = [row for row in entries if row["kind"] == "ticket"]
        out["contacts_90d"] = len(between(contacts, "day", days_ago(90), days_ago(1)))
        out["days_since_contact"] = (
            (as_of - max(row["day"] for row in contacts)).days if contacts else None
        )
        out["tickets_30d"] = len(between(tickets, "day", days_ago(30), days_ago(1)))
        out["tickets_90d"] = len(between(tickets, "day", days_ago(90), days_ago(1)))

        # Incidents
        opened = [row for row in of(incidents) if row["opened_on"] < as_of]
        groups = {
            "support": ("support",),
            "shipping": ("shipping",),
            "billing": ("billing",),
            "product": ("product", "production"),
        }
        for key, slugs in groups.items():
            for days in (30, 90):
                out[f"incidents_{key}_{days}d"] = len(
                    [
                        row
                        for row in between(opened, "opened_on", days_ago(days), days_ago(1))
                        if row["department"] in slugs
                    ]
                )
        last_90 = between(opened, "opened_on", days_ago(90), days_ago(1))
        known = {slug for slugs in groups.values() for slug in slugs}
        out["incidents_other_90d"] = len([r for r in last_90 if r["department"] not in known])
        out["incidents_sev1_90d"] = len([r for r in last_90 if r["severity"] == 1])
        out["incidents_severe_90d"] = len([r for r in last_90 if r["severity"] <= 2])
        # Overdue: the due day is in the last 90 days (and the incident was opened before
        # as_of) and it was not resolved by then
        out["incidents_overdue_90d"] = len(
            [
                row
                for row in opened
                if row["due_on"] is not None
                and days_ago(90) <= max(row["due_on"], row["opened_on"]) < as_of
                and (row["resolved_on"] is None or row["resolved_on"] > row["due_on"])
            ]
        )

        # Surveys: the later row wins a tie on the same day
        for kind in ("nps", "csat"):
            answers = [
                (row["day"], index, row["score"])
                for index, row in enumerate(surveys)
                if row["client_id"] == client and row["kind"] == kind and row["day"] < as_of
            ]
            answers.sort()
            out[f"{kind}_last"] = answers[-1][2] if answers else None
            out[f"days_since_{kind}"] = (as_of - answers[-1][0]).days if answers else None
            if kind == "nps":
                out["nps_change"] = answers[-1][2] - answers[-2][2] if len(answers) > 1 else None

        # Ownership
        changes = [row["day"] for row in of(owners) if row["day"] < as_of]
        out["owner_changes_180d"] = len([d for d in changes if d >= days_ago(180)])
        out["owner_changes_365d"] = len([d for d in changes if d >= days_ago(365)])
        out["days_since_owner_change"] = (as_of - max(changes)).days if changes else None
        result.append(out)
    return result


def assert_same(found: pl.DataFrame, expected: list[dict]) -> None:
    assert found.height == len(expected)
    for row, wanted in zip(found.iter_rows(named=True), expected, strict=True):
        for name in FEATURES:
            value, target = row[name], wanted[name]
            if target is None:
                assert value is None, (name, row, wanted)
            else:
                assert value == pytest.approx(target, rel=1e-9, abs=1e-9), (name, row, wanted)


# Every feature against the direct computation -----------------------------------------


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_feature_matches_the_direct_computation(seed: int):
    rng = np.random.default_rng(seed)
    book = book_of(random_book(rng))
    # Observations in no particular order, with a client (6) that has no records
    observations = random_observations(rng, 25)

    found = build_features(observations, **book.frames())

    assert found.select("client_id", "as_of").equals(observations)
    assert_same(found, direct_features(observations, book))


def test_dense_usage_and_lines_match_the_direct_computation():
    # Every week of usage for a year and lines that overlap, so that the 4- and 12-week
    # windows and the usage changes are all exercised (the random books are sparse)
    rng = np.random.default_rng(7)
    rows = random_book(rng)
    rows["usage"] = [
        (client, day(week), int(rng.integers(0, 40)), int(rng.integers(0, 5)))
        for client in (1, 2, 3)
        for week in range(-182, 400, 7)
        if rng.random() < 0.9
    ]
    rows["lines"] += [
        (client, day(start), None, float(rng.integers(1, 9)) * 10, 10.0, 12, 1)
        for client in (1, 2, 3)
        for start in rng.integers(-300, 300, size=4).tolist()
    ]
    book = book_of(rows)
    observations = random_observations(rng, 200, clients=3)

    found = build_features(observations, **book.frames())

    assert found.get_column("usage_change").null_count() < found.height / 2
    assert_same(found, direct_features(observations, book))


# No leakage ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(-50, 300))
def test_records_dated_on_or_after_as_of_do_not_change_the_features(seed: int, cut: int):
    # Given a book, and observations up to a cut day
    rng = np.random.default_rng(seed)
    rows = random_book(rng)
    observations = pl.DataFrame(
        {
            "client_id": rng.integers(1, 6, size=20).tolist(),
            "as_of": [day(int(d)) for d in rng.integers(cut - 200, cut + 1, size=20)],
        },
        schema={"client_id": pl.Int64, "as_of": pl.Date},
    )
    before = build_features(observations, **book_of(rows).frames())

    # When every record dated on or after the cut is removed, changed or replaced,
    # and what is still to come about earlier records (their end, their resolution)
    # changes too
    c = day(cut)
    fresh = random_book(rng, low=cut, high=cut + 300)
    later = {
        "lines": lambda r: r[1] >= c,
        "usage": lambda r: r[1] + timedelta(days=6) >= c,  # a week is dated on its last day
        "timeline": lambda r: r[1] >= c,
        "incidents": lambda r: r[1] >= c,
        "surveys": lambda r: r[1] >= c,
        "ownership": lambda r: r[1] >= c,
    }
    changed = {}
    for name, is_later in later.items():
        kept = [row for row in rows[name] if not is_later(row) or rng.random() < 0.3]
        changed[name] = [row for row in kept if not is_later(row)]
        changed[name] += [row for row in fresh[name] if is_later(row)]
    for index, row in enumerate(changed["lines"]):
        if row[1] < c and (row[2] is None or row[2] >= c):  # running on: its end is to come
            end = None if rng.random() < 0.5 else c + timedelta(days=int(rng.integers(0, 60)))
            changed["lines"][index] = (*row[:2], end, *row[3:])
    for index, row in enumerate(changed["incidents"]):
        if row[5] is None or row[5] >= c:  # not resolved before the cut: that is to come
            resolved = None if rng.random() < 0.5 else c + timedelta(days=int(rng.integers(0, 9)))
            changed["incidents"][index] = (*row[:5], resolved)
    after = build_features(observations, **book_of(changed).frames())

    # Then no observation's features move
    assert after.equals(before)


# A hand-checked client ----------------------------------------------------------------


def test_a_hand_checked_client():
    # Given client 1 observed on Monday 6 May 2024
    rows = {
        "lines": [
            # Jan 1 - Jan 31, then from Mar 1: a 29-day gap, within the grace, so the
            # tenure runs from Jan 1
            (1, date(2024, 1, 1), date(2024, 1, 31), 100.0, 10.0, 12, 1),
            (1, date(2024, 3, 1), None, 300.0, 20.0, 1, 5),
            (1, date(2024, 4, 1), date(2024, 5, 5), 100.0, None, 3, 1),  # ran on May 5
            (1, date(2024, 5, 6), None, 999.0, 0.0, 1, 1),  # starts on as_of: not yet
        ],
        "usage": [
            (1, date(2024, 1, 1), 30, 3),  # the first week: 12 weeks before are partial
            (1, date(2024, 2, 5), 60, 3),
            (1, date(2024, 3, 4), 90, 3),  # the 12 weeks Jan 8 .. Apr 1 hold 150 events
            (1, date(2024, 4, 8), 20, 2),  # the last 4 weeks (Apr 8 .. Apr 29): 40 events
            (1, date(2024, 4, 29), 20, 2),
            (1, date(2024, 5, 6), 500, 9),  # this week has not ended
        ],
        "timeline": [
            (1, date(2024, 2, 1), "meeting", "account-management"),  # 95 days before
            (1, date(2024, 4, 1), "ticket", "support"),  # 35 days before
            (1, date(2024, 5, 1), "ticket", "support"),
            (1, date(2024, 5, 6), "call", "account-management"),  # on as_of: not yet
        ],
        "incidents": [
            (1, date(2024, 4, 20), 1, "shipping", date(2024, 4, 21), None),  # overdue
            (1, date(2024, 4, 30), 1, "Shipping", date(2024, 5, 1), date(2024, 5, 1)),
            (1, date(2024, 3, 1), 2, "production", date(2024, 3, 4), date(2024, 3, 9)),
            (1, date(2024, 5, 5), 3, "billing", date(2024, 5, 12), None),  # due later
        ],
        "surveys": [
            (1, date(2023, 10, 12), "nps", 9),
            (1, date(2024, 3, 1), "nps", 3),
            (1, date(2024, 4, 2), "csat", 2),
        ],
        "ownership": [
            (1, date(2023, 6, 1), "owner"),
            (1, date(2024, 2, 1), "owner"),
            (1, date(2024, 4, 1), "owner"),
            (1, date(2024, 4, 15), "backup"),
        ],
    }
    observations = pl.DataFrame(
        {"client_id": [1], "as_of": [date(2024, 5, 6)]},
        schema={"client_id": pl.Int64, "as_of": pl.Date},
    )

    (row,) = build_features(observations, **book_of(rows).frames()).iter_rows(named=True)

    expected = {
        "usage_events_4w": 40.0,
        # The 12 weeks before (Jan 15 .. Apr 1) hold 150 events, and the client was
        # there for all of them (its first week is Jan 1): 150 / 12 = 12.5 a week,
        # against 40 / 4 = 10 now: down 20%
        "usage_change": 10 / 12.5 - 1,
        "active_users_4w": 1.0,
        "active_users_change": (4 / 4) / (6 / 12) - 1,
        "events_per_user_4w": 10.0,
        "events_per_kmrr_4w": 10 / 0.4,  # 10 events a week on MRR 400
        "days_since_usage": 0.0,  # the week of Apr 29 ended on May 5
        "mrr": 400.0,
        "mrr_change_90d": None,  # Feb 5, 90 days before May 5: in the gap
        "discount_percent": (300 * 20 + 100 * 0) / 400,
        "billing_period_months": (300 * 1 + 100 * 3) / 400,
        "active_lines": 2.0,
        "tenure_days": 126.0,  # Jan 1 .. May 6
        "owner_changes_180d": 2.0,  # Feb 1 and Apr 1 (Jun 2023 is 340 days back)
        "owner_changes_365d": 3.0,
        "days_since_owner_change": 35.0,
        "contacts_90d": 0.0,
        "days_since_contact": 95.0,
        "tickets_30d": 1.0,
        "tickets_90d": 2.0,
        "incidents_support_30d": 0.0,
        "incidents_support_90d": 0.0,
        "incidents_shipping_30d": 2.0,
        "incidents_shipping_90d": 2.0,
        "incidents_billing_30d": 1.0,
        "incidents_billing_90d": 1.0,
        "incidents_product_30d": 0.0,
        "incidents_product_90d": 1.0,
        "incidents_other_90d": 0.0,
        "incidents_sev1_90d": 2.0,
        "incidents_severe_90d": 3.0,
        "incidents_overdue_90d": 2.0,  # Apr 20's (still open) and Mar 1's (resolved late)
        "nps_last": 3.0,
        "nps_change": -6.0,
        "days_since_nps": 66.0,
        "csat_last": 2.0,
        "days_since_csat": 34.0,
    }
    assert {name: row[name] for name in FEATURES} == pytest.approx(expected)
    assert FEATURES["usage_change"].describe(row) == (
        "usage down 20% in the last 4 weeks against the 12 weeks before"
    )
    assert FEATURES["incidents_shipping_30d"].describe(row) == (
        "2 incidents from Shipping in the last 30 days"
    )
    assert FEATURES["incidents_sev1_90d"].describe(row) == (
        "2 severity-1 incidents in the last 90 days"
    )
    assert FEATURES["days_since_contact"].describe(row) == ("no call, meeting or email for 95 days")
    assert FEATURES["owner_changes_180d"].describe(row) == (
        "owner changed twice in the last 6 months"
    )
    assert FEATURES["nps_last"].describe(row) == "NPS answer of 3 on 1 Mar"
    assert FEATURES["nps_change"].describe(row) == "NPS answer down 6 points from the one before"
    assert FEATURES["mrr_change_90d"].describe(row) == "no MRR 90 days ago to compare with"
    assert FEATURES["billing_period_months"].describe(row) == "billed every 1.5 months"


# The registry -------------------------------------------------------------------------


def test_the_registry_describes_every_column_of_build_features():
    observations = pl.DataFrame(
        {"client_id": [1], "as_of": [date(2024, 5, 6)]},
        schema={"client_id": pl.Int64, "as_of": pl.Date},
    )
    found = build_features(observations, **book_of({}).frames())

    assert found.columns == ["client_id", "as_of", *FEATURES]
    assert all(found.schema[name] == pl.Float64 for name in FEATURES)
    for name, feature in FEATURES.items():
        assert isinstance(feature, Feature) and feature.name == name
        assert feature.kind in (
            "count",
            "rate",
            "change",
            "days",
            "amount",
            "percent",
            "months",
            "score",
        )
        assert set(feature.drivers) <= set(DEMO_DRIVERS)
        assert feature.label and len(feature.label) <= 32
    # Every demo driver is reflected by some feature
    assert {d for f in FEATURES.values() for d in f.drivers} == set(DEMO_DRIVERS)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.just(math.nan), st.floats(-1, 5000, allow_nan=False)),
        min_size=len(FEATURES),
        max_size=len(FEATURES),
    ),
    with_date=st.booleans(),
)
def test_every_sentence_is_plain_text_whatever_the_values(values, with_date):
    row: dict[str, object] = dict(zip(FEATURES, values, strict=True))
    if with_date:
        row["as_of"] = date(2024, 5, 6)

    for feature in FEATURES.values():
        sentence = feature.describe(row)
        assert sentence and "nan" not in sentence.lower() and "None" not in sentence


@pytest.mark.parametrize(
    ("name", "value", "sentence"),
    [
        ("usage_change", -0.6, "usage down 60% in the last 4 weeks against the 12 weeks before"),
        (
            "active_users_change",
            0.25,
            "weekly active users up 25% in the last 4 weeks against the 12 weeks before",
        ),
        ("days_since_usage", 35.0, "no product usage for 35 days"),
        ("days_since_usage", None, "no product usage on record"),
        ("contacts_90d", 0.0, "no calls, meetings or emails in the last 90 days"),
        ("contacts_90d", 1.0, "1 call, meeting or email in the last 90 days"),
        ("owner_changes_365d", 3.0, "owner changed 3 times in the last 12 months"),
        ("owner_changes_180d", 0.0, "same owner for the last 6 months"),
        ("incidents_billing_90d", 1.0, "1 incident from Billing in the last 90 days"),
        (
            "incidents_product_30d",
            2.0,
            "2 incidents from Product or Production in the last 30 days",
        ),
        ("tickets_30d", 4.0, "4 support tickets in the last 30 days"),
        ("mrr_change_90d", -0.2, "MRR down 20% against 90 days before"),
        ("tenure_days", 820.0, "client for 2.2 years"),
        ("csat_last", None, "no CSAT answer on record"),
    ],
)
def test_sentences(name: str, value: float | None, sentence: str):
    assert FEATURES[name].describe({name: value}) == sentence


def test_a_survey_date_without_as_of_is_given_in_days():
    row = {"nps_last": 3.0, "days_since_nps": 40.0}

    assert FEATURES["nps_last"].describe(row) == "NPS answer of 3 40 days ago"


# Inputs -------------------------------------------------------------------------------


def test_optional_columns_may_be_left_out():
    # Lines without discount and billing period; incidents without due days
    book = book_of(
        {
            "lines": [(1, date(2024, 1, 1), None, 50.0, None, None, 1)],
            "incidents": [(1, date(2024, 4, 1), 2, "shipping", None, None)],
        }
    )
    observations = pl.DataFrame(
        {"client_id": [1], "as_of": [date(2024, 5, 6)]},
        schema={"client_id": pl.Int64, "as_of": pl.Date},
    )

    (row,) = build_features(
        observations,
        **{
            **book.frames(),
            "lines": book.lines.drop("discount_percent", "billing_period_months", "quantity"),
            "incidents": book.incidents.drop("due_on", "resolved_on"),
        },
    ).iter_rows(named=True)

    assert (row["discount_percent"], row["billing_period_months"]) == (0.0, 1.0)
    assert row["incidents_overdue_90d"] is None
    assert row["incidents_shipping_90d"] == 1.0


def test_no_observations_give_an_empty_frame():
    observations = pl.DataFrame(schema={"client_id": pl.Int64, "as_of": pl.Date})

    found = build_features(observations, **book_of({}).frames())

    assert found.height == 0 and found.columns == ["client_id", "as_of", *FEATURES]


def test_inputs_are_checked():
    book = book_of({})
    observations = pl.DataFrame(
        {"client_id": [1], "as_of": [date(2024, 5, 6)]},
        schema={"client_id": pl.Int64, "as_of": pl.Date},
    )
    with pytest.raises(ValueError, match="usage lack the column"):
        build_features(observations, **{**book.frames(), "usage": book.usage.drop("users")})
    with pytest.raises(ValueError, match=r"surveys\.day must be a polars Date"):
        build_features(
            observations,
            **{
                **book.frames(),
                "surveys": book.surveys.with_columns(pl.col("day").cast(pl.String)),
            },
        )
    with pytest.raises(ValueError, match="lack a client_id or day"):
        build_features(
            observations,
            **{
                **book.frames(),
                "timeline": pl.DataFrame(
                    [(None, date(2024, 1, 1), "call", None)],
                    schema=SCHEMAS["timeline"],
                    orient="row",
                ),
            },
        )


def test_the_module_docstring_table_is_the_registry():
    from retain.analytics.churn import features

    doc = features.__doc__ or ""
    table = doc.split("feature  ", 1)[1].split("\n\n", 1)[0]
    rows = [line.split(None, 3) for line in table.splitlines() if line[:1].islower()]
    documented = {
        name: (group, kind, tuple(d.strip() for d in drivers.split(",")) if drivers != "-" else ())
        for name, group, kind, drivers in rows
    }

    assert documented == {
        name: (feature.group, feature.kind, feature.drivers) for name, feature in FEATURES.items()
    }
