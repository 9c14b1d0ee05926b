"""Notification moves from payments to this app: state only, the rows stay where they are.

The table keeps its name, `payments_notification` (Meta.db_table), rather than being renamed
with AlterModelTable: a rename would take an ACCESS EXCLUSIVE lock on PostgreSQL on the busiest
table of the money path (one INSERT per payment party) and, worse, break every process still
running the previous release during a rolling deploy (their INSERTs would name a table that no
longer exists, rolling back the payments they belong to). With the name kept, old and new code
share the table, this migration takes no lock and is reversed for free. Its indexes keep their
names too: Django derives them from the table name, so they match the model as it stands.

The content type moves with the model (as Django does for a RenameModel), so the permissions
granted on notifications keep pointing at the model.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="payments", new="notifications"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="notification").exists():
        ContentType.objects.using(db).filter(app_label=old, model="notification").update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="notifications", new="payments")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("payments", "0003_notification_outbox_pushed_at"),  # the table was created there
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("event", models.CharField(max_length=32)),
                        ("title", models.CharField(blank=True, max_length=120)),
                        ("message", models.CharField(blank=True, max_length=500)),
                        ("data", models.JSONField(blank=True, default=dict)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("pushed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "payments_notification",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["user", "-created_at"], name="payments_no_user_id_81fe07_idx"),
                            models.Index(fields=["user", "read_at"], name="payments_no_user_id_c5480d_idx"),
                            models.Index(
                                condition=models.Q(("pushed_at__isnull", True)),
                                fields=["created_at", "id"],
                                name="notification_unpushed_idx",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
