"""The timeline every department writes about every client, in the demo.

Every shock and lift of the hidden satisfaction process leaves at least one
entry (a late-delivery incident, an unanswered ticket, a business review...);
routine work (orders, invoices, calls, renewals, surveys) surrounds it, as in a
real account's history. Entries are authored by someone in the department that
would write them, at office hours, never after the last day of history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retain.demo import vocabulary as V
from retain.demo.records import (
    BASE_MRR,
    DAY_US,
    LIFTS,
    SHOCKS,
    Calendar,
    Clients,
    ContactRow,
    Order,
    OwnershipPlan,
    OwnershipRow,
    Satisfaction,
    SubscriptionChange,
    SubscriptionRow,
    TimelineRow,
    business_time,
    day_between,
    euros,
    first_days,
    number_in_time_order,
    to_date,
)


@dataclass
class _Ticket:
    client: int
    opened_us: int
    topic: str
    outcome: str  # "routine", "quick" or "unanswered"


@dataclass
class _Invoice:
    client: int
    day: int
    amount: float
    billing_months: int
    error: bool


class TimelineBuilder:
    """Writes what each department would have recorded about each client.

    Every shock and lift of the hidden process leaves at least one entry (a
    late-delivery incident, an unanswered ticket, a business review...); routine
    work (orders, invoices, calls, renewals, surveys) surrounds it, as in a real
    account's history.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        clients: Clients,
        calendar: Calendar,
        sat: Satisfaction,
        plan: OwnershipPlan,
        contacts: list[ContactRow],
        subscriptions: list[SubscriptionRow],
        changes: list[SubscriptionChange],
        orders: list[Order],
        ownership: list[OwnershipRow],
        churn_reason: list[str],
    ) -> None:
        self.rng, self.clients, self.calendar, self.sat, self.plan = (
            rng,
            clients,
            calendar,
            sat,
            plan,
        )
        self.changes, self.orders, self.ownership = changes, orders, ownership
        self.churn_reason = churn_reason
        self.primary = {c.client: c.name.split(" ")[0] for c in contacts if c.is_primary}
        self.lines: dict[int, list[SubscriptionRow]] = {}
        for line in subscriptions:
            self.lines.setdefault(line.client, []).append(line)
        self.rows: list[TimelineRow] = []
        self.tickets: list[_Ticket] = []
        self.invoices: list[_Invoice] = []
        self.size = np.select(
            [clients.segment == "enterprise", clients.segment == "mid-market"], [2.0, 1.4], 1.0
        )

    # -- helpers

    def add(
        self,
        client: int,
        at_us: int,
        kind: str,
        department: str,
        author: int,
        subject: str,
        body: str = "",
    ) -> None:
        if at_us < self.calendar.end * DAY_US:  # nothing is written after the last day
            self.rows.append(TimelineRow(client, at_us, kind, department, author, subject, body))

    def member(self, department: str) -> int:
        people = V.staff_of(department)
        return people[int(self.rng.integers(len(people)))]

    def stop(self, i: int) -> int:
        return int(self.sat.churn_day[i]) if self.sat.churned[i] else self.calendar.end

    def day_in(self, i: int, t: int) -> int:
        low = max(int(self.calendar.month_starts[t]), int(self.clients.start_day[i]))
        high = min(int(self.calendar.month_stops[t]), self.stop(i))
        return day_between(self.rng, low, high)

    def at(self, day: int) -> int:
        return business_time(self.rng, day)

    def choice(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def mood(self, level: float) -> str:
        """What an account manager would write after a conversation, given satisfaction."""
        seen = level + self.rng.normal(0.0, 0.08)  # people read moods imperfectly
        if seen > 0.68:
            return self.choice(V.MEETING_GOOD)
        if seen > 0.45:
            return self.choice(V.MEETING_MIXED)
        return self.choice(V.MEETING_BAD)

    def mrr_on(self, i: int, day: int) -> float:
        return sum(
            line.mrr
            for line in self.lines.get(i, [])
            if line.start <= day and (line.end is None or line.end >= day)
        )

    def months(self, i: int) -> range:
        """Months the client went through after its first (the ones with shocks and lifts)."""
        return range(int(self.clients.start_month[i]) + 1, int(self.sat.last_month[i]) + 1)

    # -- the departments

    def lifecycle(self, i: int) -> None:
        """Sales quotes, legal contracts, kickoff and go-live, renewals, and the goodbye."""
        clients, start, stop = self.clients, int(self.clients.start_day[i]), self.stop(i)
        owner = int(self.plan.owner[i, int(clients.start_month[i])])
        contact = self.primary[i]
        if clients.transactional[i]:
            self.add(
                i,
                self.at(start),
                "note",
                "sales",
                self.member("sales"),
                "New account: hardware on 30-day payment terms",
                f"No subscription; orders placed by {contact} as needed.",
            )
        else:
            first_lines = sorted(
                (line for line in self.lines[i] if line.start == start),
                key=lambda line: line.product != V.PLATFORM,  # the Platform line first
            )
            seats = next(line.quantity for line in first_lines if line.product == V.PLATFORM)
            products = ", ".join(line.product for line in first_lines)
            total = sum(line.mrr for line in first_lines)
            self.add(
                i,
                self.at(start - int(self.rng.integers(14, 45))),
                "quote",
                "sales",
                self.member("sales"),
                f"Quote sent: {products}",
                f"Platform for {seats} seats, {euros(total)} a month in total.",
            )
            if clients.term_months[i] == 12:
                subject = "Master services agreement signed"
                body = (
                    "12-month term, renews automatically unless cancelled before the anniversary."
                )
            else:
                subject = "Order form accepted (monthly plan)"
                body = "Monthly plan, cancellable at the end of any month."
            self.add(i, self.at(start), "contract", "legal", self.member("legal"), subject, body)
            sites = int(self.rng.integers(1, 2 + int(self.size[i] * 2)))
            self.add(
                i,
                self.at(start + int(self.rng.integers(2, 9))),
                "meeting",
                "account-management",
                owner,
                "Kickoff meeting",
                f"Rollout plan agreed with {contact}: {sites} site(s), go-live in about a month.",
            )
            go_live = start + int(self.rng.integers(20, 50))
            if go_live < stop:
                self.add(
                    i,
                    self.at(go_live),
                    "milestone",
                    "operations",
                    self.member("operations"),
                    f"Go-live: {seats * 4} sensors online",
                    "Installation signed off by the client's site engineer.",
                )
            if clients.term_months[i] == 12:
                self.renewals(i)
        if self.sat.churned[i]:
            self.goodbye(i)

    def renewals(self, i: int) -> None:
        clients, calendar = self.clients, self.calendar
        for t in self.months(i):
            since = int(calendar.month_numbers[t]) - int(clients.start_calendar_month[i])
            if since % 12:
                continue
            length = int(calendar.full_month_lengths[t])
            day = int(calendar.month_starts[t]) + min(
                int(clients.start_day_of_month[i]), length - 1
            )
            mrr = self.mrr_on(i, day)
            self.add(
                i,
                self.at(day - 45),
                "quote",
                "sales",
                self.member("sales"),
                "Renewal quote sent",
                f"Next 12 months at {euros(mrr)} a month.",
            )
            self.add(
                i,
                self.at(day),
                "contract",
                "legal",
                self.member("legal"),
                "Contract renewed for 12 months",
                f"Renewed at {euros(mrr)} a month.",
            )

    def goodbye(self, i: int) -> None:
        day = int(self.sat.churn_day[i])
        owner = int(self.plan.owner[i, int(self.sat.last_month[i])])
        reason = self.churn_reason[i]
        if self.clients.transactional[i]:
            self.add(i, self.at(day), "note", "account-management", owner, "Account closed", reason)
        elif self.clients.term_months[i] == 12:
            notice = max(int(self.clients.start_day[i]) + 1, day - int(self.rng.integers(30, 75)))
            self.add(
                i,
                self.at(notice),
                "contract",
                "legal",
                self.member("legal"),
                "Termination notice received",
                f"Notice given for the contract's anniversary on {to_date(day):%d %B %Y}.",
            )
            self.add(i, self.at(day), "note", "account-management", owner, "Client lost", reason)
        else:
            self.add(
                i, self.at(day), "call", "account-management", owner, "Cancellation call", reason
            )

    def account_management(self, i: int) -> None:
        """Business reviews (a lift), check-in calls, escalations and sponsor meetings."""
        sat, clients = self.sat, self.clients
        review, contact = LIFTS.index("business_review"), self.primary[i]
        segment = str(clients.segment[i])
        for t in self.months(i):
            owner = int(self.plan.owner[i, t])
            level = float(sat.level[i, t])
            if sat.lifts[i, t, review]:
                subject = "Quarterly business review" if segment != "smb" else "Account review"
                self.add(
                    i,
                    self.at(self.day_in(i, t)),
                    "meeting",
                    "account-management",
                    owner,
                    subject,
                    self.mood(level),
                )
            if self.rng.random() < 0.10 * V.STAFF[owner].diligence * self.size[i]:
                self.add(
                    i,
                    self.at(self.day_in(i, t)),
                    "call",
                    "account-management",
                    owner,
                    f"Check-in call with {contact}",
                    self.mood(level),
                )
            recent = sat.shocks[i, max(0, t - 2) : t + 1].any(axis=0)
            if recent.sum() >= 2 and segment != "smb" and self.rng.random() < 0.6:
                issues = " and ".join(SHOCKS[k].replace("_", " ") for k in np.flatnonzero(recent))
                self.add(
                    i,
                    self.at(self.day_in(i, t)),
                    "meeting",
                    "executive",
                    self.member("executive"),
                    "Executive escalation call",
                    f"Called {contact} about the recent {issues}. Committed to a recovery plan "
                    "with weekly updates.",
                )
            since = int(self.calendar.month_numbers[t]) - int(clients.start_calendar_month[i])
            if segment == "enterprise" and since % 12 == 6:
                self.add(
                    i,
                    self.at(self.day_in(i, t)),
                    "meeting",
                    "executive",
                    self.member("executive"),
                    "Executive sponsor meeting",
                    "Roadmap preview; " + self.mood(level).lower(),
                )

    def support(self, i: int) -> None:
        """Tickets: routine ones, quick resolutions (a lift), unanswered ones (a shock)."""
        rate = 0.1 if self.clients.transactional[i] else 0.2 * self.size[i] ** 1.6
        quick, unanswered = LIFTS.index("quick_resolution"), SHOCKS.index("unanswered_ticket")
        for t in range(int(self.clients.start_month[i]), int(self.sat.last_month[i]) + 1):
            outcomes = ["routine"] * int(self.rng.poisson(rate))
            outcomes += ["quick"] * int(self.sat.lifts[i, t, quick])
            outcomes += ["unanswered"] * int(self.sat.shocks[i, t, unanswered])
            for outcome in outcomes:
                self.tickets.append(
                    _Ticket(i, self.at(self.day_in(i, t)), self.choice(V.TICKET_TOPICS), outcome)
                )

    def product_and_operations(self, i: int) -> None:
        """Defects (a shock) from production or product, feedback, and training (a lift)."""
        defect, training = SHOCKS.index("product_defect"), LIFTS.index("training_session")
        for t in self.months(i):
            if self.sat.shocks[i, t, defect]:
                department, subject = V.DEFECTS[int(self.rng.integers(len(V.DEFECTS)))]
                body = (
                    f"Affects {int(self.rng.integers(2, 30))} of the client's devices; "
                    "replacements shipped."
                    if department == "production"
                    else "Client reported it first; workaround shared, fix in the next release."
                )
                self.add(
                    i,
                    self.at(self.day_in(i, t)),
                    "incident",
                    department,
                    self.member(department),
                    subject,
                    body,
                )
            if self.rng.random() < 0.02 * self.size[i]:
                self.add(
                    i,
                    self.at(self.day_in(i, t)),
                    "note",
                    "product",
                    self.member("product"),
                    "Product feedback",
                    self.choice(V.FEATURE_REQUESTS) + ".",
                )
            if self.sat.lifts[i, t, training]:
                self.add(
                    i,
                    self.at(self.day_in(i, t)),
                    "meeting",
                    "operations",
                    self.member("operations"),
                    "Training session",
                    f"Trained {int(self.rng.integers(3, 20))} technicians on alerts and reports.",
                )

    def marketing(self, i: int) -> None:
        """NPS surveys in March and September: noisy readings of satisfaction."""
        answer = 0.6 if self.clients.segment[i] == "enterprise" else 0.4
        for t in self.months(i):
            month_of_year = int(self.calendar.month_numbers[t]) % 12 + 1
            level = float(self.sat.level[i, t])
            if month_of_year in (3, 9) and self.rng.random() < answer:
                score = int(np.clip(round(10 * level + self.rng.normal(0.0, 1.2)), 0, 10))
                band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
                self.add(
                    i,
                    self.at(self.day_in(i, t)),
                    "survey",
                    "marketing",
                    self.member("marketing"),
                    f"NPS survey: {score} ({band})",
                    self.choice(V.SURVEY_COMMENTS[band]),
                )
            since = int(self.calendar.month_numbers[t]) - int(self.clients.start_calendar_month[i])
            if level > 0.85 and since >= 18 and self.rng.random() < 0.01:
                self.add(
                    i,
                    self.at(self.day_in(i, t)),
                    "milestone",
                    "marketing",
                    self.member("marketing"),
                    "Case study published",
                    f"{self.clients.name[i]} told their story on our blog and at the user day.",
                )

    def billing(self, i: int) -> None:
        """Invoices on the billing schedule, plus an erroneous one for each billing shock."""
        clients, calendar = self.clients, self.calendar
        stop = min(self.stop(i), calendar.end)
        error = SHOCKS.index("billing_error")
        if not clients.transactional[i]:
            period = int(clients.billing_months[i])
            start_month = int(clients.start_calendar_month[i])
            first = max(0, -(-(int(calendar.month_numbers[0]) - start_month) // period))
            for k in range(first, 10_000):
                month = start_month + k * period
                first_day = int(first_days(np.asarray([month]))[0])
                length = int(first_days(np.asarray([month + 1]))[0]) - first_day
                day = first_day + min(int(clients.start_day_of_month[i]), length - 1)
                if day >= stop:
                    break
                amount = self.mrr_on(i, day) * period
                self.invoices.append(_Invoice(i, day, amount, period, error=False))
        for t in self.months(i):
            if self.sat.shocks[i, t, error]:
                day = self.day_in(i, t)
                amount = self.mrr_on(i, day) or float(clients.weight[i]) * BASE_MRR
                self.invoices.append(_Invoice(i, day, amount, 1, error=True))

    # -- entries for documents numbered in time order

    def write_orders(self) -> None:
        for order in self.orders:
            i = order.client
            self.add(
                i,
                order.placed_us,
                "order",
                "shipping",
                self.member("shipping"),
                f"Order {order.number}",
                f"{order.items}; {euros(order.amount)}.",
            )
            carrier = self.choice(V.CARRIERS)
            if order.delivered_us is None:
                if order.late_days:
                    self.add(
                        i,
                        order.placed_us + 6 * DAY_US,
                        "incident",
                        "shipping",
                        self.member("shipping"),
                        f"{order.number} overdue",
                        f"{carrier} reports a delay at the hub; no new delivery date yet.",
                    )
            elif order.late_days:
                self.add(
                    i,
                    order.delivered_us,
                    "incident",
                    "shipping",
                    self.member("shipping"),
                    f"Late delivery: {order.number} arrived {order.late_days} days late",
                    f"Shipped with {carrier}; held up at the hub. {self.primary[i]} complained.",
                )
                if self.rng.random() < 0.4:
                    self.add(
                        i,
                        order.placed_us + DAY_US,
                        "note",
                        "procurement",
                        self.member("procurement"),
                        f"Supplier delay holds up {order.number}",
                        "Component supplier missed its date; expediting.",
                    )
            elif order.wrong:
                self.add(
                    i,
                    order.delivered_us,
                    "incident",
                    "shipping",
                    self.member("shipping"),
                    f"Wrong items delivered on {order.number}",
                    "Picking error at the warehouse; replacement shipped, pickup arranged.",
                )
                self.add(
                    i,
                    order.delivered_us + int(self.rng.integers(3, 7)) * DAY_US,
                    "delivery",
                    "shipping",
                    self.member("shipping"),
                    f"Replacement for {order.number} delivered",
                    f"Delivered by {carrier}.",
                )
            else:
                self.add(
                    i,
                    order.delivered_us,
                    "delivery",
                    "shipping",
                    self.member("shipping"),
                    f"{order.number} delivered",
                    f"Delivered by {carrier} on schedule.",
                )

    def write_tickets(self) -> None:
        numbers = number_in_time_order(self.rng, [t.opened_us for t in self.tickets], 40_000)
        for ticket, number in zip(self.tickets, numbers, strict=True):
            if ticket.outcome == "quick":
                minutes = int(self.rng.integers(15, 90))
                body = f"Resolved in {minutes} minutes; {self.primary[ticket.client]} thanked the team."
            elif ticket.outcome == "unanswered":
                body = (
                    f"No reply for {int(self.rng.integers(8, 25))} days; the client chased "
                    "twice before anyone picked it up."
                )
            else:
                hours = int(np.ceil(self.rng.lognormal(2.5, 0.8)))
                body = (
                    f"Resolved in {hours} hours."
                    if hours < 48
                    else f"Resolved in {hours // 24} days."
                )
            self.add(
                ticket.client,
                ticket.opened_us,
                "ticket",
                "support",
                self.member("support"),
                f"#{number} {ticket.topic}",
                body,
            )

    def write_invoices(self) -> None:
        numbers = number_in_time_order(self.rng, [inv.day for inv in self.invoices], 20_000)
        period_name = {1: "Monthly", 3: "Quarterly", 12: "Annual"}
        for invoice, number in zip(self.invoices, numbers, strict=True):
            i, reference = invoice.client, f"INV-{number:06d}"
            if invoice.error:
                seats = max(3, round(float(self.clients.weight[i]) * 1.3))
                problem = self.choice(V.BILLING_ERRORS).format(high=seats + 15, low=seats)
                self.add(
                    i,
                    self.at(invoice.day),
                    "incident",
                    "billing",
                    self.member("billing"),
                    f"Billing error on {reference}",
                    problem,
                )
                self.add(
                    i,
                    self.at(invoice.day + int(self.rng.integers(5, 21))),
                    "invoice",
                    "billing",
                    self.member("billing"),
                    f"Credit note for {reference}",
                    f"Credit of {euros(invoice.amount)} issued.",
                )
                continue
            self.add(
                i,
                self.at(invoice.day),
                "invoice",
                "billing",
                self.member("billing"),
                f"Invoice {reference}: {euros(invoice.amount)}",
                f"{period_name[invoice.billing_months]} subscription in advance, due in 30 days.",
            )
            t = int(np.searchsorted(self.calendar.month_starts, invoice.day, side="right")) - 1
            level = float(self.sat.level[i, min(max(t, 0), int(self.sat.last_month[i]))])
            if np.isnan(level):
                level = float(self.clients.baseline[i])
            if self.rng.random() < 0.03 + 0.3 * (1 - level) ** 2:
                late = int(self.rng.integers(5, 40))
                self.add(
                    i,
                    self.at(invoice.day + 30 + late),
                    "payment",
                    "billing",
                    self.member("billing"),
                    f"Payment for {reference} received {late} days late",
                    "Two reminders sent.",
                )
            elif invoice.billing_months >= 3:
                self.add(
                    i,
                    self.at(invoice.day + int(self.rng.integers(10, 30))),
                    "payment",
                    "billing",
                    self.member("billing"),
                    f"Payment received for {reference}",
                )

    def write_handoffs_and_changes(self) -> None:
        for row in self.ownership:
            if row.role == "owner" and row.previous is not None:
                old, new = V.STAFF[row.previous].full_name, V.STAFF[row.new].full_name
                self.add(
                    row.client,
                    row.changed_us,
                    "handoff",
                    "account-management",
                    row.new,
                    f"Handover from {old} to {new}",
                    row.note,
                )
        for change in self.changes:
            i = change.client
            t = int(np.searchsorted(self.calendar.month_starts, change.day, side="right")) - 1
            owner = int(self.plan.owner[i, t])
            money = euros(abs(change.mrr_delta))
            subject, body = {
                "added": (f"Added {change.product} (+{money} a month)", "Expanding their use."),
                "removed": (f"Cancelled {change.product} (-{money} a month)", "Cutting costs."),
                "seats_up": (
                    f"Platform seats {change.before} → {change.after} (+{money} a month)",
                    "Rolling out to more sites.",
                ),
                "seats_down": (
                    f"Platform seats {change.before} → {change.after} (-{money} a month)",
                    "Fewer technicians on the platform.",
                ),
            }[change.change]
            self.add(
                i, self.at(change.day), "subscription", "account-management", owner, subject, body
            )

    def build(self) -> list[TimelineRow]:
        for i in range(self.clients.n):
            self.lifecycle(i)
            self.account_management(i)
            self.support(i)
            self.product_and_operations(i)
            self.marketing(i)
            self.billing(i)
        self.write_orders()
        self.write_tickets()
        self.write_invoices()
        self.write_handoffs_and_changes()
        self.rows.sort(key=lambda r: (r.client, r.occurred_us, r.kind, r.subject))
        return self.rows


def generate_timeline(
    rng: np.random.Generator,
    clients: Clients,
    calendar: Calendar,
    sat: Satisfaction,
    plan: OwnershipPlan,
    contacts: list[ContactRow],
    subscriptions: list[SubscriptionRow],
    changes: list[SubscriptionChange],
    orders: list[Order],
    ownership: list[OwnershipRow],
    churn_reason: list[str],
) -> list[TimelineRow]:
    """Timeline entries from all twelve departments (see ``TimelineBuilder``)."""
    return TimelineBuilder(
        rng,
        clients,
        calendar,
        sat,
        plan,
        contacts,
        subscriptions,
        changes,
        orders,
        ownership,
        churn_reason,
    ).build()
