"""What the demo generator produces: plain dataclasses and arrays, and time helpers.

Days are integers (days since 1970-01-01) and instants are integers
(microseconds since the epoch, UTC) throughout: cheap to vectorise, and exactly
what ``UsageEvent.occurred_at`` stores. Client, staff and event-type references
are indexes (into ``DemoCompany.clients``, ``vocabulary.STAFF`` and
``vocabulary.EVENT_TYPES``); the writer in ``retain.demo.services`` maps them
to database ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from numpy.typing import ArrayLike, NDArray

from retain.demo import vocabulary as V

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
EPOCH_DAY = date(1970, 1, 1)
BASE_MRR = 95.0  # euros of monthly revenue per unit of a client's revenue weight
# The hidden process's vocabulary, shared by the generator, the timeline and ClientTruth.
SHOCKS = (
    "late_delivery",
    "wrong_delivery",
    "billing_error",
    "unanswered_ticket",
    "product_defect",
    "owner_change",
)
LIFTS = ("business_review", "quick_resolution", "training_session")


# ---------------------------------------------------------------------------
# What the generator produces


@dataclass(frozen=True)
class Calendar:
    """The months of history: ``month_starts[t]`` is the day number of month ``t``'s first day."""

    as_of: date
    month_starts: IntArray
    end: int  # day number of ``as_of``: history covers the days before it

    @property
    def months(self) -> int:
        return len(self.month_starts)

    @property
    def start(self) -> int:
        return int(self.month_starts[0])

    @property
    def month_stops(self) -> IntArray:
        """Day after each month's last day of history (``end`` for the current month)."""
        return np.append(self.month_starts[1:], self.end)

    @property
    def month_numbers(self) -> IntArray:
        """Calendar month of each month of history, counted in months since 1970-01."""
        return months_of(self.month_starts)

    @property
    def full_month_lengths(self) -> IntArray:
        """Days in each calendar month (the current month counted in full)."""
        return first_days(self.month_numbers + 1) - self.month_starts


@dataclass
class Clients:
    """The clients, one array element each, sorted by start (so C00001 is the oldest).

    The attributes after ``billing_months`` are hidden traits: they steer the
    processes below and are never written to the database.
    """

    external_id: list[str]
    name: list[str]
    domain: list[str]
    segment: NDArray[np.str_]
    industry: list[str]
    country: list[str]
    weight: FloatArray  # the power-law draw behind the client's size
    start_day: IntArray
    start_month: IntArray  # first month of history the client is in (0 if it predates it)
    start_calendar_month: IntArray  # months since 1970-01 of the start, for anniversaries
    start_day_of_month: IntArray  # 0-based
    transactional: BoolArray
    term_months: IntArray  # 12 for annual contracts, 1 for monthly and contract-less
    billing_months: IntArray
    baseline: FloatArray  # the satisfaction the client reverts to
    exposure: dict[str, FloatArray]  # how hard each department's failures hit the client
    usage_propensity: FloatArray

    @property
    def n(self) -> int:
        return len(self.external_id)


@dataclass(frozen=True)
class OwnerMove:
    """A planned change of owner or backup owner in month ``month`` of history."""

    client: int
    month: int
    day: int
    role: str  # "owner" or "backup"
    previous: int
    new: int
    reason: str  # "leaver", "rebalance" or "takeover"


@dataclass
class OwnershipPlan:
    """Who owns and backs up each client in each month, and the moves between them."""

    owner: IntArray  # [clients, months] index into vocabulary.STAFF
    backup: IntArray
    moves: list[OwnerMove]
    leave_month: int


@dataclass
class Satisfaction:
    """The hidden process and the churn it caused."""

    level: FloatArray  # [clients, months], NaN outside the client's life
    shocks: BoolArray  # [clients, months, len(SHOCKS)]
    lifts: BoolArray  # [clients, months, len(LIFTS)]
    churn_month: IntArray  # -1 when the client stayed
    churn_day: IntArray  # day number, -1 when the client stayed
    last_month: IntArray  # last month with a satisfaction value (the month before churn)
    driver: list[str]  # main churn driver, "" when the client stayed

    @property
    def churned(self) -> BoolArray:
        return self.churn_month >= 0


@dataclass(frozen=True)
class SubscriptionRow:
    """A ``SubscriptionLine``; ``end`` is its last day of service (None: still running)."""

    client: int
    product: str
    start: int
    end: int | None  # last day of service (inclusive)
    mrr: float
    quantity: int
    billing_months: int
    discount_percent: float


@dataclass(frozen=True)
class SubscriptionChange:
    """An upgrade or downgrade, for the timeline."""

    client: int
    day: int
    product: str
    change: str  # "added", "removed", "seats_up", "seats_down"
    before: int
    after: int
    mrr_delta: float


