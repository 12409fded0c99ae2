"""Generate the demo company from a seed: pure numpy, no database.

The story: Brightwell Instruments makes industrial sensors and gateways and sells
a monitoring platform by subscription; some clients only buy hardware, order by
order, without a contract. About 25 people in twelve departments serve them.

Churn is never a random label. Every client carries a hidden satisfaction
``s_t`` in [0, 1] that evolves month by month as a mean-reverting random walk,
pushed down by shocks (a late or wrong delivery, a billing error, a ticket left
unanswered, a product defect, a change of account manager) and lifted by good
service (business reviews, quick ticket resolutions, training). Shocks also
erode the level the client reverts to: trust, once lost, comes back slowly.
Only at plausible moments (an annual contract's renewal, any month for monthly
and contract-less clients) does the client decide whether to stay, with a churn
probability that is a logistic function of low satisfaction. What a user of the
product sees only reflects the hidden state, noisily: usage falls as
satisfaction falls, every shock leaves the timeline entries a department would
write, owner changes leave ``OwnershipChange`` rows, survey scores are noisy
readings of satisfaction. The truth is returned too (``ClientTruth``) so that
tests and analyses can be checked against it.

The steps, each a function below, in the order they run:
calendar, clients, ownership plan, satisfaction, subscriptions, orders and
transactions, contacts, usage, timeline, truth.

Deterministic: the same ``(clients, seed, as_of)`` gives the same company.
Each step draws from its own child of ``numpy.random.default_rng(seed)``, so a
change to one step's draws does not reshuffle the others.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from retain.demo import vocabulary as V
from retain.demo.records import (
    BASE_MRR,
    DAY_US,
    LIFTS,
    SHOCKS,
    BoolArray,
    Calendar,
    Clients,
    ContactRow,
    DemoCompany,
    FloatArray,
    IntArray,
    Order,
    OwnerMove,
    OwnershipPlan,
    OwnershipRow,
    Satisfaction,
    SubscriptionChange,
    SubscriptionRow,
    TransactionRow,
    TruthRow,
    Usage,
    business_time,
    day_between,
    day_number,
    first_days,
    months_of,
    number_in_time_order,
)
from retain.demo.timeline import generate_timeline

HISTORY_MONTHS = 36

# Revenue: a Pareto law truncated to [1, REVENUE_MAX], so the top fifth of the
# clients brings about four fifths of the MRR (the 80/20 of B2B revenue) without
# one giant draw dominating a small demo (``records.BASE_MRR`` turns it into euros).
REVENUE_ALPHA = 0.9
REVENUE_MAX = 1000.0

LEGACY_SHARE = 0.3  # clients who were already clients when the history starts
TRANSACTIONAL_SHARE = 0.15  # of non-enterprise clients: buy order by order, no contract

# The hidden satisfaction process (monthly steps).
REVERSION = 0.15  # pull towards the client's own level each month
NOISE = 0.035  # month-to-month wobble nobody can explain
SCAR = 0.35  # share of a shock's damage that also lowers the level reverted to
HEAL = 0.10  # share of a lift that raises that level
# shock -> (monthly rate before exposure, effect on satisfaction, exposure it scales with)
SHOCK_MODEL: dict[str, tuple[float, float, str]] = {
    "late_delivery": (0.030, -0.10, "shipping"),
    "wrong_delivery": (0.012, -0.13, "shipping"),
    "billing_error": (0.014, -0.09, "billing"),
    "unanswered_ticket": (0.018, -0.13, "support"),
    "product_defect": (0.012, -0.12, "product"),
    "owner_change": (0.0, -0.12, ""),  # comes from the ownership plan, not drawn here
}
LIFT_EFFECT = {"business_review": 0.05, "quick_resolution": 0.025, "training_session": 0.03}
# Churn hazard at a decision point: h = H_MAX / (1 + exp((s - THRESHOLD) / SPREAD)).
HAZARD = {  # kind of client -> (H_MAX, THRESHOLD, SPREAD)
    "annual": (0.9, 0.42, 0.05),
    "monthly": (0.22, 0.40, 0.05),
    "transactional": (0.18, 0.45, 0.05),
}
# Bigger clients have more invested (integrations, trained staff): they put up with more.
SWITCHING_COST = {"enterprise": 0.08, "mid-market": 0.03, "smb": 0.0}
DRIVER_WINDOW = 6  # months before churn in which the main driver is looked for


def _pick(rng: np.random.Generator, candidates: list[int], exclude: set[int]) -> int:
    choices = [c for c in candidates if c not in exclude]
    return choices[int(rng.integers(len(choices)))]


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------------------
# 1. Calendar


def build_calendar(as_of: date) -> Calendar:
    """The 36 months (plus the current, partial one) before ``as_of``."""
    end_day = day_number(as_of)
    this_month = int(months_of([end_day])[0])
    days = first_days(np.arange(this_month - HISTORY_MONTHS, this_month + 1))
    # On the 1st of a month the current month has no history yet.
    return Calendar(as_of=as_of, month_starts=days[days < end_day], end=end_day)


# ---------------------------------------------------------------------------
# 2. Clients


def revenue_weights(rng: np.random.Generator, n: int) -> FloatArray:
    """Stratified draws from a Pareto law truncated to ``[1, REVENUE_MAX]``.

    One uniform draw in each of ``n`` equal strata (then shuffled) instead of
    ``n`` independent draws: the shape of the distribution, and so the 80/20
    split, is then stable even for a 100-client demo. Inverse CDF of the bounded
    Pareto: ``x = (-(u H^a - u L^a - H^a) / (H^a L^a)) ** (-1/a)``.
    """
    u = (rng.permutation(n) + rng.random(n)) / n
    low_a, high_a = 1.0, REVENUE_MAX**REVENUE_ALPHA
    return np.asarray(
        (-(u * high_a - u * low_a - high_a) / (high_a * low_a)) ** (-1 / REVENUE_ALPHA)
    )


def _company_names(
    rng: np.random.Generator, industries: list[str], countries: list[str]
) -> tuple[list[str], list[str]]:
    """Unique, real-sounding names ("Cedar Foods GmbH") and their .example domains."""
    names: list[str] = []
    domains: list[str] = []
    used: set[str] = set()
    for i, (industry, country) in enumerate(zip(industries, countries, strict=True)):
        cores = V.INDUSTRIES[industry]
        base = ""
        for _attempt in range(30):
            candidate = (
                f"{V.NAME_PREFIXES[int(rng.integers(len(V.NAME_PREFIXES)))]} "
                f"{cores[int(rng.integers(len(cores)))]}"
            )
            if candidate not in used:
                base = candidate
                break
        if not base:  # only for very large demos: the word lists are exhausted
            base = f"{candidate} {i + 1}"
        used.add(base)
        forms = V.COUNTRIES[country][1]
        names.append(f"{base} {forms[int(rng.integers(len(forms)))]}")
        domains.append(f"{V.ascii_slug(base, '-')}.example")
    return names, domains


def generate_clients(rng: np.random.Generator, n: int, calendar: Calendar) -> Clients:
    """Who the clients are: size, segment, industry, country, start, and hidden traits."""
    # Cohorts: some clients predate the history; the rest join at a growing pace.
    legacy = rng.random(n) < LEGACY_SHARE
    months = np.arange(calendar.months)
    growth = np.exp(0.02 * months)
    join_month = rng.choice(months, size=n, p=growth / growth.sum())
    month_length = calendar.month_stops - calendar.month_starts
    joined = calendar.month_starts[join_month] + np.floor(
        rng.random(n) * month_length[join_month]
    ).astype(np.int64)
    older = calendar.start - rng.integers(20, 6 * 365, size=n)
    start_day = np.sort(np.where(legacy, older, joined))
    start_month = np.clip(
        np.searchsorted(calendar.month_starts, start_day, side="right") - 1, 0, None
    )

    weight = revenue_weights(rng, n)
    rank = np.argsort(np.argsort(-weight, kind="stable"), kind="stable")  # 0 = largest
    segment = np.where(
        rank < round(0.08 * n), "enterprise", np.where(rank < round(0.35 * n), "mid-market", "smb")
    )
    enterprise, smb = segment == "enterprise", segment == "smb"
    transactional = ~enterprise & (rng.random(n) < TRANSACTIONAL_SHARE)
    annual = ~transactional & (~smb | (rng.random(n) < 0.5))
    term_months = np.where(annual, 12, 1)
    billing_months = np.where(
        enterprise,
        np.where(rng.random(n) < 0.6, 12, 3),
        np.where(segment == "mid-market", np.where(rng.random(n) < 0.7, 3, 12), term_months),
    )

    industry_names = list(V.INDUSTRIES)
    industry_p = np.asarray(V.INDUSTRY_WEIGHTS) / sum(V.INDUSTRY_WEIGHTS)
    industries = [industry_names[i] for i in rng.choice(len(industry_names), size=n, p=industry_p)]
    country_codes = list(V.COUNTRIES)
    country_p = np.asarray([V.COUNTRIES[c][0] for c in country_codes])
    countries = [
        country_codes[i]
        for i in rng.choice(len(country_codes), size=n, p=country_p / country_p.sum())
    ]
    names, domains = _company_names(rng, industries, countries)

    # Hidden traits. Enterprise clients get a bit more goodwill (a sponsor, a project).
    baseline = np.clip(rng.beta(10.0, 4.0, n) + np.where(enterprise, 0.05, 0.0), 0.05, 0.95)
    exposure = {
        "shipping": rng.lognormal(0.0, 0.6, n) * np.where(transactional, 1.6, 1.0),
        "billing": rng.lognormal(0.0, 0.5, n),
        "support": rng.lognormal(0.0, 0.5, n),
        "product": rng.lognormal(0.0, 0.5, n),
    }
    return Clients(
        external_id=[f"C{i + 1:05d}" for i in range(n)],
        name=names,
        domain=domains,
        segment=segment,
        industry=industries,
        country=countries,
        weight=weight,
        start_day=start_day,
        start_month=start_month,
        start_calendar_month=months_of(start_day),
        start_day_of_month=start_day - first_days(months_of(start_day)),
        transactional=transactional,
        term_months=term_months,
        billing_months=billing_months,
        baseline=baseline,
        exposure=exposure,
        usage_propensity=rng.lognormal(0.0, 0.35, n),
    )


# ---------------------------------------------------------------------------
# 3. Ownership plan


def plan_ownership(rng: np.random.Generator, clients: Clients, calendar: Calendar) -> OwnershipPlan:
    """Assign owners and backups, then plan the moves: one account manager leaves
    about 14 months before the end, and a few clients move in portfolio rebalancing.

    Planned before satisfaction is simulated because moves are a cause (a shock),
    not a consequence; moves after a client churned are dropped later.
    """
    n, months = clients.n, calendar.months
    leave_month = months - 14
    leave_day = int(calendar.month_starts[leave_month]) + 9
    without_leaver = [m for m in V.ACCOUNT_MANAGERS if m != V.LEAVER]
    joins_late = clients.start_month >= leave_month - 1  # never given to the leaver

    owner_now = np.empty(n, dtype=np.int64)
    backup_now = np.empty(n, dtype=np.int64)
    for i in range(n):
        if clients.segment[i] == "enterprise":
            owner_now[i] = V.KEY_ACCOUNT_MANAGERS[int(rng.choice(3, p=[0.45, 0.25, 0.30]))]
        else:
            pool = [m for m in V.PORTFOLIO_MANAGERS if not (joins_late[i] and m == V.LEAVER)]
            owner_now[i] = pool[int(rng.integers(len(pool)))]
        exclude = {int(owner_now[i])} | ({V.LEAVER} if joins_late[i] else set())
        backup_now[i] = _pick(rng, V.ACCOUNT_MANAGERS, exclude)

    owner = np.empty((n, months), dtype=np.int64)
    backup = np.empty((n, months), dtype=np.int64)
    moves: list[OwnerMove] = []
    for t in range(months):
        month_start, month_stop = int(calendar.month_starts[t]), int(calendar.month_stops[t])
        if t == leave_month:
            for i in np.flatnonzero(owner_now == V.LEAVER).tolist():
                old_backup = int(backup_now[i])
                if old_backup != V.LEAVER and rng.random() < 0.5:
                    new_owner = old_backup  # the backup knows the client: they take over
                    new_backup = _pick(rng, without_leaver, {new_owner})
                else:
                    new_owner = _pick(rng, V.PORTFOLIO_MANAGERS, {V.LEAVER, old_backup})
                    new_backup = old_backup
                moves.append(OwnerMove(i, t, leave_day, "owner", V.LEAVER, new_owner, "leaver"))
                if new_backup != old_backup:
                    moves.append(
                        OwnerMove(i, t, leave_day, "backup", old_backup, new_backup, "leaver")
                    )
                owner_now[i], backup_now[i] = new_owner, new_backup
            for i in np.flatnonzero(backup_now == V.LEAVER).tolist():
                new_backup = _pick(rng, without_leaver, {int(owner_now[i])})
                moves.append(OwnerMove(i, t, leave_day, "backup", V.LEAVER, new_backup, "leaver"))
                backup_now[i] = new_backup
        # Rebalancing: rare, and never in a client's first quarter.
        rebalance = (rng.random(n) < 0.005) & (t >= clients.start_month + 3)
        # In the leaver's month, after the leaver's handovers, so the history stays in order.
        earliest = leave_day + 1 if t == leave_month else month_start
        for i in np.flatnonzero(rebalance).tolist():
            day = day_between(rng, earliest, month_stop)
            old_owner, old_backup = int(owner_now[i]), int(backup_now[i])
            gone = {V.LEAVER} if t >= leave_month else set()
            if old_owner not in gone and rng.random() < 0.3:
                moves.append(OwnerMove(i, t, day, "owner", old_owner, old_backup, "takeover"))
                moves.append(OwnerMove(i, t, day, "backup", old_backup, old_owner, "takeover"))
                owner_now[i], backup_now[i] = old_backup, old_owner
            else:
                new_owner = _pick(rng, V.PORTFOLIO_MANAGERS, {old_owner, old_backup} | gone)
                moves.append(OwnerMove(i, t, day, "owner", old_owner, new_owner, "rebalance"))
                owner_now[i] = new_owner
        owner[:, t] = owner_now
        backup[:, t] = backup_now
    return OwnershipPlan(owner=owner, backup=backup, moves=moves, leave_month=leave_month)


# ---------------------------------------------------------------------------
# 4. The hidden satisfaction process


def _decision_days(
    rng: np.random.Generator, clients: Clients, calendar: Calendar, t: int
) -> tuple[BoolArray, IntArray]:
    """Which clients decide whether to stay in month ``t``, and on which day.

    Annual contracts decide at their anniversary; monthly contracts and
    contract-less clients may leave any month from their third.
    """
    month_start, month_stop = int(calendar.month_starts[t]), int(calendar.month_stops[t])
    since = int(calendar.month_numbers[t]) - clients.start_calendar_month
    full_length = int(calendar.full_month_lengths[t])
    anniversary = month_start + np.minimum(clients.start_day_of_month, full_length - 1)
    any_day = month_start + np.floor(rng.random(clients.n) * (month_stop - month_start)).astype(
        np.int64
    )
    annual = clients.term_months == 12
    at_renewal = (since >= 12) & (since % 12 == 0) & (anniversary < calendar.end)
    return np.where(annual, at_renewal, since >= 2), np.where(annual, anniversary, any_day)


def churn_hazard(level: FloatArray, clients: Clients) -> FloatArray:
    """Probability of leaving at a decision point: logistic in low satisfaction."""
    kind = np.where(
        clients.transactional,
        "transactional",
        np.where(clients.term_months == 12, "annual", "monthly"),
    )
    tolerance = np.asarray([SWITCHING_COST[str(s)] for s in clients.segment])
    hazard = np.zeros(clients.n)
    for name, (h_max, threshold, spread) in HAZARD.items():
        mask = kind == name
        hazard[mask] = h_max * _sigmoid((threshold - tolerance[mask] - level[mask]) / spread)
    return hazard


def simulate_satisfaction(
    rng: np.random.Generator, clients: Clients, calendar: Calendar, plan: OwnershipPlan
) -> Satisfaction:
    """Run the hidden monthly process for every client at once.

    Month ``t``: first, clients who already existed decide at their decision
    points, on the satisfaction they bring into the month; then shocks and lifts
    hit those who stay:
    ``s_t = s_{t-1} + REVERSION (r - s_{t-1}) + N(0, NOISE) + effects``, clipped
    to [0, 1], where ``r`` is the level the client reverts to (its baseline, worn
    down by ``SCAR`` of every shock's damage and restored by ``HEAL`` of every
    lift). A client's first month holds its initial satisfaction.
    """
    n, months = clients.n, calendar.months
    level = np.full((n, months), np.nan)
    shocks = np.zeros((n, months, len(SHOCKS)), dtype=bool)
    lifts = np.zeros((n, months, len(LIFTS)), dtype=bool)
    churn_month = np.full(n, -1, dtype=np.int64)
    churn_day = np.full(n, -1, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    reverts_to = clients.baseline.copy()
    initial = np.clip(reverts_to + rng.normal(0.0, 0.06, n), 0.05, 0.98)

    size = np.select(
        [clients.segment == "enterprise", clients.segment == "mid-market"], [2.0, 1.4], 1.0
    )
    drawn = [k for k in SHOCKS if k != "owner_change"]
    rates = np.stack(
        [SHOCK_MODEL[k][0] * clients.exposure[SHOCK_MODEL[k][2]] * size for k in drawn], axis=1
    )
    shock_effect = np.asarray([SHOCK_MODEL[k][1] for k in SHOCKS])
    lift_effect = np.asarray([LIFT_EFFECT[k] for k in LIFTS])
    owner_moved = np.zeros((n, months), dtype=bool)
    for move in plan.moves:
        if move.role == "owner":
            owner_moved[move.client, move.month] = True
    diligence = np.asarray([s.diligence for s in V.STAFF])
    review_every = np.where(clients.transactional | (clients.segment == "smb"), 6, 3)
    review_chance = np.select(
        [clients.transactional, clients.segment == "enterprise", clients.segment == "mid-market"],
        [0.15, 0.95, 0.75],
        0.35,
    )

    for t in range(months):
        since = int(calendar.month_numbers[t]) - clients.start_calendar_month
        existed = alive & (clients.start_month < t)
        if t > 0:
            decides, day = _decision_days(rng, clients, calendar, t)
            previous = np.nan_to_num(level[:, t - 1], nan=1.0)
            leaves = existed & decides & (rng.random(n) < churn_hazard(previous, clients))
            churn_month[leaves], churn_day[leaves] = t, day[leaves]
            alive &= ~leaves
        stays = alive & (clients.start_month < t)

        month_shocks = np.zeros((n, len(SHOCKS)), dtype=bool)
        month_shocks[:, : len(drawn)] = rng.random((n, len(drawn))) < rates
        month_shocks[:, SHOCKS.index("owner_change")] = owner_moved[:, t]
        month_shocks &= stays[:, None]
        month_lifts = np.zeros((n, len(LIFTS)), dtype=bool)
        review_due = (since > 0) & (since % review_every == 0)
        # Reviews happen when they are due and the owner is diligent enough to hold them.
        month_lifts[:, LIFTS.index("business_review")] = review_due & (
            rng.random(n) < review_chance * diligence[plan.owner[:, t]]
        )
        month_lifts[:, LIFTS.index("quick_resolution")] = rng.random(n) < 0.05 * size
        # Training is for platform users; contract-less clients only buy hardware.
        month_lifts[:, LIFTS.index("training_session")] = (
            rng.random(n) < np.where(since < 12, 0.06, 0.02)
        ) & ~clients.transactional
        month_lifts &= stays[:, None]
        shocks[:, t], lifts[:, t] = month_shocks, month_lifts

        damage = month_shocks.astype(float) @ shock_effect
        boost = month_lifts.astype(float) @ lift_effect
        if t > 0:
            previous = level[:, t - 1]
            moved = (
                previous
                + REVERSION * (reverts_to - previous)
                + rng.normal(0.0, NOISE, n)
                + damage
                + boost
            )
            level[stays, t] = np.clip(moved[stays], 0.0, 1.0)
            reverts_to[stays] = np.clip(
                reverts_to[stays] + SCAR * damage[stays] + HEAL * boost[stays], 0.05, 0.95
            )
        starting = alive & (clients.start_month == t)
        level[starting, t] = initial[starting]

    churned = churn_month >= 0
    last_month = np.where(churned, churn_month - 1, months - 1)
    driver = [""] * n
    for i in np.flatnonzero(churned).tolist():
        window = slice(max(0, int(churn_month[i]) - DRIVER_WINDOW), int(churn_month[i]))
        harm = shocks[i, window].sum(axis=0) * -shock_effect
        driver[i] = SHOCKS[int(np.argmax(harm))] if harm.max() > 0 else "drift"
    return Satisfaction(
        level=level,
        shocks=shocks,
        lifts=lifts,
        churn_month=churn_month,
        churn_day=churn_day,
        last_month=last_month,
        driver=driver,
    )


# ---------------------------------------------------------------------------
# 5. Subscriptions: the contract, then upgrades and downgrades driven by satisfaction

# Add-on -> chance of buying it at the start, by segment (enterprise, mid-market, smb).
INITIAL_ADD_ON_CHANCE = {
    "Support plan": (0.9, 0.6, 0.2),
    "Analytics add-on": (0.7, 0.45, 0.2),
    "Integrations": (0.7, 0.35, 0.08),
    "Device fleet lease": (0.5, 0.35, 0.15),
}
EXPAND_ABOVE, EXPAND_CHANCE = 0.72, 0.04  # happy clients sometimes buy more
SHRINK_BELOW, SHRINK_CHANCE = 0.45, 0.05  # unhappy ones cut back before they leave


class _OpenLines:
    """One client's running subscription lines while its history is generated."""

    def __init__(
        self, client: int, billing: int, discount: float, rows: list[SubscriptionRow]
    ) -> None:
        self.client, self.billing, self.discount, self.rows = client, billing, discount, rows
        self.running: dict[str, tuple[int, float, int]] = {}  # product -> (start, mrr, quantity)

    def start(self, product: str, day: int, mrr: float, quantity: int) -> None:
        self.running[product] = (day, round(mrr, 2), quantity)

    def end(self, product: str, last_day: int | None) -> None:
        """Close ``product``'s line on ``last_day`` (None: still running at the end)."""
        day, mrr, quantity = self.running.pop(product)
        self.rows.append(
            SubscriptionRow(
                self.client, product, day, last_day, mrr, quantity, self.billing, self.discount
            )
        )


