"""The scorecard's filters: a period of whole calendar months and an optional segment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from retain.analytics.calendar import add_months, month_count
from retain.analytics.measures import DEFAULT_GRACE_DAYS

# Trend charts cover at least this many months, ending with the period's last month,
# so that a one-month period still shows where it sits in its year.
TREND_MONTHS = 12
# The longest period (and trend) the page draws.
MAX_MONTHS = 60


@dataclass(frozen=True)
class Period:
    """Whole calendar months from ``first_month`` to ``last_month`` (1sts, both included)."""

    first_month: date
    last_month: date

    def __post_init__(self) -> None:
        if self.first_month.day != 1 or self.last_month.day != 1:
            raise ValueError("a period runs from a month's first day to a month's first day")
        if self.last_month < self.first_month:
            raise ValueError("the period ends before it starts")

    @property
    def start(self) -> date:
        """The period's first day."""
        return self.first_month

    @property
    def end(self) -> date:
        """The first day after the period (the measures' half-open end)."""
        return add_months(self.last_month, 1)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def months(self) -> int:
        return month_count(self.first_month, self.last_month)

    @property
    def trend_first_month(self) -> date:
        """The first month of the trend charts: the period's, or earlier so that the
        trend covers at least ``TREND_MONTHS``."""
        return min(self.first_month, add_months(self.last_month, 1 - TREND_MONTHS))

    def moments(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes ``[start, end)`` at local midnight."""
        return _midnight(self.start), _midnight(self.end)

    def is_running(self, today: date) -> bool:
        """Whether the period has not ended yet (its figures are so far)."""
        return self.end > today

    def churn_is_provisional(self, today: date, grace_days: int = DEFAULT_GRACE_DAYS) -> bool:
        """Whether a client counted as churned in the period may yet come back within the
        grace window (the period ended less than ``grace_days`` ago)."""
        return self.last_day + timedelta(days=grace_days) >= today

    @property
    def label(self) -> str:
        if self.months == 1:
            return f"{self.first_month:%B %Y}"
        return f"{self.first_month:%b %Y} to {self.last_month:%b %Y}"

    @classmethod
    def last_complete_months(cls, months: int, today: date) -> Period:
        """The ``months`` calendar months before ``today``'s month."""
        last = add_months(today.replace(day=1), -1)
        return cls(add_months(last, 1 - months), last)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


@dataclass(frozen=True)
class ScorecardFilters:
    """What the scorecard shows: the period, and one segment or all clients (``""``)."""

    period: Period
    segment: str = ""
