"""The cadences the issue names for the top 20% of clients by revenue."""

from decimal import Decimal

from django.db import migrations

RULES = [
    ("Top 20%: a touch by the owner every 30 days", 30, ["meeting", "call", "email"], "owner"),
    ("Top 20%: an executive touch every 90 days", 90, ["meeting", "call", "email"], "executive"),
    ("Top 20%: a business review every quarter", 91, ["meeting"], "anyone"),
]


def seed(apps, schema_editor):
    CadenceRule = apps.get_model("cadences", "CadenceRule")
    for name, every, kinds, by in RULES:
        CadenceRule.objects.get_or_create(
            name=name,
            defaults={"top_share": Decimal("0.2"), "every_days": every, "kinds": kinds, "by": by},
        )


class Migration(migrations.Migration):
    dependencies = [("cadences", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