def generate_subscriptions(
    rng: np.random.Generator, clients: Clients, calendar: Calendar, sat: Satisfaction
) -> tuple[list[SubscriptionRow], list[SubscriptionChange]]:
    """Subscription lines for every client with a contract.

    Each starts with a Platform line (seats at list price less the client's
    discount) and some add-ons sized on its revenue weight. From the fourth month,
    a satisfied client may add an add-on or seats, an unsatisfied one may drop an
    add-on or seats; a replaced line ends the day before its successor starts.
    Churn ends every running line the day before ``churned_on``.
    """
    rows: list[SubscriptionRow] = []
    changes: list[SubscriptionChange] = []
    for i in (int(x) for x in np.flatnonzero(~clients.transactional)):
        segment = V.SEGMENTS.index(str(clients.segment[i]))
        base = BASE_MRR * float(clients.weight[i])
        discount = (
            round(rng.uniform(10, 25) * 2) / 2,
            float(round(rng.uniform(0, 12))),
            5.0 if rng.random() < 0.3 else 0.0,
        )[segment]
        factor = 1 - discount / 100
        lines = _OpenLines(i, int(clients.billing_months[i]), discount, rows)

        def add_on_terms(
            add_on: str, seats: int, base: float = base, factor: float = factor
        ) -> tuple[float, int]:
            quantity = seats * 4 if add_on == "Device fleet lease" else 1
            return max(49.0, round(V.ADD_ONS[add_on] * base * factor)), quantity

        seats = max(3, round(0.6 * base / V.PLATFORM_SEAT_PRICE))
        start = int(clients.start_day[i])
        lines.start(V.PLATFORM, start, seats * V.PLATFORM_SEAT_PRICE * factor, seats)
        for add_on, chance in INITIAL_ADD_ON_CHANCE.items():
            if rng.random() < chance[segment]:
                lines.start(add_on, start, *add_on_terms(add_on, seats))

        for t in range(int(clients.start_month[i]) + 3, int(sat.last_month[i]) + 1):
            level, roll = sat.level[i, t], rng.random()
            month_start, month_stop = int(calendar.month_starts[t]), int(calendar.month_stops[t])
            day = month_start + int(rng.random() * (month_stop - month_start))
            _, old_mrr, old_seats = lines.running[V.PLATFORM]
            add_ons = [a for a in lines.running if a != V.PLATFORM]
            if level > EXPAND_ABOVE and roll < EXPAND_CHANCE:
                missing = [a for a in V.ADD_ONS if a not in lines.running]
                if missing and rng.random() < 0.6:
                    add_on = missing[int(rng.integers(len(missing)))]
                    mrr, quantity = add_on_terms(add_on, old_seats)
                    lines.start(add_on, day, mrr, quantity)
                    changes.append(SubscriptionChange(i, day, add_on, "added", 0, quantity, mrr))
                    continue
                seats = max(old_seats + 1, round(old_seats * rng.uniform(1.15, 1.5)))
                change = "seats_up"
            elif level < SHRINK_BELOW and roll < SHRINK_CHANCE:
                if add_ons and rng.random() < 0.6:
                    add_on = add_ons[int(rng.integers(len(add_ons)))]
                    _, mrr, quantity = lines.running[add_on]
                    lines.end(add_on, day - 1)
                    changes.append(SubscriptionChange(i, day, add_on, "removed", quantity, 0, -mrr))
                    continue
                if old_seats <= 3:
                    continue
                seats = max(3, round(old_seats * rng.uniform(0.6, 0.85)))
                change = "seats_down"
            else:
                continue
            # A new seat count is a new Platform line; the old one ends the day before.
            lines.end(V.PLATFORM, day - 1)
            lines.start(V.PLATFORM, day, seats * V.PLATFORM_SEAT_PRICE * factor, seats)
            delta = lines.running[V.PLATFORM][1] - old_mrr
            changes.append(SubscriptionChange(i, day, V.PLATFORM, change, old_seats, seats, delta))

        last_day = int(sat.churn_day[i]) - 1 if sat.churned[i] else None
        for product in list(lines.running):
            lines.end(product, last_day)
    rows.sort(key=lambda r: (r.client, r.start, r.product))
    return rows, changes


