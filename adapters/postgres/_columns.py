"""The column and constraint builders ``tables.py`` describes the schema with.

Allowed values and lengths are the core's (``conezia.core.shapes``), never retyped
here; tests/integration/test_schema_limits.py checks the migrations agree with them.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKeyConstraint, PrimaryKeyConstraint, String, text
from sqlalchemy.dialects import postgresql

from conezia.core.shapes import Shape

__all__ = [
    "TIMESTAMPTZ",
    "UUID_TYPE",
    "_EMPTY_OBJECT",
    "_NOW",
    "_at_most",
    "_between",
    "_cascade_to_user",
    "_id",
    "_inserted_at",
    "_not_blank",
    "_one_of",
    "_owned_row",
    "_updated_at",
    "_varchar",
]

UUID_TYPE: Final = postgresql.UUID(as_uuid=True)
TIMESTAMPTZ: Final = DateTime(timezone=True)
_NOW = text("now()")
_EMPTY_OBJECT = text("'{}'::jsonb")


def _id() -> Column[Any]:
    return Column("id", UUID_TYPE, nullable=False, server_default=text("gen_random_uuid()"))


def _inserted_at() -> Column[Any]:
    return Column("inserted_at", TIMESTAMPTZ, nullable=False, server_default=_NOW)


def _updated_at() -> Column[Any]:
    return Column("updated_at", TIMESTAMPTZ, nullable=False, server_default=_NOW)


def _cascade_to_user(table: str, column: str = "user_id") -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        [column], ["users.id"], name=f"{table}_{column}_fkey", ondelete="CASCADE"
    )


def _owned_row(table: str) -> tuple[Any, ...]:
    """The id (the primary key) and ``user_id`` (deleted with the user) of a table of users' rows."""
    return (
        _id(),
        Column("user_id", UUID_TYPE, nullable=False),
        PrimaryKeyConstraint("id", name=f"{table}_pkey"),
        _cascade_to_user(table),
    )


def _varchar(shape: Shape, name: str) -> String:
    """The column type of a text field: varchar of its declared length."""
    length = shape[name].max_length
    if length is None:
        raise ValueError(f"{shape.table}.{name} declares no length")
    return String(length)


def _one_of(shape: Shape, name: str) -> CheckConstraint:
    """CHECK (column = ANY (the field's choices as one text[] constant)), as in the migrations."""
    listed = ",".join(shape[name].choices)
    return CheckConstraint(f"{name}::text = ANY ('{{{listed}}}'::text[])", name=f"{shape.table}_{name}_check")


def _at_most(shape: Shape, name: str) -> CheckConstraint:
    """CHECK of the length of a field stored as unbounded text (or citext)."""
    return CheckConstraint(f"char_length({name}) <= {shape[name].max_length}", name=f"{shape.table}_{name}_check")


def _between(shape: Shape, name: str) -> CheckConstraint:
    field = shape[name]
    return CheckConstraint(
        f"{name} >= {field.minimum} AND {name} <= {field.maximum}", name=f"{shape.table}_{name}_check"
    )


def _not_blank(shape: Shape, name: str, *, trimmed: bool = False) -> CheckConstraint:
    condition = f"char_length({name}) >= {shape[name].min_length}"
    if trimmed:
        condition += f" AND btrim({name}) <> ''"
    return CheckConstraint(condition, name=f"{shape.table}_{name}_check")
