from django.db import migrations

# Frozen copy of the starting departments: later edits to the code's list must
# not change what this migration did.
DEPARTMENTS = [
    ("sales", "Sales"),
    ("account-management", "Account management"),
    ("operations", "Operations"),
    ("shipping", "Shipping"),
    ("billing", "Billing and finance"),
    ("support", "Support"),
    ("legal", "Legal"),
    ("production", "Production"),
    ("procurement", "Procurement"),
    ("product", "Product and design"),
    ("marketing", "Marketing"),
    ("executive", "Executive"),
]


def seed(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    for slug, name in DEPARTMENTS:
        Department.objects.get_or_create(slug=slug, defaults={"name": name})


def unseed(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    Department.objects.filter(slug__in=[slug for slug, _ in DEPARTMENTS], members=None).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
