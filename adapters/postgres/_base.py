"""What every repository shares: its connection, error translation and row mapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs
from sqlalchemy import Connection, CursorResult, DateTime, Executable, Table, bindparam, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from ._errors import translate

__all__ = ["Repository", "after_key", "attribute_names", "columns_for", "owned_values"]

_UUID: Final = postgresql.UUID(as_uuid=True)
_TIMESTAMPTZ: Final = DateTime(timezone=True)


class Repository:
    """Base of the repositories: they all run on the unit of work's one connection.

    Args:
        connection: The connection holding the unit of work's transaction.
    """

    __slots__ = ("_connection",)

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _execute(
        self, statement: Executable, params: Mapping[str, Any] | None = None, table: Table | None = None
    ) -> CursorResult[Any]:
        try:
            return self._connection.execute(statement, params)
        except (IntegrityError, DataError) as error:
            raise translate(error, table, params) from error


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
        column = table.c[renamed.get(name, name)]
        columns.append(column if column.name == name else column.label(name))
    return tuple(columns)


def owned_values(names: Sequence[str], obj: object) -> dict[str, Any]:
    """``obj``'s attributes of these names, as statement parameters."""
    return {name: getattr(obj, name) for name in names}


def after_key(table: Table) -> ColumnElement[bool]:
    """Keyset condition: rows strictly after ``(:after_at, :after_id)`` in (inserted_at, id) order."""
    return tuple_(table.c.inserted_at, table.c.id) > tuple_(
        bindparam("after_at", type_=_TIMESTAMPTZ), bindparam("after_id", type_=_UUID)
    )
