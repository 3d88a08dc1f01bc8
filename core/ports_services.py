"""The ports of the services the core uses besides storage: time, ids, secrets, hashing, encryption, recurrence.

Re-exported by :mod:`conezia.core.ports`, where the repositories and the unit of work are.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["BlindIndex", "Cipher", "Clock", "IdGenerator", "PasswordHasher", "Recurrence", "SecretGenerator"]


class Clock(Protocol):
    """Time comes through a port so that tests can hold it still."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> uuid.UUID:
        """A new unique row id."""
        ...


class SecretGenerator(Protocol):
    def token_bytes(self, n: int) -> bytes:
        """``n`` cryptographically strong random bytes."""
        ...


class PasswordHasher(Protocol):
    """Argon2id in production; a cheap profile in tests."""

    async def hash(self, password: str) -> str:
        """Hash a password (PHC string)."""
        ...

    async def verify(self, hashed: str | None, password: str) -> bool:
        """Whether ``password`` matches. With ``hashed`` None it still spends the same time."""
        ...

    def needs_rehash(self, hashed: str) -> bool:
        """Whether the hash was made with weaker parameters than the current ones."""
        ...


class Cipher(Protocol):
    """Authenticated encryption (AES-256-GCM) with key ids for rotation (errata C3)."""

    def encrypt(self, plaintext: bytes, *, context: bytes) -> bytes:
        """Encrypt under the active key; ``context`` (table/column/row) is bound as associated data."""
        ...

    def decrypt(self, ciphertext: bytes, *, context: bytes) -> bytes:
        """Decrypt with whichever configured key the header names.

        Raises:
            ValueError: the key is unknown, or the data or context was tampered with.
        """
        ...


class BlindIndex(Protocol):
    """Keyed HMAC over a normalized value, scoped to its owner (errata C2)."""

    def digest(self, *, scope: uuid.UUID, kind: str, value: str) -> str:
        """64 lowercase hex characters."""
        ...


class Recurrence(Protocol):
    """Computes a recurrence rule's occurrences (RFC 5545; dateutil's rrule in the adapter)."""

    def next_occurrence(
        self, rule: Mapping[str, Any], start: dt.datetime, after: dt.datetime, timezone: str
    ) -> dt.datetime | None:
        """The first occurrence strictly after ``after`` of the series that begins at ``start``.

        Occurrences keep ``start``'s wall-clock time in ``timezone`` (an IANA name) across DST
        changes; a day of the month that a month lacks (the 31st, 29 February) falls on its
        last day. ``count`` counts from ``start``; ``until`` is inclusive.

        Returns:
            An aware UTC instant, or None when the series has no occurrence after ``after``.
        """
        ...
