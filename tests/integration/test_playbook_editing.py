"""Editing a playbook in the app publishes a new version; runs keep theirs."""

from __future__ import annotations

import pytest

from retain.accounts.models import Department
from retain.playbooks.models import Playbook, PlaybookVersion
from retain.playbooks.services import current_version, start_playbook
from tests.factories import ClientFactory
from tests.integration.test_client_pages import signed_in

pytestmark = pytest.mark.django_db


def _post_data(playbook: Playbook, steps: list[dict], based_on: int) -> dict:
    data = {
        "based_on": based_on,
        "steps-TOTAL_FORMS": len(steps),
        "steps-INITIAL_FORMS": 0,
        "steps-MIN_NUM_FORMS": 0,
        "steps-MAX_NUM_FORMS": 1000,
    }
    for n, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{n}-{key}"] = value
    return data


def _step(title: str, order: int, **extra) -> dict:
    return {
        "title": title,
        "responsible": "owner",
        "department": "",
        "due_after_days": 3,
        "checklist": "Agenda sent\r\n\r\nNotes on the timeline",
        "guidance": "**Listen** first.",
        "ORDER": order,
        **extra,
    }


def test_a_manager_publishes_a_new_version_and_running_playbooks_keep_theirs(manager, owner):
    playbook = Playbook.objects.get(slug="renewal")
    old = current_version(playbook)
    acme = ClientFactory(owner=owner)
    run = start_playbook(actor=owner, client=acme, playbook=playbook)
    browser = signed_in(manager)
    form = browser.get(f"/playbooks/{playbook.slug}/edit/")
    assert form.status_code == 200
    assert form.context["formset"].total_form_count() == old.steps.count() + 1  # one blank
    shipping = Department.objects.get(slug="shipping")
    steps = [
        _step("Check the delivery record", 2, responsible="department", department=shipping.pk),
        _step("Renewal call", 1),
        _step("Dropped step", 3, DELETE="on"),
    ]
    response = browser.post(
        f"/playbooks/{playbook.slug}/edit/", _post_data(playbook, steps, old.number)
    )
    assert response.status_code == 302
    new = current_version(playbook)
    assert new.number == old.number + 1 and new.created_by == manager
    assert [(s.title, s.department) for s in new.steps.order_by("position")] == [
        ("Renewal call", None),
        ("Check the delivery record", shipping),
    ]
    assert new.steps.get(position=1).checklist == ["Agenda sent", "Notes on the timeline"]
    run.refresh_from_db()
    assert run.version == old  # started before the edit: keeps its steps


def test_an_edit_from_an_old_version_is_refused(manager):
    playbook = Playbook.objects.get(slug="renewal")
    latest = current_version(playbook).number
    browser = signed_in(manager)
    data = _post_data(playbook, [_step("Mine", 1)], latest)
    assert browser.post(f"/playbooks/{playbook.slug}/edit/", data).status_code == 302
    # A second editor who opened version `latest` too saves later: refused, nothing written.
    response = browser.post(
        f"/playbooks/{playbook.slug}/edit/",
        _post_data(playbook, [_step("Theirs", 1)], latest),
        follow=True,
    )
    assert "was published while you edited" in response.content.decode()
    assert PlaybookVersion.objects.filter(playbook=playbook).count() == latest + 1


def test_a_department_step_must_name_its_department_and_members_may_not_edit(manager, owner):
    playbook = Playbook.objects.get(slug="renewal")
    latest = current_version(playbook).number
    data = _post_data(playbook, [_step("Whose?", 1, responsible="department")], latest)
    response = signed_in(manager).post(f"/playbooks/{playbook.slug}/edit/", data, follow=True)
    assert "is for a department: name it" in response.content.decode()
    assert signed_in(owner).get(f"/playbooks/{playbook.slug}/edit/").status_code == 403
    assert signed_in(owner).post(f"/playbooks/{playbook.slug}/edit/", data).status_code == 403
    assert current_version(playbook).number == latest