# ---------------------------------------------------------------------------
# 6. Hardware orders, and the transactions of clients who buy without a contract


def _items(rng: np.random.Generator, amount: float) -> str:
    """A plausible order line for roughly ``amount`` euros of hardware."""
    picks = rng.choice(len(V.HARDWARE), size=int(rng.integers(1, 4)), replace=False)
    parts = []
    for pick in sorted(int(p) for p in picks):
        unit_price = (180, 260, 640, 320, 410, 150, 40, 60)[pick]
        quantity = max(1, round(amount / len(picks) / unit_price))
        parts.append(f"{quantity} x {V.HARDWARE[pick]}")
    return ", ".join(parts)


def generate_orders(
    rng: np.random.Generator, clients: Clients, calendar: Calendar, sat: Satisfaction
) -> list[Order]:
    """Hardware orders: routine ones, plus one for every delivery shock.

    A late-delivery shock is an order that arrives 6-21 days late; a wrong-items
    shock is an order delivered with the wrong items. Contract-less clients order
    more often the happier they are.
    """
    late_k, wrong_k = SHOCKS.index("late_delivery"), SHOCKS.index("wrong_delivery")
    routine = {"enterprise": 0.35, "mid-market": 0.2, "smb": 0.08}
    orders: list[Order] = []
    for i in range(clients.n):
        weight = float(clients.weight[i])
        stop = int(sat.churn_day[i]) if sat.churned[i] else calendar.end
        for t in range(int(clients.start_month[i]), int(sat.last_month[i]) + 1):
            low = max(int(calendar.month_starts[t]), int(clients.start_day[i]))
            high = min(int(calendar.month_stops[t]), stop)
            if clients.transactional[i]:
                chance = 0.35 + 0.5 * float(sat.level[i, t])
            else:
                chance = routine[str(clients.segment[i])]
            kinds = ["late"] * int(sat.shocks[i, t, late_k]) + ["wrong"] * int(
                sat.shocks[i, t, wrong_k]
            )
            if rng.random() < chance:
                kinds.append("routine")
            for kind in kinds:
                placed = business_time(rng, day_between(rng, low, high))
                scale = rng.uniform(1.5, 4.0) if clients.transactional[i] else rng.uniform(0.4, 1.5)
                amount = round(BASE_MRR * weight * scale, 2)
                late_days = int(rng.integers(6, 22)) if kind == "late" else 0
                delivered = placed + (int(rng.integers(2, 6)) + late_days) * DAY_US
                orders.append(
                    Order(
                        client=i,
                        placed_us=placed,
                        amount=amount,
                        items=_items(rng, amount),
                        late_days=late_days,
                        wrong=kind == "wrong",
                        # Past the last day of history it is still on its way.
                        delivered_us=delivered if delivered < calendar.end * DAY_US else None,
                    )
                )
    numbers = number_in_time_order(rng, [o.placed_us for o in orders], 100_000)
    for order, number in zip(orders, numbers, strict=True):
        order.number = f"SO-{number:06d}"
    return orders


