"""Turning database errors into the core's errors, so that none surfaces as a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import String, Table
from sqlalchemy.exc import DataError, IntegrityError

from conezia.core.errors import INVALID, TAKEN, ConeziaError, ConflictError, NotFoundError, ValidationError

from .tables import CONSTRAINT_ERRORS

__all__ = ["translate"]

_UNIQUE_VIOLATION: Final = "23505"
_FOREIGN_KEY_VIOLATION: Final = "23503"
_NOT_NULL_VIOLATION: Final = "23502"
_CHECK_VIOLATION: Final = "23514"
_STRING_TOO_LONG: Final = "22001"

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


def translate(
    error: IntegrityError | DataError,
    table: Table | None = None,
    params: Mapping[str, Any] | None = None,
) -> ConeziaError:
    """The core error telling the caller what was wrong with their data.

    Args:
        error: What SQLAlchemy raised.
        table: The table written to; names the field of an over-long string.
        params: The values written; idem.
    """
    diag = getattr(error.orig, "diag", None)
    sqlstate = getattr(error.orig, "sqlstate", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    column = getattr(diag, "column_name", None)
    field, message = CONSTRAINT_ERRORS.get(constraint, (None, None))
    if sqlstate == _UNIQUE_VIOLATION:
        if constraint in _VALIDATION_UNIQUES:
            return ValidationError({field or "base": [message or INVALID]})
        return ConflictError({field or "base": [message or TAKEN]})
    if sqlstate == _FOREIGN_KEY_VIOLATION:
        return NotFoundError(_RESOURCES.get(field or "", "row"))
    if sqlstate == _NOT_NULL_VIOLATION:
        return ValidationError({column or "base": ["can't be blank"]})
    if sqlstate == _CHECK_VIOLATION:
        return ValidationError({field or "base": [message or INVALID]})
    if sqlstate == _STRING_TOO_LONG:
        return ValidationError({_overlong_field(table, params) or column or "base": ["is too long"]})
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
