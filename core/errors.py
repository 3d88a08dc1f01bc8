"""Errors the core raises. Adapters translate them (HTTP: 422, 404, 409, 401)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "INVALID",
    "TAKEN",
    "AuthenticationError",
    "ConeziaError",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
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


class NotFoundError(ConeziaError):
    """The row does not exist, or is not the caller's: the two are indistinguishable on purpose."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        super().__init__(f"{resource} not found")


class AuthenticationError(ConeziaError):
    """Credentials or a token were missing, wrong or expired."""


class PermissionDeniedError(ConeziaError):
    """The caller is known but may not do this."""