def generate_transactions(
    rng: np.random.Generator, clients: Clients, calendar: Calendar, orders: list[Order]
) -> list[TransactionRow]:
    """One transaction per order of a contract-less client, and a credit for wrong items."""
    rows: list[TransactionRow] = []
    for order in orders:
        if not clients.transactional[order.client]:
            continue
        rows.append(TransactionRow(order.client, order.placed_us, order.amount, order.number))
        if order.wrong and order.delivered_us is not None:
            credited = order.delivered_us + int(rng.integers(3, 11)) * DAY_US
            if credited < calendar.end * DAY_US:
                credit = -round(order.amount * rng.uniform(0.3, 1.0), 2)
                rows.append(TransactionRow(order.client, credited, credit, f"{order.number}-CR"))
    rows.sort(key=lambda r: (r.client, r.occurred_us))
    return rows


# ---------------------------------------------------------------------------
# 7. Contacts (and the client's product users, for usage events)


def generate_contacts(
    rng: np.random.Generator, clients: Clients
) -> tuple[list[ContactRow], list[list[str]]]:
    """1-5 contacts per client (more for bigger ones), the first one primary.

    Also returns each client's product users: its contacts plus a few more
    people, by e-mail, who appear as the ``user`` of its usage events.
    """
    contact_range = {"enterprise": (3, 6), "mid-market": (2, 5), "smb": (1, 3)}
    extra_users = {"enterprise": 14, "mid-market": 6, "smb": 2}
    rows: list[ContactRow] = []
    pools: list[list[str]] = []

    def person() -> tuple[str, str]:
        first = V.FIRST_NAMES[int(rng.integers(len(V.FIRST_NAMES)))]
        last = V.LAST_NAMES[int(rng.integers(len(V.LAST_NAMES)))]
        return first, last

    for i in range(clients.n):
        segment = str(clients.segment[i])
        low, high = (1, 3) if clients.transactional[i] else contact_range[segment]
        count = int(rng.integers(low, high))
        country = clients.country[i]
        used: set[str] = set()

        def address(first: str, last: str, client: int = i, taken: set[str] = used) -> str:
            local = f"{V.ascii_slug(first)}.{V.ascii_slug(last, '')}"
            candidates = [local, f"{V.ascii_slug(first)[0]}.{V.ascii_slug(last, '')}"]
            candidates += [f"{local}{k}" for k in range(2, 50)]
            chosen = next(c for c in candidates if c not in taken)
            taken.add(chosen)
            return f"{chosen}@{clients.domain[client]}"

        roles = rng.choice(len(V.CONTACT_ROLES), size=count, replace=False)
        pool: list[str] = []
        for k in range(count):
            first, last = person()
            email = address(first, last)
            phone = (
                f"{V.COUNTRIES[country][2]} {int(rng.integers(20, 99))} "
                f"{int(rng.integers(100, 999))} {int(rng.integers(1000, 9999))}"
            )
            rows.append(
                ContactRow(
                    i, f"{first} {last}", email, phone, V.CONTACT_ROLES[int(roles[k])], k == 0
                )
            )
            pool.append(email)
        for _ in range(0 if clients.transactional[i] else extra_users[segment]):
            pool.append(address(*person()))
        pools.append(pool)
    return rows, pools


