"""The workspace benchmark's database: many clients, one client with a very long timeline.

Run by ``load_workspace.py`` in a child process with ``DATABASE_URL`` set, after
``retain init``. It writes the way ``retain.demo.services`` does (``bulk_create`` in
big batches, one transaction, revenue summary refreshed at the end) and prints one
JSON line: the ids the load driver needs and how long each part took.

Shape (seeded, so every run builds the same database):
  * ``ACCOUNT_MANAGERS`` account managers own the clients round-robin, each with a backup
    who is another account manager; the first of them is the benchmark user, who signs
    in with ``PASSWORD`` and so owns 1/20 of the clients (5,000 of 100,000);
  * every client has one primary contact and one or two subscription lines (so MRR and
    renewal dates exist), about three timeline entries, and 1 in 200 an ownership change;
  * ``HEAVY_EXTERNAL_ID``, owned by the benchmark user, has ``--entries`` timeline entries
    of mixed kinds and departments;
  * for the scorecard (figures for 100,000 clients; they scale with ``--clients``): churned
    clients' lines end by their churn day, ~15% of active clients have a line that ended
    and a later one (expansion, contraction, renewal), ~60,000 incidents over 5 years (~90%
    resolved, some after their SLA; ~5% from consistency mismatches), one NPS and one CSAT
    survey with ~44,000 invitations and ~40,000 answers over 2 years, ~3,000 advocacy asks,
    ~5,000 playbook runs with their tasks (on time, late, overdue), purchases by ~20% of
    the clients over 3 years and the nightly valuation (ClientValue) of them.

BENCH-HEAVY gets none of the scorecard's records, so the 360 page measures what it did.
The scorecard's records come from their own random stream (``SEED + 2``), so everything
else is the same database as before they were added.

Vocabulary and ``search_terms`` import nothing from Django, so the parent process can
build its search terms without setting Django up.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

SEED = 20261123
PASSWORD = "bench-workspace-2026"
BENCH_EMAIL = "bench.manager@bench.retain.test"
HEAVY_EXTERNAL_ID = "BENCH-HEAVY"
ACCOUNT_MANAGERS = 20
BATCH_SIZE = 5_000

FIRST = ["Acme", "Blue", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris",
         "Juniper", "Kestrel", "Lumen", "Maple", "Nimbus", "Onyx", "Pioneer", "Quarry",
         "Redwood", "Summit", "Tidal", "Umber", "Vertex", "Willow", "Zenith"]  # fmt: skip
SECOND = ["Logistics", "Foods", "Robotics", "Textiles", "Labs", "Freight", "Dental",
          "Analytics", "Builders", "Pharma", "Studios", "Metals", "Farms", "Energy",
          "Optics", "Travel"]  # fmt: skip
SUFFIX = ["Ltd", "GmbH", "Inc", "SA", "BV", "AB", "Oy", "SRL"]
PEOPLE_FIRST = ["Anna", "Ben", "Chiara", "David", "Elif", "Farid", "Greta", "Hugo", "Ines",
                "Jonas", "Kaito", "Lena", "Marta", "Noah", "Olga", "Pavel"]  # fmt: skip
PEOPLE_LAST = ["Andersen", "Brown", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia",
               "Horvat", "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak"]  # fmt: skip
PRODUCTS = ["Core", "Analytics add-on", "Support plus", "Extra seats", "Integrations"]
SEGMENTS = ["smb", "mid-market", "enterprise"]
COUNTRIES = ["DE", "FR", "NL", "SE", "IT", "ES", "PL", "GB"]
SUBJECTS = {
    "meeting": "Quarterly review", "call": "Check-in call", "email": "Follow-up email",
    "note": "Account note", "quote": "Quote sent", "contract": "Contract signed",
    "order": "Order placed", "delivery": "Delivery confirmed", "invoice": "Invoice issued",
    "payment": "Payment received", "ticket": "Support ticket opened",
    "incident": "Delivery incident", "survey": "Survey response",
    "milestone": "Onboarding milestone",
}  # fmt: skip
DEPARTMENT_OF = {
    "meeting": "account-management", "call": "account-management",
    "email": "account-management", "note": "sales", "quote": "sales", "contract": "legal",
    "order": "operations", "delivery": "shipping", "invoice": "billing", "payment": "billing",
    "ticket": "support", "incident": "shipping", "survey": "product",
    "milestone": "account-management",
}  # fmt: skip
KINDS = list(SUBJECTS)


def client_name(rng: random.Random, i: int) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(SUFFIX)} {i}"


def search_terms(clients: int, count: int = 200) -> list[tuple[str, str]]:
    """What people type in the search box, as (kind, term): name words and fragments,
    external ids, contacts' surnames, in equal shares."""
    rng = random.Random(SEED + 1)
    terms: list[tuple[str, str]] = []
    for n in range(count):
        match n % 4:
            case 0:  # a whole word of a company name: matches ~1/24 of the clients
                terms.append(("name word", rng.choice(FIRST)))
            case 1:  # a fragment, as typed halfway: "redw", "ptic"
                word = rng.choice(FIRST + SECOND)
                start = rng.randrange(0, max(1, len(word) - 4))
                terms.append(("name fragment", word[start : start + 4].lower()))
            case 2:  # an external id, exact
                terms.append(("external id", f"W{rng.randrange(1, max(2, clients)):06d}"))
            case _:  # a contact's surname: matches ~1/14 of the clients
                terms.append(("contact surname", rng.choice(PEOPLE_LAST)))
    return terms


