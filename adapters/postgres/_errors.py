"""Turning psycopg's errors into the core's errors, so that none surfaces as a 500.

The one mapping from constraint names to fields and messages is
:data:`~conezia.adapters.postgres.tables.CONSTRAINT_ERRORS`; this module only
decides, from the kind of rule that was broken, which core error carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import psycopg
from psycopg import errors as pg
from sqlalchemy import String, Table

from conezia.core.errors import INVALID, TAKEN, ConeziaError, ConflictError, NotFoundError, ValidationError

from .tables import CONSTRAINT_ERRORS

__all__ = ["translatable", "translate"]

# A unique index whose violation is a validation problem rather than a clash
# with other data: it is the entity's own other identifier that holds the flag.
_VALIDATION_UNIQUES: Final = frozenset({"identifiers_entity_type_primary_idx"})
_RESOURCES: Final[Mapping[str, str]] = {
    "user_id": "user",
    "owner_id": "user",
    "entity_id": "entity",
    "tag_id": "tag",
    "group_id": "group",
}


def translatable(error: psycopg.Error) -> bool:
    """Whether the error is about the data sent (a broken rule, a bad value), not the database."""
    return isinstance(error, (psycopg.IntegrityError, psycopg.DataError))


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