# ---------------------------------------------------------------------------
# 8. Usage: weekly activity that follows satisfaction, noisily

ROWS_PER_WEEK = {"enterprise": 7.0, "mid-market": 4.5, "smb": 2.6, "transactional": 1.2}


def usage_intensity(level: FloatArray) -> FloatArray:
    """How much a client uses the product at satisfaction ``level`` (1 ≈ a content client)."""
    return 0.2 + 1.3 * np.power(level, 1.5)


def _event_type_shares(integrations: bool, transactional: bool) -> FloatArray:
    names = [name for name, _, _ in V.EVENT_TYPES]
    if transactional:
        shares = np.zeros(len(names))
        for name, share in (
            ("login", 0.45),
            ("report_viewed", 0.2),
            ("dashboard_viewed", 0.1),
            ("order_placed", 0.25),
        ):
            shares[names.index(name)] = share
    else:
        shares = np.asarray([share for _, share, _ in V.EVENT_TYPES])
        if not integrations:
            shares[names.index("api_call")] = 0.0
    return shares / shares.sum()


def generate_usage(
    rng: np.random.Generator,
    clients: Clients,
    calendar: Calendar,
    sat: Satisfaction,
    pools: list[list[str]],
    integrations: BoolArray,
) -> Usage:
    """Usage events, one row per (user, event type, moment) with ``value`` = count.

    For each client-week: rows ~ Poisson(size x propensity x intensity(s) x season
    x onboarding ramp x lognormal noise x share of the week the client was
    there). Intensity follows the satisfaction of the week's month, so usage
    trends down as satisfaction falls, through the noise.
    """
    n = clients.n
    # Weeks from the Monday on or before the start of history (1970-01-01 was a Thursday).
    first_monday = calendar.start - (calendar.start + 3) % 7
    weeks = np.arange(first_monday, calendar.end, 7, dtype=np.int64)
    stop = np.where(sat.churned, sat.churn_day, calendar.end)
    start = clients.start_day
    present = (
        np.clip(
            np.minimum(weeks[None, :] + 7, stop[:, None])
            - np.maximum(weeks[None, :], start[:, None]),
            0,
            7,
        )
        / 7.0
    )
    month = np.clip(np.searchsorted(calendar.month_starts, weeks + 3, side="right") - 1, 0, None)
    month = np.clip(month[None, :], clients.start_month[:, None], sat.last_month[:, None])
    level = sat.level[np.arange(n)[:, None], month]
    intensity = usage_intensity(level)

    kind = np.where(clients.transactional, "transactional", clients.segment)
    base = np.asarray([ROWS_PER_WEEK[str(k)] for k in kind])
    months_in = (weeks[None, :] - start[:, None]) / 30.4
    ramp = np.clip(0.55 + 0.25 * months_in, 0.55, 1.0)
    week_dates = weeks.astype("datetime64[D]")
    month_of_year = (week_dates.astype("datetime64[M]").astype(np.int64) % 12) + 1
    day_of_month = (week_dates - week_dates.astype("datetime64[M]").astype("datetime64[D]")).astype(
        np.int64
    )
    season = np.where(
        (month_of_year == 12) & (day_of_month >= 20), 0.35, np.where(month_of_year == 8, 0.8, 1.0)
    )
    noise = rng.lognormal(-0.045, 0.3, size=(n, len(weeks)))
    expected = (
        base[:, None]
        * clients.usage_propensity[:, None]
        * intensity
        * season[None, :]
        * ramp
        * noise
        * present
    )
    counts = rng.poisson(expected)

    cell_client, cell_week = np.nonzero(counts)
    repeats = counts[cell_client, cell_week]
    client = np.repeat(cell_client, repeats)
    week = np.repeat(cell_week, repeats)
    total = len(client)
    weekday = rng.choice(7, size=total, p=[0.19] * 5 + [0.025] * 2)
    second = np.clip(rng.normal(13 * 3600, 3 * 3600, size=total), 6 * 3600, 22 * 3600 - 1)
    occurred = (
        (weeks[week] + weekday) * DAY_US
        + second.astype(np.int64) * 1_000_000
        + rng.integers(0, 1_000_000, size=total)
    )
    keep = (occurred >= start[client] * DAY_US) & (occurred < stop[client] * DAY_US)
    client, week, occurred = client[keep], week[keep], occurred[keep]
    total = len(client)

    # Event type: a categorical draw per row, from the client's kind of shares.
    share_table = np.stack(
        [
            _event_type_shares(integrations=False, transactional=False),
            _event_type_shares(integrations=True, transactional=False),
            _event_type_shares(integrations=False, transactional=True),
        ]
    )
    client_kind = np.where(clients.transactional, 2, np.where(integrations, 1, 0))
    cumulative = np.cumsum(share_table, axis=1)[client_kind[client]]
    event_type = (rng.random(total)[:, None] > cumulative).sum(axis=1)
    event_type = np.minimum(event_type, len(V.EVENT_TYPES) - 1)
    means = np.asarray([mean for _, _, mean in V.EVENT_TYPES])
    value = 1.0 + rng.poisson(means[event_type] * intensity[client, week])
    order_placed = [name for name, _, _ in V.EVENT_TYPES].index("order_placed")
    value[event_type == order_placed] = 1.0  # one order is one order

    pool_size = np.asarray([len(p) for p in pools], dtype=np.int64)
    pool_start = np.concatenate([[0], np.cumsum(pool_size)[:-1]])
    user = pool_start[client] + np.floor(rng.random(total) * pool_size[client]).astype(np.int64)

    order = np.lexsort((occurred, client))
    return Usage(
        client=client[order].astype(np.int32),
        occurred_us=occurred[order],
        event_type=event_type[order].astype(np.int8),
        value=value[order].astype(np.float64),
        user=user[order].astype(np.int32),
        users=[email for pool in pools for email in pool],
    )


