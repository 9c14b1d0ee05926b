"""The hand-written SQL helpers read and write rows exactly as the ORM does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from accounts.models import User
from accounts.tests.factories import make_user
from ledger.models import Account, Entry, Transaction
from notifications.models import Notification
from securebank import sql

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


@pytest.mark.parametrize("model", [Account, User, Transaction])
def test_from_row_builds_what_the_orm_builds(model):
    make_user("alice")
    make_user("bob")
    for expected in model.objects.all():
        template = f"SELECT {sql.columns(model)} FROM {{table}} WHERE {{{model._meta.pk.name}}} = %s"  # noqa: S608
        row = sql.fetch_one(sql.model_sql(model, template), [sql.prep(model, model._meta.pk.name, expected.pk)])
        built = sql.from_row(model, row)
        assert _fields(built) == _fields(expected)
        assert not built._state.adding


def test_insert_writes_what_save_writes_and_returns_auto_ids():
    alice, bob = make_user("alice"), make_user("bob")
    payer, payee = Account.objects.get(owner=alice), Account.objects.get(owner=bob)
    txn = Transaction(
        reference="123456789012", kind="transfer", status="completed", amount=Decimal("12.34"), payer_account=payer,
        payee_account=payee, description="chai ☕", fraud_score=Decimal("0.12345"), fraud_reasons=["velocity", "new"],
    )
    sql.insert([txn])
    assert txn.created_at is not None and not txn._state.adding
    stored = Transaction.objects.get(pk=txn.pk)
    assert _fields(stored) == _fields(txn)
    entries = [
        Entry(transaction=txn, account=payer, amount=Decimal("-12.34"), balance_after=Decimal("9987.66")),
        Entry(transaction=txn, account=payee, amount=Decimal("12.34"), balance_after=Decimal("10012.34")),
    ]
    sql.insert(entries)
    assert [e.pk for e in entries] == list(Entry.objects.filter(transaction=txn).order_by("id").values_list("pk", flat=True))
    note = Notification(user=alice, event="notification", title="t", data={"amount": "1.00", "nested": [1, None]})
    sql.insert([note])
    assert model_to_dict(Notification.objects.get(pk=note.pk)) == model_to_dict(note)


def test_model_sql_quotes_the_models_own_names():
    statement = sql.model_sql(Account, "SELECT {id} FROM {table} WHERE {owner} = %s")
    assert "owner_id" in statement and Account._meta.db_table in statement and "{" not in statement


@pytest.mark.postgres
def test_postgresql_prepares_a_statement_the_connection_keeps_running():
    """DB_PREPARE_THRESHOLD (5): the money path's statements are parsed and planned once per
    connection, not on every transfer."""
    from django.db import connection

    make_user("alice")
    template = sql.model_sql(User, "SELECT {id} FROM {table} WHERE {username} = %s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        before = cursor.fetchone()[0]
    for _ in range(6):
        assert sql.fetch_one(template, ["alice"]) is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert len(prepared) > before and any('"username" = $1' in text for text in prepared)
