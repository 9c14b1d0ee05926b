"""Index-only schema changes written by hand, for migrations that drop or add an index on a
live table: Django's AlterField for `db_index` drops and re-creates the foreign key as well,
which on PostgreSQL re-validates it over the whole table under a lock. On PostgreSQL the index
is dropped or built CONCURRENTLY (no write lock on the table), so such a migration sets
`atomic = False`. Used through `RunPython` inside `SeparateDatabaseAndState`."""

from __future__ import annotations

from typing import Any


def _concurrently(schema_editor: Any) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def plain_indexes(schema_editor: Any, table: str, columns: list[str]) -> list[str]:
    """Names of the non-unique indexes on exactly these columns (whatever Django named them)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [name for name, info in found.items()
            if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == columns]


def index_drop_named(schema_editor: Any, name: str) -> None:
    schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {schema_editor.quote_name(name)}")


def index_drop(schema_editor: Any, table: str, columns: list[str]) -> None:
    """Drop the plain index(es) on exactly these columns, if any."""
    for name in plain_indexes(schema_editor, table, columns):
        index_drop_named(schema_editor, name)


def index_create(schema_editor: Any, name: str, table: str, columns: list[str], where: str = "") -> None:
    """CREATE INDEX IF NOT EXISTS; `where` is a literal predicate (a partial index)."""
    quote = schema_editor.quote_name
    cols = ", ".join(quote(c) for c in columns)
    predicate = f" WHERE {where}" if where else ""
    schema_editor.execute(f"CREATE INDEX{_concurrently(schema_editor)} IF NOT EXISTS {quote(name)} ON {quote(table)} ({cols}){predicate}")


# (table, column, the index's name to re-create it under when migrating backwards)
SingleColumn = tuple[str, str, str]


def single_column_indexes_drop(schema_editor: Any, indexes: list[SingleColumn]) -> None:
    """Forwards: drop each column's own index (a foreign key's, whatever Django named it)."""
    for table, column, _ in indexes:
        index_drop(schema_editor, table, [column])


def single_column_indexes_restore(schema_editor: Any, indexes: list[SingleColumn]) -> None:
    """Backwards: re-create them under their old names."""
    for table, column, name in indexes:
        index_create(schema_editor, name, table, [column])