# ---------------------------------------------------------------------------
# 9. Ownership history (the timeline is in retain.demo.timeline)


def ownership_rows(
    rng: np.random.Generator, clients: Clients, plan: OwnershipPlan, sat: Satisfaction
) -> list[OwnershipRow]:
    """The initial assignment of owner and backup, then the moves made before churn."""
    head = V.ACCOUNT_MANAGER_HEAD
    rows: list[OwnershipRow] = []
    for i in range(clients.n):
        first = int(clients.start_month[i])
        at = business_time(rng, int(clients.start_day[i]))
        owner, backup = int(plan.owner[i, first]), int(plan.backup[i, first])
        rows.append(
            OwnershipRow(
                client=i,
                role="owner",
                previous=None,
                new=owner,
                changed_by=head,
                changed_us=at,
                note=f"Assigned as owner when {clients.name[i]} signed up.",
            )
        )
        rows.append(
            OwnershipRow(
                client=i,
                role="backup",
                previous=None,
                new=backup,
                changed_by=head,
                changed_us=at,
                note=f"Backup owner from the start: covers {V.STAFF[owner].first_name}'s "
                "holidays and escalations.",
            )
        )
    for move in plan.moves:
        if move.month > sat.last_month[move.client]:
            continue  # the client had already left
        old, new = V.STAFF[move.previous].first_name, V.STAFF[move.new].first_name
        item = V.HANDOVER_ITEMS[int(rng.integers(len(V.HANDOVER_ITEMS)))]
        if move.reason == "leaver":
            note = (
                f"{old} leaves Brightwell this month; {new} takes over as {move.role}. "
                f"Open items: {item}."
            )
        elif move.reason == "takeover" and move.role == "owner":
            note = f"{new}, backup until now, takes over as owner; {old} stays on as backup."
        elif move.reason == "takeover":
            note = f"{new} becomes backup after handing the account over to {old}."
        else:
            note = f"Portfolio rebalancing: {new} takes over from {old}. Open items: {item}."
        at = business_time(rng, move.day)
        rows.append(OwnershipRow(move.client, move.role, move.previous, move.new, head, at, note))
    rows.sort(key=lambda r: (r.client, r.changed_us))
    return rows


