"""A revision token for the subscription lines, changed by triggers on every write.

SQLite has row triggers only; PostgreSQL fires one per statement (a bulk load or COPY
changes the token once) and also on TRUNCATE.
"""

from django.db import migrations, models

TABLE = "clients_subscriptionline"

SQLITE = [
    f"""CREATE TRIGGER clients_subscriptionline_revision_{event.lower()}
    AFTER {event} ON {TABLE}
    BEGIN
        UPDATE clients_tablerevision SET token = lower(hex(randomblob(16)))
        WHERE "table" = '{TABLE}';
    END"""
    for event in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS clients_subscriptionline_revision_{event.lower()}"
    for event in ("INSERT", "UPDATE", "DELETE")
]
POSTGRESQL = [
    f"""CREATE FUNCTION clients_subscriptionline_revision() RETURNS trigger AS $$
    BEGIN
        UPDATE clients_tablerevision SET token = md5(random()::text || clock_timestamp()::text)
        WHERE "table" = '{TABLE}';
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER clients_subscriptionline_revision
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION clients_subscriptionline_revision()""",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS clients_subscriptionline_revision ON {TABLE}",
    "DROP FUNCTION IF EXISTS clients_subscriptionline_revision()",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def add_revision_row(apps, schema_editor):
    apps.get_model("clients", "TableRevision").objects.create(table=TABLE, token="initial")


class Migration(migrations.Migration):
    dependencies = [("clients", "0006_timeline_kinds_commitment_task")]

    operations = [
        migrations.CreateModel(
            name="TableRevision",
            fields=[
                ("table", models.CharField(max_length=63, primary_key=True, serialize=False)),
                ("token", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunPython(add_revision_row, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        ),
    ]
