"""The in-memory repository of reminders."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from conezia.core.notifications import Recipient
from conezia.core.pagination import Page, PageRequest, page_of
from conezia.core.reminders import Reminder

from .kit import OwnedRepository, clone

__all__ = ["MemoryReminderRepository"]

T = TypeVar("T")


def _by_due(reminder: Reminder) -> tuple[dt.datetime, uuid.UUID]:
    return reminder.due_at, reminder.id


def _keyset(rows: Iterable[T], page: PageRequest, key: Callable[[T], tuple[dt.datetime, uuid.UUID]]) -> Page[T]:
    ordered = sorted(rows, key=key)
    if page.after is not None:
        after = page.after
        ordered = [row for row in ordered if key(row) > after]
    return page_of(ordered[: page.limit + 1], page.limit, key)


class MemoryReminderRepository(OwnedRepository[Reminder], table="reminders"):
    """Reminders, scoped by user, listed by (due_at, id) as the PostgreSQL indexes give them."""

    async def list(self, user_id: uuid.UUID, page: PageRequest, completed: bool | None = None) -> Page[Reminder]:
        def wanted(reminder: Reminder) -> bool:
            return completed is None or (reminder.completed_at is not None) == completed

        return _keyset([clone(r) for r in self._rows.find(user_id, wanted)], page, _by_due)

    async def due(self, now: dt.datetime, page: PageRequest) -> Page[tuple[Reminder, Recipient]]:
        tables = self._tables()
        users = tables.rows("users")
        found = [
            (clone(reminder), Recipient(reminder.user_id, users[reminder.user_id].timezone,
                                        clone(users[reminder.user_id].notification_preferences),
                                        users[reminder.user_id].email))
            for reminder in tables.rows("reminders").values()
            if reminder.due(now)
        ]
        return _keyset(found, page, lambda pair: _by_due(pair[0]))