# ---------------------------------------------------------------------------
# 10. What the client record says now, and the hidden truth


def churn_reasons(rng: np.random.Generator, sat: Satisfaction) -> list[str]:
    """The reason the account manager wrote down: usually the real driver, in words;
    sometimes only what the client chose to say (budget, acquisition, price)."""
    reasons = [""] * len(sat.driver)
    for i in np.flatnonzero(sat.churned):
        if rng.random() < 0.25:
            reasons[i] = V.STATED_REASONS[int(rng.integers(len(V.STATED_REASONS)))]
        else:
            options = V.CHURN_REASONS[sat.driver[i]]
            reasons[i] = options[int(rng.integers(len(options)))]
    return reasons


def lifecycle_stages(
    clients: Clients, calendar: Calendar, sat: Satisfaction, changes: list[SubscriptionChange]
) -> list[str]:
    """Where each relationship stands at the end of history (or when it ended)."""
    expanded: dict[int, int] = {}
    for change in changes:
        if change.change in ("added", "seats_up"):
            expanded[change.client] = max(expanded.get(change.client, 0), change.day)
    stages = []
    for i in range(clients.n):
        end = int(sat.churn_day[i]) if sat.churned[i] else calendar.end
        tenure = int(months_of(np.asarray([end]))[0]) - int(clients.start_calendar_month[i])
        level = float(sat.level[i, int(sat.last_month[i])])
        if tenure < 3:
            stages.append("onboarding")
        elif clients.term_months[i] == 12 and (12 - tenure % 12) % 12 <= 2:
            stages.append("renewal")
        elif end - expanded.get(i, -10_000) < 183:
            stages.append("expansion")
        elif level > 0.8 and tenure >= 18:
            stages.append("advocacy")
        else:
            stages.append("adoption")
    return stages


