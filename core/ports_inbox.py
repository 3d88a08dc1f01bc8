"""Ports of what the worker notified: the in-app feed and the once-only bookkeeping (owner-scoped, async)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Protocol

from .inbox import Delivery, DeliveryKey, Notification
from .pagination import Page, PageRequest
from .ports_owned import OwnedRepositoryPort

__all__ = ["DeliveryRepository", "NotificationRepository"]


class NotificationRepository(OwnedRepositoryPort[Notification], Protocol):
    async def add(self, notification: Notification, /) -> None:
        """Raises NotFoundError("reminder") unless its reminder (if any) is its user's."""
        ...

    async def list(self, user_id: uuid.UUID, unread: bool | None, page: PageRequest) -> Page[Notification]:
        """The user's feed newest first, (inserted_at, id) descending; only the unread ones with ``unread``,
        only the read ones with ``unread=False``. ``page.after`` is the previous page's last (inserted_at, id)."""
        ...

    async def mark_all_read(self, user_id: uuid.UUID, now: dt.datetime) -> int:
        """Mark every unread notification of the user read at ``now``; how many were unread."""
        ...


class DeliveryRepository(Protocol):
    """What the worker claimed and delivered. Claims are what keep two workers from notifying twice."""

    async def settled(self, keys: Collection[DeliveryKey], stale_before: dt.datetime) -> set[DeliveryKey]:
        """Those of ``keys`` that need nothing more: delivered, or claimed at or after ``stale_before``."""
        ...

    async def claim(self, delivery: Delivery, stale_before: dt.datetime) -> bool:
        """Take ``delivery``'s key for this worker, at once and for good (it does not wait for a commit):
        True when no row had the key, or its row was never delivered and claimed before ``stale_before``
        (a worker that died); False when another worker holds it or it was delivered.

        Concurrent claims of one key: exactly one gets True.
        """
        ...

    async def mark_delivered(self, key: DeliveryKey, at: dt.datetime) -> bool:
        """Record the delivery (in the unit of work's transaction); False if it was recorded already."""
        ...