def _instant(rng: random.Random, start: datetime, days: int) -> datetime:
    return start + timedelta(seconds=rng.randrange(days * 86_400))


def _scaled(count_at_100k: int, clients: int) -> int:
    """``count_at_100k`` for a database of ``clients`` clients (at least 1)."""
    return max(1, round(count_at_100k * clients / 100_000))


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment in [start, end), to the second. One ``random()`` whatever the span (where
    ``randrange`` draws a varying number of bits), so a span that depends on the clock,
    such as a handoff's time, does not change the records drawn after it."""
    return start + timedelta(seconds=int(rng.random() * (end - start).total_seconds()))


def _end_of_day(day: date) -> datetime:
    """The day's last second in the settings' time zone (where a task's day ends)."""
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, datetime.max.time().replace(microsecond=0)))


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


@dataclass(frozen=True)
class Sim:
    """What the scorecard parts share: the clients as written, their primary contacts,
    the people, the departments, the random stream and the clock."""

    rng: random.Random
    clients: list[Any]  # the Client rows as written, by index (0 is BENCH-HEAVY)
    contact_ids: list[int]
    manager_ids: list[int]
    departments: dict[str, int]
    now: datetime
    today: date

    def client_index(self, *, active: bool = False) -> int:
        """A client other than BENCH-HEAVY; with ``active``, one that has not churned."""
        while True:
            i = self.rng.randrange(1, len(self.clients))
            if not active or self.clients[i].churned_on is None:
                return i

    def lifetime(self, i: int, since: datetime) -> tuple[datetime, datetime] | None:
        """From ``since`` (or the client's creation) to now (or its churn day); None if empty."""
        client = self.clients[i]
        start = max(since, client.created_at)
        end = self.now if client.churned_on is None else _end_of_day(client.churned_on)
        return (start, end) if end - start > timedelta(days=1) else None


# Subscription changes of active clients: (share, lowest, highest MRR factor).
LINE_CHANGES = [(0.5, 1.1, 1.6), (0.3, 0.5, 0.9), (0.2, 1.0, 1.05)]  # grow, shrink, renew


def reshape_lines(sim: Sim, lines: list[Any]) -> list[Any]:
    """Make churn and movement visible in the subscription lines; return the lines to add.

    A churned client's lines end on or up to a month before its churn day (a line that
    started after that day is moved back to before it). About 15% of the active clients
    have one line that ended and the same product again from the next day, at a higher
    MRR (expansion), a lower one (contraction) or the same (renewal); one in ten of those
    with two products instead drops one (partial churn).
    """
    from retain.clients.models import SubscriptionLine

    rng, today = sim.rng, sim.today
    by_client: dict[int, list] = {}
    for line in lines:
        by_client.setdefault(line.client_id, []).append(line)
    added = []
    for client in sim.clients[1:]:
        own = by_client[client.pk]
        if client.churned_on is not None:
            for line in own:
                line.end_date = client.churned_on - timedelta(days=rng.randrange(0, 31))
                if line.start_date > line.end_date:
                    line.start_date = line.end_date - timedelta(days=rng.randrange(30, 900))
            continue
        if rng.random() >= 0.15:
            continue
        old = rng.choice(own)
        age = (today - old.start_date).days
        if age < 61:
            continue
        change = old.start_date + timedelta(days=rng.randrange(30, age - 30))
        renews_on = old.end_date
        old.end_date = change - timedelta(days=1)
        if len(own) > 1 and rng.random() < 0.1:
            continue  # the product is dropped: no later line
        pick, factor = rng.random(), 1.0
        for share, low, high in LINE_CHANGES:
            if pick < share:
                factor = rng.uniform(low, high)
                break
            pick -= share
        added.append(
            SubscriptionLine(
                client_id=client.pk,
                product=old.product,
                start_date=change,
                end_date=renews_on,
                mrr=_money(float(old.mrr) * factor),
                quantity=max(1, round(old.quantity * factor)),
                discount_percent=old.discount_percent,
            )
        )
    return added


