"""The in-memory repository of reminders."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from conezia.core.notifications import Recipient
from conezia.core.pagination import Page, PageRequest, page_of
from conezia.core.reminders import Reminder

from .kit import OwnedRows, TablesAccess, clone

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


class MemoryReminderRepository:
    """Reminders, scoped by user, listed by (due_at, id) as the PostgreSQL indexes give them."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables
        self._reminders = OwnedRows[Reminder](tables, "reminders")

    async def add(self, reminder: Reminder) -> None:
        self._reminders.insert(reminder)

    async def get(self, user_id: uuid.UUID, reminder_id: uuid.UUID, *, for_update: bool = False) -> Reminder | None:
        return self._reminders.get(user_id, reminder_id)

    async def update(self, reminder: Reminder, *, if_unchanged: bool = False) -> None:
        self._reminders.update(reminder, if_unchanged=if_unchanged)

    async def delete(self, user_id: uuid.UUID, reminder_id: uuid.UUID) -> bool:
        return self._reminders.delete(user_id, reminder_id)

    async def list(self, user_id: uuid.UUID, page: PageRequest, completed: bool | None = None) -> Page[Reminder]:
        def wanted(reminder: Reminder) -> bool:
            return completed is None or (reminder.completed_at is not None) == completed

        return _keyset([clone(r) for r in self._reminders.find(user_id, wanted)], page, _by_due)

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
