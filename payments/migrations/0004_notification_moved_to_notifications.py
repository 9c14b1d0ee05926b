"""Notification now belongs to the notifications app (notifications/migrations/0001_initial.py,
which says why its table keeps the name payments_notification): payments forgets the model's
state only; the table and its rows stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0003_notification_outbox_pushed_at"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
