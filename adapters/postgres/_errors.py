"""Turning psycopg's errors into the core's errors, so that none surfaces as a 500.

:data:`CONSTRAINT_ERRORS` is the one mapping from the schema's constraint names
to fields and messages, read off the tables of ``tables*.py`` (bar a few named
by hand); the kind of rule that was broken decides which core error carries it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final, NoReturn

import psycopg
from psycopg import errors as pg
from sqlalchemy import CheckConstraint, ForeignKeyConstraint, PrimaryKeyConstraint, String, Table, UniqueConstraint

from conezia.core.entities import ONE_RELATIONSHIP
from conezia.core.errors import (
    INVALID,
    TAKEN,
    ConeziaError,
    ConflictError,
    NotFoundError,
    UnavailableError,
    ValidationError,
)
from conezia.core.identifiers import SECOND_PRIMARY

from .tables import metadata

__all__ = ["CONSTRAINT_ERRORS", "is_unavailable", "reraise", "reraise_write", "translatable", "translate"]

_MISSING: Final = "does not exist"


# The owner's column narrows a composite key; it is never the field a clash is reported on.
_OWNER_COLUMNS: Final = frozenset({"user_id", "owner_id"})

#: The constraints whose field or message is not the one :func:`_derived` reads off their columns.
_EXPLICIT: Final[Mapping[str, tuple[str, str]]] = {
    "relationships_user_id_entity_id_index": ("entity_id", ONE_RELATIONSHIP),
    "identifiers_entity_type_primary_idx": ("is_primary", SECOND_PRIMARY),
    # at least one parent: reported on the first
    "attachments_parent_check": ("entity_id", INVALID),
}


def _derived(table: Table) -> Iterator[tuple[str, tuple[str, str]]]:
    """Each constraint and unique index of ``table`` whose field its columns name, and its message.

    A key (primary, unique, unique index) clashes on its last column but the owner's
    (``tags_user_id_name_index``: ``name``; ``tags_id_user_id_index``: ``id``); a foreign key
    misses its first column's row (``tags_user_id_fkey``: ``user_id``); a check
    ``<table>_<column>_check`` refuses that column's value.
    """
    for constraint in table.constraints:
        name = str(constraint.name)
        if isinstance(constraint, (PrimaryKeyConstraint, UniqueConstraint)):
            if constraint.columns:  # a table without a primary key has an empty one
                yield name, (_key_field(constraint.columns.keys()), TAKEN)
        elif isinstance(constraint, ForeignKeyConstraint):
            yield name, (constraint.column_keys[0], _MISSING)
        elif isinstance(constraint, CheckConstraint):
            column = name.removeprefix(f"{table.name}_").removesuffix("_check")
            if column in table.c:
                yield name, (column, INVALID)
    for index in table.indexes:
        if index.unique:
            yield str(index.name), (_key_field([column.name for column in index.columns]), TAKEN)


def _key_field(columns: Sequence[str]) -> str:
    return [column for column in columns if column not in _OWNER_COLUMNS][-1]


#: Constraint (or unique index) name -> (field, message): the field a broken rule is reported on.
#: Every constraint of the migrated schema is here (tests/integration/test_schema.py checks).
CONSTRAINT_ERRORS: Final[Mapping[str, tuple[str, str]]] = {
    **{name: error for table in metadata.tables.values() for name, error in _derived(table)},
    **_EXPLICIT,
}

# A unique index whose violation is a validation problem rather than a clash
# with other data: it is the entity's own other identifier that holds the flag.
_VALIDATION_UNIQUES: Final = frozenset({"identifiers_entity_type_primary_idx"})
_RESOURCES: Final[Mapping[str, str]] = {
    "user_id": "user",
    "owner_id": "user",
    "entity_id": "entity",
    "tag_id": "tag",
    "group_id": "group",
    "conversation_id": "conversation",
    "reminder_id": "reminder",
    "interaction_id": "interaction",
    "communication_id": "communication",
}


def translatable(error: psycopg.Error) -> bool:
    """Whether the error is about the data sent (a broken rule, a bad value), not the database."""
    return isinstance(error, (psycopg.IntegrityError, psycopg.DataError))


def is_unavailable(error: psycopg.Error) -> bool:
    """Whether the database could not do it now: unreachable, connection lost, shut down, pool exhausted.

    Every ``OperationalError`` is one: psycopg raises it for a lost or refused
    connection, the server for an administrator's shutdown or termination
    (``AdminShutdown``), a server starting up or out of resources, and the pool
    for a checkout that timed out (``PoolTimeout``) or a closed pool.
    """
    return isinstance(error, psycopg.OperationalError)


def reraise(
    error: psycopg.Error, table: Table | None = None, params: Mapping[str, Any] | None = None
) -> NoReturn:
    """Raise the core error for ``error`` from it, or ``error`` itself if it is a bug (a 500).

    Args:
        error: What psycopg (or its pool) raised.
        table: The table written to, if any (see :func:`translate`).
        params: The values written, if any.

    Raises:
        ConeziaError: :func:`translate`'s error for the data, or
            :class:`~conezia.core.errors.UnavailableError` (see :func:`is_unavailable`).
        psycopg.Error: Anything else, unchanged.
    """
    if translatable(error):
        raise translate(error, table, params) from error
    if is_unavailable(error):
        raise UnavailableError(type(error).__name__) from error
    raise error


def reraise_write(
    error: psycopg.Error, writes: Sequence[tuple[Table | None, Mapping[str, Any]]]
) -> NoReturn:
    """:func:`reraise` for a statement that carries several writes (a table and its values each).

    An over-long value is reported on the field of the first write that has one.
    """
    for table, params in writes:
        if _overlong_field(table, params) is not None:
            reraise(error, table, params)
    reraise(error)


def translate(
    error: psycopg.Error,
    table: Table | None = None,
    params: Mapping[str, Any] | None = None,
) -> ConeziaError:
    """The core error telling the caller what was wrong with their data.

    Args:
        error: What psycopg raised (see :func:`translatable`).
        table: The table written to; names the field of an over-long string.
        params: The values written; idem.
    """
    diag = error.diag
    constraint = diag.constraint_name or ""
    column = diag.column_name
    field, message = CONSTRAINT_ERRORS.get(constraint, (None, None))
    if isinstance(error, pg.UniqueViolation):
        if constraint in _VALIDATION_UNIQUES:
            return ValidationError({field or "base": [message or INVALID]})
        return ConflictError({field or "base": [message or TAKEN]})
    if isinstance(error, pg.ForeignKeyViolation):
        return NotFoundError(_RESOURCES.get(field or "", "row"))
    if isinstance(error, pg.NotNullViolation):
        return ValidationError({column or "base": ["can't be blank"]})
    if isinstance(error, pg.CheckViolation):
        return ValidationError({field or "base": [message or INVALID]})
    if isinstance(error, pg.StringDataRightTruncation):
        return ValidationError({_overlong_field(table, params) or column or "base": ["is too long"]})
    # InvalidTextRepresentation, NUL bytes in text, out-of-range numbers, ...
    return ValidationError({column or "base": [INVALID]})


def _overlong_field(table: Table | None, params: Mapping[str, Any] | None) -> str | None:
    # PostgreSQL does not say which column overflowed; the lengths do.
    if table is None or not params:
        return None
    for name, value in params.items():
        column = table.c.get(name)
        if (
            column is not None
            and isinstance(column.type, String)
            and column.type.length is not None
            and isinstance(value, str)
            and len(value) > column.type.length
        ):
            return name
    return None
