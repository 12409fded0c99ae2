from typing import Any

from django.db import migrations

# Frozen copy of the standard playbooks (version 1 of each). Admins and managers publish
# new versions in Retain; this migration never changes them.
# (slug, name, purpose, trigger, [(title, responsible, department slug, due after days,
#  checklist, guidance)])
PLAYBOOKS: list[tuple[str, str, str, str, list[tuple[Any, ...]]]] = [
    ("onboarding", "Onboarding", "From signature to first value in 30 days", "new_client", [
        ("Welcome call", "owner", None, 2, ["Introduce owner and backup", "Agree success criteria"],
         "Call the primary contact within **two days**. Write the success criteria down in a note."),
        ("Kick-off with Operations", "department", "operations", 7, ["Delivery plan agreed", "Installation date set"],
         "Operations confirms the delivery plan against the **contract**, not the quote."),
        ("First invoice checked", "department", "billing", 14, ["Prices match the contract", "Terms match"],
         "Run `retain check-consistency` for the client before the invoice goes out."),
        ("30-day review", "owner", None, 30, ["Success criteria reviewed", "Next steps agreed"],
         "Review usage and open incidents with the client."),
    ]),
    ("quarterly-business-review", "Quarterly business review", "Show value and agree what comes next", "", [
        ("Prepare the review", "owner", None, 7, ["Usage and outcomes", "Incidents and how they were resolved"],
         "Gather usage, outcomes, incidents resolved and response times."),
        ("Hold the review", "owner", None, 14, ["Minutes written", "Action items assigned"],
         "Meet the client's decision maker. Record the minutes as a meeting on the timeline."),
    ]),
    ("renewal", "Renewal", "Renew with no surprises, starting 90 days out", "", [
        ("Renewal health check", "owner", None, 0, ["Open incidents", "Overdue commitments", "Last survey"],
         "Start 90 days before the renewal date. Anything open is settled **before** the offer."),
        ("Renewal offer", "department", "sales", 30, ["Offer matches current usage"],
         "Sales prepares the offer with the owner."),
        ("Contract signed", "department", "legal", 60, ["Contract matches the offer"], ""),
    ]),
    ("escalation", "Escalation", "When a client's problem needs a manager now", "", [
        ("Call the client", "owner", None, 0, ["Acknowledge the problem", "Promise a date"],
         "Record what you promise as a commitment, for the department that must keep it."),
        ("Department head takes charge", "owner", None, 1, ["Root cause named", "Fix planned"], ""),
    ]),
    ("owner-handoff", "Owner handoff", "A new owner takes over with the whole context", "owner_change", [
        ("Read the handoff and the timeline", "owner", None, 1, ["Acknowledge the handoff", "Read the last 90 days"],
         "Acknowledge the handoff on *My clients* once you have read it."),
        ("Introduction call", "owner", None, 7, ["Introduced to the primary contact", "Open issues reviewed"], ""),
    ]),
    ("recovery", "Recovery after an incident", "Win back trust after a severe failure", "severity_1_incident", [
        ("Call the client today", "owner", None, 0, ["Apologise", "Explain what happens next"],
         "Call, do not e-mail. Say what will be done and by when."),
        ("Root cause and fix", "owner", None, 3, ["Root cause found", "Fix confirmed with the client"], ""),
        ("Follow-up", "owner", None, 14, ["Client confirms it is resolved"],
         "Ask how it went; record the answer as a call on the timeline."),
    ]),
]


def seed(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    Playbook = apps.get_model("playbooks", "Playbook")
    PlaybookVersion = apps.get_model("playbooks", "PlaybookVersion")
    PlaybookStep = apps.get_model("playbooks", "PlaybookStep")
    departments = {d.slug: d for d in Department.objects.all()}
    for slug, name, purpose, trigger, steps in PLAYBOOKS:
        playbook, created = Playbook.objects.get_or_create(
            slug=slug, defaults={"name": name, "purpose": purpose, "trigger": trigger}
        )
        if not created:
            continue
        version = PlaybookVersion.objects.create(playbook=playbook, number=1)
        for position, (title, responsible, department, days, checklist, guidance) in enumerate(steps, 1):
            PlaybookStep.objects.create(
                version=version,
                position=position,
                title=title,
                responsible=responsible if department is None or department in departments else "owner",
                department=departments.get(department) if department else None,
                due_after_days=days,
                checklist=checklist,
                guidance=guidance,
            )


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0001_initial"), ("accounts", "0002_seed_departments")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
