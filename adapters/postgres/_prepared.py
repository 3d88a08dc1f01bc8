"""Statements compiled once (:class:`Prepared`), and rows mapped positionally onto attrs objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeAlias

import attrs
from sqlalchemy import Select, Table, cast
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Text

__all__ = ["DIALECT", "Prepared", "Statement", "attribute_names", "columns_for"]

#: Compiles every statement, once, to the SQL text and ``%(name)s`` parameters psycopg takes.
DIALECT: Final = psycopg_dialect()  # type: ignore[no-untyped-call]

#: What :class:`Prepared` runs: a SELECT, or an INSERT, UPDATE or DELETE.
Statement: TypeAlias = Select[Any] | UpdateBase


class Prepared:
    """A constant SQLAlchemy Core statement, compiled once and then run on the psycopg cursor.

    SQLAlchemy builds the statements and compiles them (for the psycopg
    dialect, without an engine); it takes no part in running them. psycopg
    returns UUIDs, timestamps and jsonb (decoded by msgspec, see ``_json.py``)
    as they are, takes dicts for jsonb and lists for ``= ANY(...)`` arrays, and
    rows map positionally onto domain objects.

    Args:
        statement: a SELECT, INSERT, UPDATE or DELETE whose parameters are all named
            (an INSERT lists its values); it is compiled here, once.
        locking: a ``SELECT ... FOR UPDATE`` (see :meth:`with_for_update`), which, like a
            write, opens the unit of work's transaction so that its row locks last until it ends.

    Attributes:
        sql: The SQL text, with ``%(name)s`` placeholders.
        query: The same, encoded: what the cursor runs (psycopg would encode the text, and
            hash a new byte string to find its parsed form, on every execution).
        defaults: The values of the literals SQLAlchemy turned into parameters.
        opens_transaction: Whether it writes or locks, which needs the unit of work's transaction.
        table: The table a write changes: it names the field of an over-long value.
    """

    __slots__ = ("defaults", "inserts", "opens_transaction", "query", "sql", "statement", "table")

    def __init__(self, statement: Statement, *, locking: bool = False) -> None:
        self.statement = statement
        compiled = statement.compile(dialect=DIALECT)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("expanding IN cannot be prepared; compare with = ANY(:array)")
        self.sql: str = compiled.string
        self.query = self.sql.encode()
        # literal values in the statement (``status = 'active'``) are parameters with their values filled in
        self.defaults: dict[str, Any] = {k: v for k, v in compiled.params.items() if v is not None}
        # writes, and locking reads whose row locks must last until the unit of work ends
        self.opens_transaction = bool(statement.is_dml) or locking
        table = getattr(statement, "table", None) if statement.is_dml else None
        self.table: Table | None = table if isinstance(table, Table) else None
        self.inserts = bool(getattr(statement, "is_insert", False))

    def parameters(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """What the statement runs with: ``params`` and the literals' values."""
        return {**self.defaults, **params} if self.defaults else params

    def with_for_update(self, **kwargs: Any) -> Prepared:
        assert isinstance(self.statement, Select)
        return Prepared(self.statement.with_for_update(**kwargs), locking=True)


def attribute_names(cls: type) -> tuple[str, ...]:
    """The attrs class's fields in declaration order, checked to be settable positionally."""
    fields = attrs.fields(cls)
    if any(not field.init or field.kw_only for field in fields):
        raise TypeError(f"{cls.__name__} cannot be built positionally from a row")
    return tuple(field.name for field in fields)


def columns_for(
    cls: type, table: Table, renamed: Mapping[str, str] | None = None
) -> tuple[ColumnElement[Any], ...]:
    """The columns to select so that ``cls(*row)`` rebuilds the object.

    Args:
        cls: An attrs class whose attribute names are the table's column names.
        table: The table it is stored in.
        renamed: Attribute name -> column name, where the two differ.
    """
    renamed = renamed or {}
    columns: list[ColumnElement[Any]] = []
    for name in attribute_names(cls):
        column: ColumnElement[Any] = table.c[renamed.get(name, name)]
        if isinstance(column.type, CITEXT):
            # results come in binary format, and psycopg knows no binary loader of the citext extension
            column = cast(column, Text).label(name)
        columns.append(column if column.name == name else column.label(name))
    return tuple(columns)
