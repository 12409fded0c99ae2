from django.db import migrations

# Frozen copy of the starting SLA (severity -> hours to resolve); admins edit them later.
TARGETS = [(1, 24), (2, 72), (3, 168), (4, 336)]


def seed(apps, schema_editor):
    ResolutionTarget = apps.get_model("incidents", "ResolutionTarget")
    for severity, hours in TARGETS:
        ResolutionTarget.objects.get_or_create(severity=severity, defaults={"hours": hours})


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
