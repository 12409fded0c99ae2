"""Playbooks: versioned steps, started for a client as assigned tasks, started by
triggers, completed on the timeline, adherence counted; guidance rendered safely."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as Browser
from django.utils import timezone

from retain.accounts.choices import Role
from retain.accounts.models import Department
from retain.clients import services as client_services
from retain.clients.choices import TimelineKind
from retain.clients.models import TimelineEntry
from retain.incidents.services import open_incident
from retain.playbooks import services
from retain.playbooks.markdown import render_markdown
from retain.playbooks.models import Playbook, PlaybookRun, StepOwner, Task
from retain.playbooks.selectors import adherence_by, list_open_tasks_for
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def _department(slug: str) -> Department:
    return Department.objects.get(slug=slug)


@pytest.fixture
def acme(owner, teammate):
    return ClientFactory(name="Acme", owner=owner, backup_owner=teammate)


def test_the_standard_playbooks_are_there():
    assert set(Playbook.objects.values_list("slug", flat=True)) >= {
        "onboarding",
        "quarterly-business-review",
        "renewal",
        "escalation",
        "owner-handoff",
        "recovery",
    }


def test_starting_a_playbook_assigns_a_task_per_step(owner, acme):
    billing_head = UserFactory(
        email="bo@retain.test", department=_department("billing"), role=Role.MANAGER
    )
    Department.objects.filter(slug="billing").update(head=billing_head)
    run = services.start_playbook(
        actor=owner, client=acme, playbook=Playbook.objects.get(slug="onboarding")
    )
    tasks = list(run.tasks.order_by("step__position"))
    assert [t.title for t in tasks] == [
        "Welcome call",
        "Kick-off with Operations",
        "First invoice checked",
        "30-day review",
    ]
    today = timezone.localdate()
    assert [t.due_on - today for t in tasks] == [dt.timedelta(days=d) for d in (2, 7, 14, 30)]
    assert tasks[0].assignee == owner
    assert tasks[1].assignee is None and tasks[1].department.slug == "operations"  # no head
    assert tasks[2].assignee == billing_head
    assert TimelineEntry.objects.filter(client=acme, kind=TimelineKind.TASK).count() == 1


def test_editing_makes_a_new_version_and_running_ones_keep_theirs(owner, admin_user, acme):
    playbook = Playbook.objects.get(slug="escalation")
    run = services.start_playbook(actor=owner, client=acme, playbook=playbook)
    version = services.publish_version(
        actor=admin_user,
        playbook=playbook,
        steps=[services.StepSpec("Call within the hour", due_after_days=0, checklist=["Called"])],
    )
    assert version.number == 2
    assert run.version.number == 1 and run.tasks.count() == 2
    later = services.start_playbook(actor=owner, client=acme, playbook=playbook)
    assert later.version == version and [t.title for t in later.tasks.all()] == [
        "Call within the hour"
    ]
    with pytest.raises(PermissionDenied):
        services.publish_version(actor=owner, playbook=playbook, steps=[services.StepSpec("x")])
    with pytest.raises(ValidationError):
        services.publish_version(
            actor=admin_user,
            playbook=playbook,
            steps=[services.StepSpec("Ask", responsible=StepOwner.DEPARTMENT)],
        )


def test_triggers_start_handoff_and_recovery(owner, admin_user, acme):
    newcomer = UserFactory(
        email="nina.new@retain.test", department=_department("account-management")
    )
    client_services.reassign_owner(
        actor=admin_user,
        client=acme,
        new_user=newcomer,
        note="Over to you",
        expected_version=acme.version,
    )
    handoff = PlaybookRun.objects.get(version__playbook__slug="owner-handoff")
    assert {t.assignee for t in handoff.tasks.all()} == {newcomer}
    open_incident(
        actor=owner,
        client=acme,
        title="Line down",
        category="product_defect",
        severity=1,
        responsible_department=_department("production"),
    )
    assert PlaybookRun.objects.filter(version__playbook__slug="recovery", client=acme).count() == 1
    open_incident(
        actor=owner,
        client=acme,
        title="Late",
        category="late_delivery",
        severity=3,
        responsible_department=_department("shipping"),
    )
    assert PlaybookRun.objects.filter(version__playbook__slug="recovery").count() == 1


def test_completing_tasks_goes_on_the_timeline_and_counts_for_adherence(owner, teammate, acme):
    run = services.start_playbook(
        actor=owner, client=acme, playbook=Playbook.objects.get(slug="escalation")
    )
    first, second = run.tasks.order_by("step__position")
    services.complete_task(actor=owner, task=first)
    with pytest.raises(ValidationError):
        services.complete_task(actor=owner, task=first)
    Task.objects.filter(pk=second.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    second.refresh_from_db()
    by_playbook = {row.group: row for row in adherence_by("playbook")}
    assert (by_playbook["Escalation"].done_on_time, by_playbook["Escalation"].overdue) == (1, 1)
    assert by_playbook["Escalation"].rate == 0.5
    services.complete_task(actor=teammate, task=second)  # the backup owner may
    run.refresh_from_db()
    assert run.completed_at is not None
    by_person = {row.group: row for row in adherence_by("person")}
    assert by_person[str(owner)].done_on_time == 1 and by_person[str(owner)].done_late == 1
    assert TimelineEntry.objects.filter(client=acme, subject__startswith="Task done").count() == 2


def test_who_may_complete_a_task(owner, acme, manager):
    run = services.start_playbook(
        actor=owner, client=acme, playbook=Playbook.objects.get(slug="escalation")
    )
    task = run.tasks.first()
    outsider = UserFactory(email="out@retain.test", department=_department("legal"))
    for person in (outsider, manager):  # manager of shipping: not the task's department
        with pytest.raises(PermissionDenied):
            services.complete_task(actor=person, task=task)
    with pytest.raises(PermissionDenied):
        services.start_playbook(
            actor=outsider, client=acme, playbook=Playbook.objects.get(slug="renewal")
        )


def test_guidance_markdown_cannot_run_script():
    html = render_markdown(
        "**Call** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    assert "<strong>Call</strong>" in html
    assert "<script>" not in html and "<img" not in html and 'href="javascript:' not in html


def test_start_and_complete_through_the_pages(owner, acme):
    browser = Browser()
    browser.force_login(owner)
    playbook = Playbook.objects.get(slug="quarterly-business-review")
    page = browser.get(f"/clients/{acme.pk}/").content.decode()
    assert "Start a playbook" in page
    assert (
        browser.post(f"/clients/{acme.pk}/playbooks/start/", {"playbook": playbook.pk}).status_code
        == 302
    )
    tasks = browser.get("/tasks/").content.decode()
    assert "Prepare the review" in tasks
    task = Task.objects.get(title="Prepare the review")
    browser.post(f"/tasks/{task.pk}/complete/", {"next": "/tasks/"})
    assert Task.objects.get(pk=task.pk).completed_at is not None
    assert list(list_open_tasks_for(user=owner).values_list("title", flat=True)) == [
        "Hold the review"
    ]
    detail = browser.get("/playbooks/quarterly-business-review/").content.decode()
    assert "<strong>" not in detail or "Gather usage" in detail
    listing = browser.get("/playbooks/?by=department").content.decode()
    assert "The client&#x27;s owner" in listing or "The client's owner" in listing


TASK_ROLES = [
    "assignee",
    "department_member",
    "department_manager",
    "other_member",
    "other_manager",
    "client_owner",
    "client_backup",
    "admin",
    "former",
    "anonymous",
]
MAY_COMPLETE = {
    "assignee",
    "department_member",
    "department_manager",
    "client_owner",
    "client_backup",
    "admin",
}


@pytest.mark.parametrize("role", TASK_ROLES)
def test_who_may_complete_a_department_task(owner, teammate, manager, admin_user, role):
    """A billing step: billing's members and manager act on it; other departments do not."""
    billing = _department("billing")
    head = UserFactory(email="bh@retain.test", department=billing, role=Role.MANAGER)
    Department.objects.filter(pk=billing.pk).update(head=head)
    playbook = Playbook.objects.create(slug="billing-check", name="Billing check")
    services.publish_version(
        actor=None,
        playbook=playbook,
        steps=[
            services.StepSpec(
                title="Check the first invoice",
                responsible=StepOwner.DEPARTMENT,
                department=billing,
            )
        ],
    )
    client = ClientFactory(owner=owner, backup_owner=teammate)
    task = services.start_playbook(actor=owner, client=client, playbook=playbook).tasks.get()
    people = {
        "assignee": head,  # the department's head gets a department's step
        "department_member": UserFactory(email="b1@retain.test", department=billing),
        "department_manager": UserFactory(
            email="b2@retain.test", department=billing, role=Role.MANAGER
        ),
        "other_member": UserFactory(email="s1@retain.test", department=_department("support")),
        "other_manager": manager,  # manages shipping
        "client_owner": owner,
        "client_backup": teammate,
        "admin": admin_user,
        "former": UserFactory(email="f1@retain.test", department=billing, is_active=False),
        "anonymous": AnonymousUser(),
    }
    assert task.assignee == head and task.department == billing
    if role in MAY_COMPLETE:
        services.complete_task(actor=people[role], task=task)
        task.refresh_from_db()
        assert task.completed_by == people[role]
    else:
        with pytest.raises(PermissionDenied):
            services.complete_task(actor=people[role], task=task)
        task.refresh_from_db()
        assert task.completed_at is None