# Where incidents come from: (responsible department, weight, categories).
INCIDENT_SOURCES = [
    ("shipping", 22, ["late_delivery", "wrong_delivery"]),
    ("support", 18, ["unanswered_request", "poor_service"]),
    ("billing", 15, ["billing_error"]),
    ("operations", 12, ["order_error", "late_delivery"]),
    ("production", 10, ["product_defect"]),
    ("product", 8, ["product_defect", "poor_service"]),
    ("sales", 5, ["order_error", "contract_problem"]),
    ("account-management", 4, ["poor_service", "unanswered_request"]),
    ("legal", 2, ["contract_problem"]),
    ("procurement", 2, ["late_delivery", "product_defect"]),
    ("marketing", 1, ["poor_service"]),
]
INCIDENT_TITLES = {
    "wrong_delivery": "Wrong items delivered",
    "late_delivery": "Delivery arrived late",
    "billing_error": "Invoice amount wrong",
    "product_defect": "Defective units in the last batch",
    "unanswered_request": "Request left unanswered for days",
    "contract_problem": "Contract terms not applied",
    "order_error": "Order entered with the wrong quantities",
    "poor_service": "Client unhappy with how a call was handled",
}
SEVERITY_WEIGHTS = {1: 4, 2: 18, 3: 50, 4: 28}


def make_incidents(sim: Sim, count: int) -> list[Any]:
    """``count`` incidents over the last 5 years (unsaved), due by their severity's SLA.

    About 10% are still open: a backlog opened mostly in the last weeks, many of them past
    due; the rest were resolved in a lognormal time around 60% of their target hours, so
    about a quarter breached it. About 5% were opened by the consistency check (Retain
    itself) with a unique ``mismatch_key``, as ``documents.services`` does.
    """
    from retain.documents.consistency import RESPONSIBLE_DEPARTMENT
    from retain.documents.services import INCIDENT_CATEGORY, KIND_TITLE
    from retain.incidents.choices import IncidentStatus, Severity
    from retain.incidents.models import Incident, ResolutionTarget

    rng, now = sim.rng, sim.now
    hours = dict(ResolutionTarget.objects.values_list("severity", "hours"))
    sources = [(dept, categories) for dept, _weight, categories in INCIDENT_SOURCES]
    weights = [weight for _dept, weight, _categories in INCIDENT_SOURCES]
    severities, severity_weights = list(SEVERITY_WEIGHTS), list(SEVERITY_WEIGHTS.values())
    history = now - timedelta(days=5 * 365)
    am = sim.departments["account-management"]
    incidents: list[Any] = []
    while len(incidents) < count:
        still_open = rng.random() < 0.10
        i = sim.client_index(active=still_open)
        client = sim.clients[i]
        window = sim.lifetime(i, history)
        if window is None:
            continue
        if still_open:  # the backlog: mostly recent, a tail of forgotten ones
            age = timedelta(days=min(rng.expovariate(1 / 40), 365), seconds=rng.randrange(86_400))
            opened = max(now - age, window[0])
        else:
            opened = _between(rng, *window)
        n = len(incidents)
        category: str
        severity: int
        if rng.random() < 0.05:  # a consistency mismatch: Retain opened it
            kind = rng.choice(list(RESPONSIBLE_DEPARTMENT))
            department, category = RESPONSIBLE_DEPARTMENT[kind], INCIDENT_CATEGORY[kind]
            # As documents.services grades them: a wrong item delivered is high, the rest medium.
            wrong_item = kind == "delivery_vs_order" and n % 3 == 0
            severity = Severity.HIGH if wrong_item else Severity.MEDIUM
            title = f"{KIND_TITLE[kind]}: {rng.choice(PRODUCTS)}"
            text = f"{client.external_id}\x1f{kind}\x1f{n}"
            key = hashlib.sha256(text.encode()).hexdigest()[:40]
            opened_by, reported_by = None, None
        else:
            department, categories = rng.choices(sources, weights)[0]
            category = rng.choice(categories)
            severity = rng.choices(severities, severity_weights)[0]
            title, key = INCIDENT_TITLES[category], None
            opened_by, reported_by = rng.choice(sim.manager_ids), am
        target = hours.get(severity, 168)
        resolved = opened + timedelta(hours=max(0.25, target * rng.lognormvariate(-0.5, 0.7)))
        done = not still_open and resolved < now
        taken = done or rng.random() < 0.55
        incidents.append(
            Incident(
                client_id=client.pk,
                title=title,
                category=category,
                severity=severity,
                responsible_department_id=sim.departments[department],
                reported_by_department_id=reported_by,
                owner_id=rng.choice(sim.manager_ids) if taken else None,
                opened_by_id=opened_by,
                opened_at=opened,
                due_at=opened + timedelta(hours=target),
                status=IncidentStatus.RESOLVED
                if done
                else (IncidentStatus.IN_PROGRESS if taken else IncidentStatus.OPEN),
                description=f"{title} for {client.name}; reported by the client.",
                resolution="Put right and confirmed with the client." if done else "",
                resolved_at=resolved if done else None,
                mismatch_key=key,
                version=3 if done else (2 if taken else 1),
            )
        )
    return incidents


