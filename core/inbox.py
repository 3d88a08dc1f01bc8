"""What the worker notified: the in-app feed (``notifications``) and the once-only bookkeeping (``notification_deliveries``).

Both are beyond the spec (errata E3). A due occurrence of a reminder is notified
once per channel: its key is (reminder, the instant it fell due, channel), where
that instant is the reminder's ``due_at``, or the end of the snooze that put it
off (see :attr:`conezia.core.reminders.Reminder.fell_due_at`). A snooze that ends
is a new occurrence, notified again; completing a recurring reminder moves it to a
new ``due_at``, and so to a new key.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

import attrs

from .reminders import CHANNELS
from .shapes import CHOICE, DATETIME, TEXT, Field, Shape

__all__ = ["CLAIM_LEASE", "DELIVERY", "NOTIFICATION", "NOTIFICATION_KINDS", "Delivery", "DeliveryKey", "Notification"]

NOTIFICATION_KINDS: Final = ("reminder",)
CLAIM_LEASE: Final = dt.timedelta(minutes=10)
"""How long a claimed delivery is a worker's alone; a claim older than this without delivery
(its worker died between the claim and the delivery) may be claimed again."""

NOTIFICATION: Final = Shape("notifications", (
    Field("kind", CHOICE, choices=NOTIFICATION_KINDS, required=True, nullable=False, max_length=32),
    Field("title", TEXT, required=True, nullable=False, min_length=1, max_length=255),
    Field("read_at", DATETIME, writable=False),
))
DELIVERY: Final = Shape("notification_deliveries", (
    Field("channel", CHOICE, choices=CHANNELS, required=True, nullable=False, max_length=16),
))


@attrs.define
class Notification:
    """One entry of a user's in-app feed: a reminder's occurrence that fell due at ``due_at``.

    ``title`` is the reminder's title when it was notified (the user's own data, shown to them
    only); ``reminder_id`` becomes None when the reminder is deleted.
    """

    id: uuid.UUID
    user_id: uuid.UUID
    reminder_id: uuid.UUID | None
    kind: str
    title: str
    due_at: dt.datetime
    inserted_at: dt.datetime
    read_at: dt.datetime | None = None

    def mark_read(self, now: dt.datetime) -> None:
        """Read now, unless it was read already (the first reading is kept)."""
        if self.read_at is None:
            self.read_at = now

    def mark_unread(self) -> None:
        self.read_at = None


@attrs.frozen
class DeliveryKey:
    """What is notified once: a reminder's occurrence (the instant it fell due) on one channel."""

    reminder_id: uuid.UUID
    due_at: dt.datetime
    channel: str


@attrs.define
class Delivery:
    """A row of the bookkeeping: claimed by a worker at ``claimed_at``, delivered at ``delivered_at``."""

    reminder_id: uuid.UUID
    due_at: dt.datetime
    channel: str
    user_id: uuid.UUID
    claimed_at: dt.datetime
    delivered_at: dt.datetime | None = None

    @property
    def key(self) -> DeliveryKey:
        return DeliveryKey(self.reminder_id, self.due_at, self.channel)

    def claimable(self, stale_before: dt.datetime) -> bool:
        """Whether another worker may take it over: never delivered, and its claim is older than the lease."""
        return self.delivered_at is None and self.claimed_at < stale_before
