"""Errors the core raises. Adapters translate them (HTTP: 422, 404, 409, 401)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Final

__all__ = [
    "INVALID",
    "TAKEN",
    "AuthenticationError",
    "CipherError",
    "ConeziaError",
    "ConflictError",
    "IntegrityCheckError",
    "NotFoundError",
    "PermissionDeniedError",
    "RowChangedError",
    "TooLargeError",
    "UnavailableError",
    "ValidationError",
]


# The messages every layer uses for a value that is taken, or invalid for a reason not worth naming.
TAKEN: Final = "has already been taken"
INVALID: Final = "is invalid"


class ConeziaError(Exception):
    """Base class of every error the core raises on purpose."""


class ValidationError(ConeziaError):
    """Input was rejected; carries every failing field, like an Ecto changeset.

    Attributes:
        errors: field name -> list of messages, e.g. ``{"email": ["has already been taken"]}``.
    """

    def __init__(self, errors: Mapping[str, list[str]] | None = None, **field_errors: str) -> None:
        merged: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        for field, message in field_errors.items():
            merged.setdefault(field, []).append(message)
        self.errors = merged
        super().__init__(self.describe())

    def describe(self) -> str:
        return "; ".join(f"{field} {msg}" for field, msgs in self.errors.items() for msg in msgs)


class ConflictError(ValidationError):
    """The input is well-formed but collides with existing state (a unique key)."""


class RowChangedError(ConflictError):
    """A write made only if its row was unchanged found it changed (or gone) since it was read.

    Raised by an ``update(row, if_unchanged=True)``, at the latest by the unit of
    work's commit, which then keeps nothing of it: the use-case reads the row again
    and reapplies its change (see ``Resource.change``). Should it reach a caller, it
    is a conflict (HTTP 409) that a retry resolves.
    """

    def __init__(self, resource: str) -> None:
        self.resource = resource
        super().__init__(base=f"this {resource} was changed by another request at the same time; try again")


class NotFoundError(ConeziaError):
    """The row does not exist, or is not the caller's: the two are indistinguishable on purpose."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        super().__init__(f"{resource} not found")


class AuthenticationError(ConeziaError):
    """Credentials or a token were missing, wrong or expired."""


class TooLargeError(ConeziaError):
    """What was sent is larger than ``limit`` bytes (HTTP: 413); nothing of it was kept."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"larger than {limit} bytes")


class PermissionDeniedError(ConeziaError):
    """The caller is known but may not do this."""


class CipherError(ValueError):
    """What a :class:`~conezia.core.ports.Cipher` raises for a value it cannot open.

    One type for every cause: a malformed or truncated value, a flipped byte, a
    value moved from another row or column (its context differs), or a key id
    that no configured key has. The message never quotes the value.

    Attributes:
        reason: ``"malformed"``, ``"unknown key"`` or ``"not authentic"``.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


class IntegrityCheckError(ConeziaError):
    """A stored encrypted value failed its integrity check, so it is not revealed (HTTP 409).

    Attributes:
        table: where the value is stored, e.g. ``"identifiers"``.
        row_id: the row holding it.
    """

    def __init__(self, table: str, row_id: uuid.UUID) -> None:
        self.table = table
        self.row_id = row_id
        super().__init__(f"the stored value of {table} row {row_id} failed its integrity check")


class UnavailableError(ConeziaError):
    """The database is unreachable or the connection to it broke (HTTP 503); retry later.

    Nothing is known to have been written when a write fails this way, nor known not to be.

    Attributes:
        cause: the name of the underlying error's type (never its message, which may quote data).
    """

    def __init__(self, cause: str) -> None:
        self.cause = cause
        super().__init__(f"the database is unavailable ({cause})")