# Answers: NPS 0-10 skewed to promoters (about +35), CSAT 1-5 mostly satisfied.
SCORE_WEIGHTS = {
    "nps": [1, 1, 1, 2, 2, 4, 6, 12, 20, 25, 26],
    "csat": [4, 6, 15, 40, 35],
}
COMMENTS = ["Deliveries are reliable.", "Support takes too long to answer.",
            "Great account manager.", "Invoices are often wrong.", "Good value for money.",
            "The product keeps improving.", "We had to chase the order twice."]  # fmt: skip


def write_surveys(sim: Sim, invitations_each: int) -> tuple[int, int]:
    """One NPS and one CSAT survey, each sent to ``invitations_each`` primary contacts over
    the last 2 years (one invitation per survey and contact, as the model requires); about
    nine in ten answered within their 14-day link. Returns (invitations, responses).

    No follow-ups for the unhappy answers and no timeline entries (``answer_survey``
    writes both); the scorecard reads the responses.
    """
    from retain.surveys.models import Invitation, Response, Survey, SurveyKind

    rng, now = sim.rng, sim.now
    since = now - timedelta(days=730)
    link_days = timedelta(days=14)
    invited = answered = 0
    for kind, name, question in (
        (SurveyKind.NPS, "Relationship NPS", "How likely are you to recommend us to a colleague?"),
        (SurveyKind.CSAT, "Service CSAT", "How satisfied are you with our service?"),
    ):
        survey = Survey.objects.create(
            name=name,
            kind=kind,
            question=question,
            comment_question="What is the main reason for your score?",
            created_by_id=sim.manager_ids[0],
            created_at=since - timedelta(days=7),
        )
        scores = range(0, 11) if kind == SurveyKind.NPS else range(1, 6)
        rows: list[Any] = []
        answers: list[tuple[int, int, str, datetime]] = []
        chosen = min(invitations_each, len(sim.clients) - 1)
        for i in rng.sample(range(1, len(sim.clients)), chosen):
            window = sim.lifetime(i, since)
            if window is None:
                continue
            sent = _between(rng, *window)
            reply = sent + timedelta(seconds=int(min(rng.expovariate(1 / 2), 13.9) * 86_400))
            replied = rng.random() < 0.91 and reply < now
            rows.append(
                Invitation(
                    survey_id=survey.pk,
                    client_id=sim.clients[i].pk,
                    contact_id=sim.contact_ids[i],
                    token=f"bench-{survey.pk}-{i}-{rng.getrandbits(96):024x}",
                    sent_at=sent,
                    expires_at=sent + link_days,
                    answered_at=reply if replied else None,
                )
            )
            if replied:
                score = rng.choices(scores, SCORE_WEIGHTS[kind])[0]
                comment = rng.choice(COMMENTS) if rng.random() < 0.3 else ""
                answers.append((len(rows) - 1, score, comment, reply))
        rows = Invitation.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        Response.objects.bulk_create(
            (
                Response(
                    invitation_id=rows[n].pk,
                    client_id=rows[n].client_id,
                    kind=kind,
                    score=score,
                    comment=comment,
                    answered_at=reply,
                )
                for n, score, comment, reply in answers
            ),
            batch_size=BATCH_SIZE,
        )
        invited += len(rows)
        answered += len(answers)
    return invited, answered