def truth_rows(clients: Clients, sat: Satisfaction) -> list[TruthRow]:
    """The hidden state per client; month 0 is the client's first month of history."""
    rows = []
    for i in range(clients.n):
        first, last = int(clients.start_month[i]), int(sat.last_month[i])
        path = [round(float(x), 4) for x in sat.level[i, first : last + 1]]
        shocks = {
            str(t - first): [SHOCKS[k] for k in np.flatnonzero(sat.shocks[i, t])]
            for t in range(first, last + 1)
            if sat.shocks[i, t].any()
        }
        rows.append(
            TruthRow(
                client=i,
                satisfaction_by_month=path,
                shocks_by_month=shocks,
                initial=path[0],
                final=path[-1],
                churned=bool(sat.churned[i]),
                driver=sat.driver[i],
                revenue_weight=round(float(clients.weight[i]), 6),
            )
        )
    return rows


# ---------------------------------------------------------------------------
# The whole company

STEPS = (
    "clients",
    "ownership",
    "satisfaction",
    "subscriptions",
    "orders",
    "transactions",
    "contacts",
    "usage",
    "history",
    "reasons",
    "timeline",
)


def generate_company(*, clients: int, seed: int, as_of: date) -> DemoCompany:
    """Generate the demo company: ``clients`` clients, history up to the day before ``as_of``.

    Pure and deterministic: no database, no clock; the same arguments give the
    same company, so tests can pin ``as_of`` and compare runs.
    """
    if clients < 1:
        raise ValueError("the demo needs at least one client")
    streams = dict(zip(STEPS, np.random.default_rng(seed).spawn(len(STEPS)), strict=True))
    calendar = build_calendar(as_of)
    table = generate_clients(streams["clients"], clients, calendar)
    plan = plan_ownership(streams["ownership"], table, calendar)
    sat = simulate_satisfaction(streams["satisfaction"], table, calendar, plan)
    subscriptions, changes = generate_subscriptions(streams["subscriptions"], table, calendar, sat)
    orders = generate_orders(streams["orders"], table, calendar, sat)
    transactions = generate_transactions(streams["transactions"], table, calendar, orders)
    contacts, pools = generate_contacts(streams["contacts"], table)
    integrations = np.zeros(clients, dtype=bool)
    for line in subscriptions:
        integrations[line.client] |= line.product == "Integrations"
    usage = generate_usage(streams["usage"], table, calendar, sat, pools, integrations)
    ownership = ownership_rows(streams["history"], table, plan, sat)
    reasons = churn_reasons(streams["reasons"], sat)
    timeline = generate_timeline(
        streams["timeline"],
        table,
        calendar,
        sat,
        plan,
        contacts,
        subscriptions,
        changes,
        orders,
        ownership,
        reasons,
    )
    return DemoCompany(
        seed=seed,
        calendar=calendar,
        clients=table,
        owner=plan.owner[np.arange(clients), sat.last_month],
        backup=plan.backup[np.arange(clients), sat.last_month],
        status=["churned" if c else "active" for c in sat.churned],
        churned_on=[int(d) if d >= 0 else None for d in sat.churn_day],
        churn_reason=reasons,
        lifecycle_stage=lifecycle_stages(table, calendar, sat, changes),
        subscriptions=subscriptions,
        transactions=transactions,
        contacts=contacts,
        ownership=ownership,
        usage=usage,
        timeline=timeline,
        truth=truth_rows(table, sat),
    )