@dataclass
class Order:
    """A hardware order; ``number`` is given once all orders are known (in time order)."""

    client: int
    placed_us: int
    amount: float
    items: str
    late_days: int
    wrong: bool
    delivered_us: int | None
    number: str = ""


@dataclass(frozen=True)
class TransactionRow:
    """A ``Transaction``: an order of a contract-less client, or a credit (negative)."""

    client: int
    occurred_us: int
    amount: float
    order_id: str


@dataclass(frozen=True)
class ContactRow:
    """A ``Contact``."""

    client: int
    name: str
    email: str
    phone: str
    role: str
    is_primary: bool


@dataclass(frozen=True)
class OwnershipRow:
    """An ``OwnershipChange``; ``previous`` is None for the first assignment."""

    client: int
    role: str
    previous: int | None
    new: int
    changed_by: int
    changed_us: int
    note: str


@dataclass
class Usage:
    """Usage events as parallel arrays (``user`` indexes ``users``), sorted by client, time."""

    client: NDArray[np.int32]
    occurred_us: IntArray
    event_type: NDArray[np.int8]  # index into vocabulary.EVENT_TYPES
    value: FloatArray
    user: NDArray[np.int32]
    users: list[str]

    def __len__(self) -> int:
        return len(self.client)


@dataclass(frozen=True)
class TimelineRow:
    """A ``TimelineEntry`` (``department`` is a slug, ``author`` a ``STAFF`` index)."""

    client: int
    occurred_us: int
    kind: str  # a retain.clients.choices.TimelineKind value
    department: str
    author: int
    subject: str
    body: str


@dataclass(frozen=True)
class TruthRow:
    """A ``ClientTruth``: the hidden state behind one client."""

    client: int
    satisfaction_by_month: list[float]
    shocks_by_month: dict[str, list[str]]
    initial: float
    final: float
    churned: bool
    driver: str
    revenue_weight: float


@dataclass
class DemoCompany:
    """Everything the writer puts in the database, plus the hidden truth."""

    seed: int
    calendar: Calendar
    clients: Clients
    owner: IntArray  # final owner per client (index into vocabulary.STAFF)
    backup: IntArray
    status: list[str]
    churned_on: list[int | None]
    churn_reason: list[str]
    lifecycle_stage: list[str]
    subscriptions: list[SubscriptionRow]
    transactions: list[TransactionRow]
    contacts: list[ContactRow]
    ownership: list[OwnershipRow]
    usage: Usage
    timeline: list[TimelineRow]
    truth: list[TruthRow]
    staff: tuple[V.StaffMember, ...] = field(default=V.STAFF)

    def current_mrr(self) -> FloatArray:
        """Each client's MRR on the last day of history (0 for churned and contract-less)."""
        mrr = np.zeros(self.clients.n)
        last_day = self.calendar.end - 1
        for line in self.subscriptions:
            if line.start <= last_day and (line.end is None or line.end >= last_day):
                mrr[line.client] += line.mrr
        return mrr


# ---------------------------------------------------------------------------
# Small helpers


def months_of(days: ArrayLike) -> IntArray:
    """Calendar month (months since 1970-01) of each day number."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def first_days(months: ArrayLike) -> IntArray:
    """Day number of the first day of each calendar month (months since 1970-01)."""
    return np.asarray(months).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def day_number(value: date) -> int:
    """Days since 1970-01-01."""
    return (value - EPOCH_DAY).days


def to_date(day: int) -> date:
    """The date of a day number."""
    return EPOCH_DAY + timedelta(days=int(day))


def business_time(rng: np.random.Generator, day: int) -> int:
    """An instant during office hours (08:00-18:00 UTC) on ``day``, in microseconds."""
    return day * DAY_US + 8 * HOUR_US + int(rng.integers(0, 10 * 3600)) * 1_000_000


def day_between(rng: np.random.Generator, low: int, high: int) -> int:
    """A day in ``[low, high)`` (``low`` itself when the range is empty)."""
    return low if high <= low else int(rng.integers(low, high))


def euros(amount: float) -> str:
    """``1234.5`` -> ``"€1,234"``, as people write amounts in notes."""
    return f"€{amount:,.0f}"


def number_in_time_order(rng: np.random.Generator, times: list[int], first: int) -> list[int]:
    """Document numbers that grow with time, with small gaps (cancelled drafts)."""
    order = np.argsort(np.asarray(times, dtype=np.int64), kind="stable")
    numbers = np.empty(len(times), dtype=np.int64)
    numbers[order] = first + np.cumsum(rng.integers(1, 4, size=len(times)))
    return [int(x) for x in numbers]
