"""Reads of playbooks and tasks: task lists, a client's open tasks, adherence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from retain.accounts.models import PERSON_COLUMNS, User
from retain.clients.models import Client
from retain.playbooks.models import Playbook, PlaybookStep, Task


def list_open_tasks_for(*, user: User) -> QuerySet[Task]:
    """The person's open tasks, and their department's unassigned ones: soonest due first."""
    mine = Q(assignee=user)
    if user.department_id is not None:
        mine |= Q(assignee__isnull=True, department_id=user.department_id)
    return (
        Task.objects.filter(mine, completed_at__isnull=True)
        .select_related("client", "run__version__playbook", "department")
        .order_by("due_on", "pk")
    )


def list_client_tasks(*, client: Client) -> list[Task]:
    """The client's open playbook tasks, soonest due first, with what the client page shows."""
    return list(
        Task.objects.filter(client=client, completed_at__isnull=True)
        .select_related("assignee", "run__version__playbook")
        .only(
            "client",
            "title",
            "due_on",
            "completed_at",
            "run__version__playbook__name",
            *(f"assignee__{column}" for column in PERSON_COLUMNS),
        )
        .order_by("due_on", "pk")
    )


# How long the menu of playbooks is reused (per process), as the other menus.
MENU_SECONDS = 60


def list_playbooks() -> list[Playbook]:
    """The active playbooks, for menus: cached for a minute per process, so a new or
    retired playbook may take that long to show in the client page's menu."""
    return cast(
        list[Playbook],
        cache.get_or_set(
            "menus:playbooks",
            lambda: list(Playbook.objects.filter(is_active=True).order_by("name")),
            timeout=MENU_SECONDS,
        ),
    )


def get_current_steps(*, playbook: Playbook) -> list[PlaybookStep]:
    """The steps of the playbook's newest version."""
    version = playbook.versions.order_by("-number").first()
    if version is None:
        return []
    return list(version.steps.select_related("department").order_by("position"))


@dataclass(frozen=True)
class Adherence:
    """On-time completion among tasks that are done or past due, for one group."""

    group: str
    done_on_time: int
    done_late: int
    overdue: int

    @property
    def due(self) -> int:
        return self.done_on_time + self.done_late + self.overdue

    @property
    def rate(self) -> float | None:
        """Share done on time of those due (None when none are due yet)."""
        return self.done_on_time / self.due if self.due else None


GROUPINGS = ("playbook", "step", "department", "person")


def adherence_by(grouping: str) -> list[Adherence]:
    """On-time completion by playbook, step, department or person.

    A task counts once done, or once past its day: an open task not yet due says
    nothing about adherence.
    """
    if grouping not in GROUPINGS:
        raise ValueError(f"group by one of {', '.join(GROUPINGS)}")
    today = timezone.localdate()
    tasks = Task.objects.filter(Q(completed_at__isnull=False) | Q(due_on__lt=today)).values_list(
        "run__version__playbook__name",
        "step__position",
        "title",
        "department__name",
        "assignee__first_name",
        "assignee__last_name",
        "assignee__username",
        "completed_at",
        "due_on",
    )
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for playbook, position, title, department, first, last, username, done, due_on in tasks:
        group = {
            "playbook": playbook,
            "step": f"{playbook} · {position}. {title}",
            "department": department or "The client's owner",
            "person": (f"{first} {last}".strip() or username) if username else "Unassigned",
        }[grouping]
        if done is None:
            tally[group][2] += 1
        elif timezone.localtime(done).date() <= due_on:
            tally[group][0] += 1
        else:
            tally[group][1] += 1
    return [Adherence(group, *counts) for group, counts in sorted(tally.items())]
