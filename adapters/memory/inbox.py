"""In-memory repositories of the in-app feed and the delivery bookkeeping."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

import attrs

from conezia.core.inbox import Delivery, DeliveryKey, Notification
from conezia.core.pagination import Page, PageRequest, page_of

from .kit import OwnedRepository, TablesAccess, by_insertion, clone
from .store import MemoryStore

__all__ = ["MemoryDeliveryRepository", "MemoryNotificationRepository"]


class MemoryNotificationRepository(OwnedRepository[Notification], table="notifications"):
    """The feed, scoped by user, newest first as the PostgreSQL indexes read backwards give it."""

    async def list(self, user_id: uuid.UUID, unread: bool | None, page: PageRequest) -> Page[Notification]:
        def wanted(row: Notification) -> bool:
            return unread is None or (row.read_at is None) == unread

        ordered = sorted(self._rows.find(user_id, wanted), key=by_insertion, reverse=True)
        if page.after is not None:
            after = page.after
            ordered = [row for row in ordered if by_insertion(row) < after]
        return page_of([clone(row) for row in ordered[: page.limit + 1]], page.limit, by_insertion)

    async def mark_all_read(self, user_id: uuid.UUID, now: dt.datetime) -> int:
        tables = self._tables()
        unread = self._rows.find(user_id, lambda row: row.read_at is None)
        for row in unread:
            tables.update("notifications", attrs.evolve(row, read_at=now))
        return len(unread)


class MemoryDeliveryRepository:
    """The bookkeeping; a claim goes straight into the store's committed state (see :meth:`MemoryStore.claim`)."""

    def __init__(self, store: MemoryStore, tables: TablesAccess) -> None:
        self._store = store
        self._tables = tables

    async def settled(self, keys: Collection[DeliveryKey], stale_before: dt.datetime) -> set[DeliveryKey]:
        working = self._tables().rows("notification_deliveries")
        found = set()
        for key in keys:
            row = self._store.committed("notification_deliveries", _pk(key)) or working.get(_pk(key))
            if row is not None and not row.claimable(stale_before):
                found.add(key)
        return found

    async def claim(self, delivery: Delivery, stale_before: dt.datetime) -> bool:
        row = clone(delivery)
        if not self._store.claim("notification_deliveries", row, lambda stored: stored.claimable(stale_before)):
            return False
        # this unit of work sees its claim too, as a PostgreSQL transaction sees its own writes
        tables = self._tables()
        if _pk(delivery.key) in tables.rows("notification_deliveries"):
            tables.update("notification_deliveries", clone(row))
        else:
            tables.insert("notification_deliveries", clone(row))
        return True

    async def mark_delivered(self, key: DeliveryKey, at: dt.datetime) -> bool:
        tables = self._tables()
        row = tables.rows("notification_deliveries").get(_pk(key))
        if row is None or row.delivered_at is not None:
            return False
        tables.update("notification_deliveries", attrs.evolve(row, delivered_at=at))
        return True


def _pk(key: DeliveryKey) -> tuple[uuid.UUID, dt.datetime, str]:
    return (key.reminder_id, key.due_at, key.channel)