def make_asks(sim: Sim, count: int) -> list[Any]:
    """``count`` referral and reference asks of active clients over the last 2 years
    (unsaved), each as far along as it got by today, with the day of each step (the
    model's constraints: given before converted, converted and declined dated, value
    only when converted)."""
    from retain.advocacy.choices import AdvocacyKind, AdvocacyStatus
    from retain.advocacy.models import AdvocacyAsk

    rng, today = sim.rng, sim.today
    asks = []
    for _ in range(count):
        i = sim.client_index(active=True)
        client = sim.clients[i]
        asked = today - timedelta(days=rng.randrange(0, 730))
        status, given, converted, declined, value = AdvocacyStatus.ASKED, None, None, None, None
        path = rng.random()
        if path < 0.25:  # refused
            declined = asked + timedelta(days=rng.randrange(3, 60))
        elif path < 0.80:  # given; then converted, declined, or still open
            given = asked + timedelta(days=rng.randrange(3, 45))
            after = rng.random()
            if after < 0.45:
                converted = given + timedelta(days=rng.randrange(14, 150))
            elif after < 0.65:
                declined = given + timedelta(days=rng.randrange(14, 120))
        # A step not reached by today has not happened (yet): the ask stops before it.
        if given is not None and given > today:
            given = converted = declined = None
        if converted is not None and converted > today:
            converted = None
        if declined is not None and declined > today:
            declined = None
        if converted is not None:
            status = AdvocacyStatus.CONVERTED
            value = Decimal(rng.randrange(2_000, 150_000)) if rng.random() < 0.7 else None
        elif declined is not None:
            status = AdvocacyStatus.DECLINED
        elif given is not None:
            status = AdvocacyStatus.GIVEN
        steps = sum(day is not None for day in (given, converted, declined))
        asks.append(
            AdvocacyAsk(
                client_id=client.pk,
                contact_id=sim.contact_ids[i],
                kind=AdvocacyKind.REFERRAL if rng.random() < 0.65 else AdvocacyKind.REFERENCE,
                status=status,
                prospect=f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(SUFFIX)}",
                asked_by_id=client.owner_id,
                asked_on=asked,
                given_on=given,
                converted_on=converted,
                declined_on=declined,
                value=value,
                version=1 + steps,
            )
        )
    return asks


# Playbooks started by hand (the rest start on their trigger), with their shares.
BY_HAND = {"quarterly-business-review": 40, "renewal": 40, "escalation": 20}


