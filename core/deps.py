"""The bundle of ports the use-cases run over, and the small ports they alone need."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Protocol

import attrs

from .errors import ConeziaError
from .messagebus import MessageBus
from .ports import (
    BlindIndex,
    BlobStore,
    Cipher,
    Clock,
    IdGenerator,
    PasswordHasher,
    Recurrence,
    SecretGenerator,
    TypeDetector,
    UnitOfWork,
)

__all__ = ["Deps", "LoginThrottle", "Mailer", "Push", "RateLimitedError"]


class RateLimitedError(ConeziaError):
    """Too many attempts; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(f"too many attempts; retry after {self.retry_after} s")


class LoginThrottle(Protocol):
    """Slows down password guessing, per account and per client address."""

    def retry_after(self, keys: Sequence[str]) -> float | None:
        """Seconds to wait if any key is blocked, else None."""
        ...

    def failed(self, keys: Sequence[str]) -> None:
        """Record a failed attempt against every key."""
        ...

    def succeeded(self, keys: Sequence[str]) -> None:
        """Forget the failures of these keys."""
        ...


class Mailer(Protocol):
    """Delivers the messages that carry one-time tokens, and reminders. Neither tokens nor
    reminder titles ever go to logs or responses."""

    def send_email_confirmation(self, to: str, token: str) -> None: ...

    def send_password_reset(self, to: str, token: str) -> None: ...

    def send_reminder(self, to: str, *, reminder_id: uuid.UUID, title: str, due_at: dt.datetime) -> None:
        """Mail the user that a reminder of theirs fell due at ``due_at``."""
        ...


class Push(Protocol):
    """Sends push notifications to a user's devices (a logging adapter until a real provider exists)."""

    async def send(self, user_id: uuid.UUID, *, reminder_id: uuid.UUID, title: str, due_at: dt.datetime) -> None:
        """Push that a reminder fell due. Raises on failure (the delivery is then tried again later)."""
        ...


@attrs.frozen
class Deps:
    """Everything a use-case may touch. Built once, by the composition root.

    Attributes:
        uow: makes a fresh unit of work (one transaction) per call.
        default_phone_region: ISO 3166 region used to read phone numbers written
            without a country code (``None``: only international notation is accepted).
        bus: the message bus the units of work publish their events to, for the
            composition root to subscribe handlers on (the use-cases never touch it).
        recurrence: computes a recurring reminder's next occurrence (RFC 5545 rules).
        push: sends push notifications.
        blobs: where attachments' files are kept.
        detector: recognizes a file's type from its first bytes.
    """

    uow: Callable[[], UnitOfWork]
    clock: Clock
    ids: IdGenerator
    secrets: SecretGenerator
    hasher: PasswordHasher
    cipher: Cipher
    blind_index: BlindIndex
    login_throttle: LoginThrottle
    mailer: Mailer
    recurrence: Recurrence
    push: Push
    blobs: BlobStore
    detector: TypeDetector
    default_phone_region: str | None = None
    bus: MessageBus = attrs.Factory(MessageBus)
