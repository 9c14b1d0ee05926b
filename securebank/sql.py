"""Hand-written SQL for the statements on the money path.

Building a statement through the ORM costs several times running it: on the development
machine a one-row SELECT with `select_related` took 1.9 ms of CPU through the ORM and 0.13 ms
as the same SQL on a plain cursor (bench/results_transfers.md), and a transfer runs a dozen
statements. The few on that path are written as SQL templates over a model's own table and
column names, with values adapted exactly as the ORM adapts them (`get_db_prep_save`, the
connection's adapters) and instances built with `Model.from_db`, as the ORM builds them.
Everything else uses the ORM.

    sql = model_sql(Account, "SELECT {id} FROM {table} WHERE {owner} = %s AND {is_primary}")

Templates name fields (`{owner}` is the `owner_id` column) and `{table}`; both come out quoted
for the current database. Both supported databases accept `ON CONFLICT` and `RETURNING`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import AutoField, Model

M = TypeVar("M", bound=Model)


def db() -> BaseDatabaseWrapper:
    """This thread's connection itself. `django.db.connection` is a proxy that looks the
    connection up again on every attribute (a thread-local read each time): a transfer made
    ~130 such lookups through these helpers, 7% of its CPU (cProfile, bench/results_transfers.md)."""
    return connections[DEFAULT_DB_ALIAS]


@lru_cache(maxsize=256)
def _model_sql(model: type[Model], template: str, vendor: str) -> str:
    quote = connection.ops.quote_name
    meta = model._meta
    names = {f.name: quote(f.column) for f in meta.concrete_fields}
    return template.format(table=quote(meta.db_table), **names)


def model_sql(model: type[Model], template: str) -> str:
    """`template` with {table} and {<field name>} as quoted names (cached per database kind)."""
    return _model_sql(model, template, connection.vendor)


def fetch_one(sql: str, params: Sequence[Any]) -> tuple | None:
    with db().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple]:
    with db().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: Sequence[Any]) -> int:
    """Run a write; returns the number of rows it touched."""
    with db().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


_GET = "SELECT {columns} FROM {{table}} WHERE {{{field}}} = %s"


@lru_cache(maxsize=64)
def _get_sql(model: type[Model], field: str, vendor: str) -> str:
    return _model_sql(model, _GET.format(columns=columns(model), field=field), vendor)


def get(model: type[M], field: str, value: Any) -> M | None:
    """The instance whose unique `field` equals `value`, or None (the ORM's `.get`, without
    building the query each time)."""
    row = fetch_one(_get_sql(model, field, connection.vendor), [prep(model, field, value)])
    return None if row is None else from_row(model, row)


def prep(model: type[Model], field: str, value: Any) -> Any:
    """`value` as the ORM would send it for `model.field` (e.g. a UUID as 32 hex digits on SQLite)."""
    return model._meta.get_field(field).get_db_prep_save(value, db())


def columns(model: type[Model], prefix: str = "") -> str:
    """The model's concrete columns, quoted, in field order (for SELECT lists and `from_db`)."""
    return _columns(model, prefix, connection.vendor)


@lru_cache(maxsize=64)
def _columns(model: type[Model], prefix: str, vendor: str) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{prefix}{quote(f.column)}" for f in model._meta.concrete_fields)


def from_row(model: type[M], row: Sequence[Any]) -> M:
    """An instance from a row of `columns(model)`, converted as the ORM converts values read
    from this database (decimals, datetimes, JSON, UUIDs)."""
    conn = db()
    fields = model._meta.concrete_fields
    values = []
    for field, value in zip(fields, row, strict=True):
        column, converters = _converters(field, conn.vendor)
        for convert in converters:
            value = convert(value, column, conn)
        values.append(value)
    return model.from_db(conn.alias, [f.attname for f in fields], values)


@lru_cache(maxsize=512)
def _converters(field: Any, vendor: str) -> tuple[Any, tuple]:
    column = field.get_col(field.model._meta.db_table)  # the expression the ORM's compiler converts
    return column, tuple(connection.ops.get_db_converters(column) + column.get_db_converters(connection))


_INSERT = "INSERT INTO {table} ({names}) VALUES {rows}{conflict}{returning}"


@lru_cache(maxsize=64)
def _insert_sql(model: type[Model], count: int, vendor: str, unique: str | None) -> tuple[str, tuple[Any, ...], bool]:
    """(statement, the fields it writes in order, whether the id comes back through RETURNING)."""
    quote = connection.ops.quote_name
    meta = model._meta
    auto_pk = isinstance(meta.pk, AutoField)  # BigAutoField included
    fields = tuple(f for f in meta.concrete_fields if not (auto_pk and f.primary_key))
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    statement = _INSERT.format(
        table=quote(meta.db_table), names=", ".join(quote(f.column) for f in fields),
        rows=", ".join([row] * count),
        conflict="" if unique is None else f" ON CONFLICT ({quote(meta.get_field(unique).column)}) DO NOTHING",
        returning=f" RETURNING {quote(meta.pk.column)}" if auto_pk else "",
    )
    return statement, fields, auto_pk


def insert(objs: Sequence[Model]) -> None:
    """INSERT `objs` (one model) in one statement, as `Model.save(force_insert=True)` would
    write them: `pre_save` fills auto_now_add fields, values are prepared by their fields, and
    an auto-increment primary key comes back through RETURNING. No signals are sent."""
    if objs:
        _insert(objs, unique=None)


def insert_unless_taken(obj: Model, unique: str) -> bool:
    """INSERT `obj` as `insert` does, unless another row already holds its value of the unique
    field `unique` (ON CONFLICT DO NOTHING): False then, and nothing is written. A clash needs
    no savepoint around the INSERT to be survived inside a transaction."""
    return _insert([obj], unique=unique) == 1


def _insert(objs: Sequence[Model], *, unique: str | None) -> int:
    conn = db()
    statement, fields, auto_pk = _insert_sql(type(objs[0]), len(objs), conn.vendor, unique)
    params = [f.get_db_prep_save(f.pre_save(obj, add=True), conn) for obj in objs for f in fields]
    with conn.cursor() as cursor:
        cursor.execute(statement, params)
        if auto_pk:
            ids = [pk for (pk,) in cursor.fetchall()]
        else:
            ids = [obj.pk for obj in objs] if cursor.rowcount == len(objs) else []
    if len(ids) != len(objs):  # ON CONFLICT skipped the row (only with `unique`, one object)
        return 0
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = conn.alias
    return len(objs)