def write_playbook_runs(
    sim: Sim, count: int, severe: list[tuple[int, datetime, str]], handoffs: list[Any]
) -> tuple[int, int]:
    """``count`` runs of the standard playbooks over the last 2 years, with one task per
    step, as ``start_playbook`` writes them (assignee by the step, due ``due_after_days``
    after the start), then completed as ``complete_task`` would: most on time, some late,
    some still open past their day; a run is complete with its last task.

    Recovery runs follow the severity-1 incidents ``severe`` (client index, opened, title),
    handoff runs the ``handoffs``, onboarding runs new clients; the rest are started by
    the client's owner. No timeline entries (the services write one per start and task).
    Returns (runs, tasks).
    """
    from django.utils import timezone

    from retain.accounts.models import Department
    from retain.playbooks.models import Playbook, PlaybookRun, StepOwner, Task

    rng, now, today = sim.rng, sim.now, sim.today
    since = now - timedelta(days=730)
    # The current version of each active standard playbook, with its steps.
    steps_of: dict[str, tuple[int, list]] = {}
    for playbook in Playbook.objects.filter(is_active=True).prefetch_related("versions__steps"):
        version = max(playbook.versions.all(), key=lambda v: v.number, default=None)
        if version is not None:
            steps_of[playbook.slug] = (
                version.pk,
                sorted(version.steps.all(), key=lambda s: s.position),
            )
    heads = dict(Department.objects.values_list("pk", "head_id"))
    starts: list[tuple[str, int, datetime, int | None, str]] = []
    index_of = {client.pk: i for i, client in enumerate(sim.clients)}
    for i, opened, title in severe:
        if opened >= since and len(starts) < count // 4:
            starts.append(("recovery", i, opened, None, title))
    for change in handoffs:
        if change.changed_at >= since:
            i = index_of[change.client_id]
            starts.append(("owner-handoff", i, change.changed_at, None, "Handed to a new owner"))
    newcomers = [i for i, c in enumerate(sim.clients[1:], 1) if c.created_at >= since]
    for i in rng.sample(newcomers, min(len(newcomers), max(0, count - len(starts)) // 4)):
        starts.append(("onboarding", i, sim.clients[i].created_at, None, "New client"))
    slugs, weights = list(BY_HAND), list(BY_HAND.values())
    while len(starts) < count:
        i = sim.client_index()
        window = sim.lifetime(i, since)
        if window is not None:
            owner = sim.clients[i].owner_id
            starts.append((rng.choices(slugs, weights)[0], i, _between(rng, *window), owner, ""))
    runs, tasks_of = [], []
    for slug, i, started, started_by, reason in starts:
        if slug not in steps_of:
            continue
        version_id, steps = steps_of[slug]
        client = sim.clients[i]
        first_day = timezone.localdate(started)
        recent = now - started < timedelta(days=90)
        tasks = []
        for step in steps:
            due = first_day + timedelta(days=step.due_after_days)
            if step.responsible == StepOwner.DEPARTMENT and step.department_id is not None:
                assignee = heads.get(step.department_id)  # no heads here: unassigned
            elif step.responsible == StepOwner.BACKUP_OWNER:
                assignee = client.backup_owner_id
            else:
                assignee = client.owner_id
            pick = rng.random()
            if due >= today:  # not due yet: done early or still open
                done = _between(rng, started, now) if pick < 0.4 else None
            elif pick < (0.12 if recent else 0.04):  # open past its day: overdue
                done = None
            elif pick < 0.30:  # late: days or weeks after its day
                done = min(_end_of_day(due) + timedelta(hours=rng.randrange(1, 30 * 24)), now)
            else:  # on time, between the start and the end of its day
                done = _between(rng, started, min(_end_of_day(due), now))
            tasks.append(
                Task(
                    step_id=step.pk,
                    client_id=client.pk,
                    title=step.title,
                    assignee_id=assignee,
                    department_id=step.department_id,
                    due_on=due,
                    completed_at=done,
                    completed_by_id=None if done is None else (assignee or client.owner_id),
                )
            )
        finished = [task.completed_at for task in tasks if task.completed_at is not None]
        runs.append(
            PlaybookRun(
                version_id=version_id,
                client_id=client.pk,
                started_at=started,
                started_by_id=started_by,
                reason=reason[:200],
                completed_at=max(finished) if len(finished) == len(tasks) else None,
            )
        )
        tasks_of.append(tasks)
    runs = PlaybookRun.objects.bulk_create(runs, batch_size=BATCH_SIZE)
    for run, tasks in zip(runs, tasks_of, strict=True):
        for task in tasks:
            task.run_id = run.pk
    all_tasks = [task for tasks in tasks_of for task in tasks]
    Task.objects.bulk_create(all_tasks, batch_size=BATCH_SIZE)
    return len(runs), len(all_tasks)


def make_transactions(sim: Sim, buyers: int) -> Iterator[Any]:
    """Purchases (unsaved) of ``buyers`` clients over the last 3 years: 3 to 36 each, at a
    client's own typical spend; about a quarter of the buyers stopped buying at some
    point (so P(alive) varies) and 2% of the purchases were refunded."""
    from retain.clients.models import Transaction

    rng, now = sim.rng, sim.now
    since = now - timedelta(days=3 * 365)
    for i in rng.sample(range(1, len(sim.clients)), min(buyers, len(sim.clients) - 1)):
        window = sim.lifetime(i, since)
        if window is None or window[1] - window[0] < timedelta(days=30):
            continue
        start, end = window
        if rng.random() < 0.25:  # stopped buying
            end = _between(rng, start + timedelta(days=15), end)
        count = min(36, 3 + int(rng.expovariate(1 / 7)))
        spend = rng.lognormvariate(5.7, 0.8)  # a typical purchase of ~300 (median)
        client = sim.clients[i]
        for k, when in enumerate(sorted(_between(rng, start, end) for _ in range(count)), 1):
            amount = _money(spend * rng.lognormvariate(0, 0.3))
            order = f"{client.external_id}-{k:04d}"
            yield Transaction(client_id=client.pk, occurred_at=when, amount=amount, order_id=order)
            if rng.random() < 0.02:
                refunded = min(when + timedelta(days=rng.randrange(1, 30)), now)
                yield Transaction(
                    client_id=client.pk,
                    occurred_at=refunded,
                    amount=-amount,
                    order_id=f"{order}-CR",
                )


def load(clients: int, entries: int) -> dict[str, object]:
    """Write the whole data set in one transaction; return what the driver needs."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from retain.accounts.choices import Role
    from retain.accounts.models import Department, User
    from retain.advocacy.models import AdvocacyAsk
    from retain.appreciation.models import ThankYou
    from retain.appreciation.services import plan_appreciation
    from retain.cadences.models import TouchTask
    from retain.cadences.services import plan_touches
    from retain.clients.choices import ClientStatus, LifecycleStage, OwnerRole
    from retain.clients.models import (
        Client,
        Contact,
        OwnershipChange,
        SubscriptionLine,
        TimelineEntry,
        Transaction,
    )
    from retain.clients.services import index_client_search, refresh_client_revenue
    from retain.incidents.models import Incident
    from retain.valuation.models import ClientValue
    from retain.valuation.services import value_clients

    rng = random.Random(SEED)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    mark = started

    def lap(label: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        timings[label] = round(now - mark, 2)
        print(f"  load: {label:<22} {now - mark:6.1f} s", file=sys.stderr, flush=True)
        mark = now

    today = date.today()
    history_start = datetime(today.year - 5, 1, 1, 9, tzinfo=UTC)
    history_days = (datetime.now(UTC) - history_start).days - 1
    with transaction.atomic():
        departments = {d.slug: d.pk for d in Department.objects.all()}
        # One hash for everyone, as the demo does: PBKDF2 is slow on purpose.
        password = make_password(PASSWORD)
        managers = User.objects.bulk_create(
            [
                User(
                    username=email,
                    email=email,
                    password=password,
                    first_name=PEOPLE_FIRST[n % len(PEOPLE_FIRST)],
                    last_name=f"Manager{n:02d}",
                    department_id=departments["account-management"],
                    role=Role.MEMBER,
                    title="Account manager",
                )
                for n, email in enumerate(
                    [BENCH_EMAIL]
                    + [f"am{n:02d}@bench.retain.test" for n in range(1, ACCOUNT_MANAGERS)]
                )
            ]
        )
        manager_ids = [user.pk for user in managers]
        bench_id = manager_ids[0]
        lap("users")

        rows = []
        for i in range(clients):
            owner = i % ACCOUNT_MANAGERS  # client 0 (BENCH-HEAVY) goes to the benchmark user
            backup = (owner + 1 + rng.randrange(ACCOUNT_MANAGERS - 1)) % ACCOUNT_MANAGERS
            churned = i > 0 and rng.random() < 0.1
            created = _instant(rng, history_start, history_days - 30)
            rows.append(
                Client(
                    external_id=HEAVY_EXTERNAL_ID if i == 0 else f"W{i:06d}",
                    name="Bench Heavy Industries" if i == 0 else client_name(rng, i),
                    segment=rng.choice(SEGMENTS),
                    industry=rng.choice(SECOND),
                    country=rng.choice(COUNTRIES),
                    lifecycle_stage=rng.choice(LifecycleStage.values),
                    status=ClientStatus.CHURNED if churned else ClientStatus.ACTIVE,
                    churned_on=today - timedelta(days=rng.randrange(1, 700)) if churned else None,
                    churn_reason="Moved to a competitor" if churned else "",
                    owner_id=manager_ids[owner],
                    backup_owner_id=manager_ids[backup],
                    created_at=created,
                )
            )
        written = Client.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        client_ids = [c.pk for c in written]
        heavy_id = client_ids[0]
        lap("clients")

        contacts = Contact.objects.bulk_create(
            (
                Contact(
                    client_id=pk,
                    name=f"{rng.choice(PEOPLE_FIRST)} {rng.choice(PEOPLE_LAST)}",
                    email=f"contact{i}@client{i}.example",
                    phone=f"+49 30 {i:07d}",
                    role="Purchasing",
                    is_primary=True,
                )
                for i, pk in enumerate(client_ids)
            ),
            batch_size=BATCH_SIZE,
        )
        lap("contacts")
        # The scorecard's records draw from their own stream, so the rest stays as it was.
        sim = Sim(
            rng=random.Random(SEED + 2),
            clients=written,
            contact_ids=[c.pk for c in contacts],
            manager_ids=manager_ids,
            departments=departments,
            # Midnight, not the clock: the same day builds the same records (a window
            # ending at the second would change every draw after it).
            now=datetime(today.year, today.month, today.day, tzinfo=UTC),
            today=today,
        )

        lines = []
        for pk in client_ids:
            products = rng.sample(PRODUCTS, rng.choice((1, 1, 2)))
            for product in products:
                start = today - timedelta(days=rng.randrange(30, 1500))
                # Half renew on a date (some within the next 90 days), half are open-ended.
                end = today + timedelta(days=rng.randrange(1, 365)) if rng.random() < 0.5 else None
                lines.append(
                    SubscriptionLine(
                        client_id=pk,
                        product=product,
                        start_date=start,
                        end_date=end,
                        mrr=Decimal(rng.randrange(5_000, 500_000)) / 100,
                        quantity=rng.randrange(1, 50),
                        discount_percent=Decimal(rng.choice((0, 0, 5, 10))),
                    )
                )
        lines += reshape_lines(sim, lines)
        SubscriptionLine.objects.bulk_create(lines, batch_size=BATCH_SIZE)
        lap("subscription lines")
        refresh_client_revenue()
        lap("revenue summary")
        index_client_search()
        lap("search terms")

        changes = []
        # Every 199th client, so the handoffs land on every account manager in turn.
        for n, i in enumerate(range(1, clients, 199)):
            pk = client_ids[i]
            new = manager_ids[i % ACCOUNT_MANAGERS]
            changed_at = datetime.now(UTC) - timedelta(days=rng.randrange(1, 400))
            changes.append(
                OwnershipChange(
                    client_id=pk,
                    role=OwnerRole.OWNER,
                    previous_user_id=manager_ids[(i + 3) % ACCOUNT_MANAGERS],
                    new_user_id=new,
                    changed_by_id=manager_ids[(i + 7) % ACCOUNT_MANAGERS],
                    changed_at=changed_at,
                    note="Territory change: handing over with open renewal notes.",
                    # Every third handoff is still waiting for the new owner's nod.
                    acknowledged_at=None if n % 3 == 0 else changed_at + timedelta(days=1),
                )
            )
        OwnershipChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
        lap("ownership changes")

        def entry(client_id: int) -> TimelineEntry:
            kind = rng.choice(KINDS)
            return TimelineEntry(
                client_id=client_id,
                occurred_at=_instant(rng, history_start, history_days),
                kind=kind,
                department_id=departments[DEPARTMENT_OF[kind]],
                author_id=rng.choice(manager_ids),
                subject=SUBJECTS[kind],
                body=f"{SUBJECTS[kind]} recorded by the team; reference {rng.randrange(10**6)}.",
            )

        TimelineEntry.objects.bulk_create(
            (entry(pk) for pk in client_ids[1:] for _ in range(rng.choice((2, 3, 4)))),
            batch_size=BATCH_SIZE,
        )
        lap("timeline (others)")
        TimelineEntry.objects.bulk_create(
            (entry(heavy_id) for _ in range(entries)), batch_size=BATCH_SIZE
        )
        lap("timeline (heavy)")

        # The scorecard's records. The services would also put each incident, answer, ask
        # and task on the client's timeline; these do not, as the timeline has its own
        # volume above and the scorecard does not read it.
        incidents = make_incidents(sim, _scaled(60_000, clients))
        Incident.objects.bulk_create(incidents, batch_size=BATCH_SIZE)
        lap("incidents")
        invitations, responses = write_surveys(sim, _scaled(22_000, clients))
        lap("surveys")
        AdvocacyAsk.objects.bulk_create(make_asks(sim, _scaled(3_000, clients)))
        lap("advocacy asks")
        index_of = {pk: i for i, pk in enumerate(client_ids)}
        severe = [
            (index_of[incident.client_id], incident.opened_at, incident.title)
            for incident in incidents
            if incident.severity == 1
        ]
        runs, tasks = write_playbook_runs(sim, _scaled(5_000, clients), severe, changes)
        lap("playbook runs")
        Transaction.objects.bulk_create(
            make_transactions(sim, _scaled(20_000, clients)), batch_size=BATCH_SIZE
        )
        lap("transactions")

    # What the worker does each morning, so My clients lists real touch tasks and
    # thank-yous (and the load reports how long the daily plans take at this size).
    plan_touches()
    lap("plan touches (daily)")
    plan_appreciation()
    lap("plan thank-yous (daily)")
    valuation = value_clients()
    lap("client values (nightly)")

    if connection.vendor == "postgresql":
        # autovacuum would vacuum and analyze these fresh tables within a minute or so of
        # the load (the revenue refresh leaves a dead row version of every client); doing
        # it now means the run depends neither on when it gets to them nor on whether the
        # server runs autovacuum at all (this machine's does not).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        lap("vacuum analyze")
    timings["total"] = round(time.perf_counter() - started, 2)
    return {
        "bench_email": BENCH_EMAIL,
        "password": PASSWORD,
        "bench_user_id": bench_id,
        "heavy_client_id": heavy_id,
        "clients": clients,
        "heavy_entries": entries,
        "owned_by_bench_user": Client.objects.filter(owner_id=bench_id).count(),
        "timeline_entries": TimelineEntry.objects.count(),
        "touch_tasks_of_bench_user": TouchTask.objects.filter(owner_id=bench_id).count(),
        "thank_yous_of_bench_user": ThankYou.objects.filter(owner_id=bench_id).count(),
        "subscription_lines": SubscriptionLine.objects.count(),
        "incidents": Incident.objects.count(),
        "survey_invitations": invitations,
        "survey_responses": responses,
        "advocacy_asks": AdvocacyAsk.objects.count(),
        "playbook_runs": runs,
        "playbook_tasks": tasks,
        "transactions": Transaction.objects.count(),
        "client_values": ClientValue.objects.count(),
        "valuation_skipped": valuation.skipped_because,
        "load_seconds": timings,
    }


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")
    print(json.dumps(load(int(sys.argv[1]), int(sys.argv[2]))))
