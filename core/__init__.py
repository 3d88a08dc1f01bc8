"""Conezia's domain core: entities, rules, ports and use-cases.

Depends only on the standard library, attrs and phonenumbers. Adapters plug in
through the protocols in :mod:`conezia.core.ports`.
"""

from __future__ import annotations

from .errors import (
    AuthenticationError,
    ConeziaError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

__all__ = [
    "AuthenticationError",
    "ConeziaError",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "ValidationError",
]
