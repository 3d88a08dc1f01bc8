"""The repository of reminders: the user's by due date, and every user's due ones."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from sqlalchemy import Select, Text, bindparam, cast, or_, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from conezia.core.notifications import Recipient
from conezia.core.pagination import Page, PageRequest, page_of
from conezia.core.reminders import Reminder

from ._owned import Owned, OwnedRepository, keyset_page
from ._prepared import Prepared
from .tables import TIMESTAMPTZ, UUID_TYPE, users
from .tables_reminders import reminders

__all__ = ["REMINDERS", "PostgresReminderRepository", "due_statement", "reminder_list_statement"]

REMINDERS: Final = Owned(Reminder, reminders, "user_id", resource="reminder")

_BY_DUE: Final = (reminders.c.due_at, reminders.c.id)
_AFTER: Final = tuple_(*_BY_DUE) > tuple_(
    bindparam("after_at", type_=TIMESTAMPTZ), bindparam("after_id", type_=UUID_TYPE)
)
_LISTING: Final[Select[Any]] = (
    select(*REMINDERS.columns).where(reminders.c.user_id == bindparam("owner")).order_by(*_BY_DUE)
)
_COMPLETED: Final = {False: reminders.c.completed_at.is_(None), True: reminders.c.completed_at.is_not(None)}

_NOW: Final = bindparam("now", type_=TIMESTAMPTZ)
# errata A2: the index holds the pending reminders; the snooze is the query's to test
_DUE: Final[Select[Any]] = (
    select(*REMINDERS.columns, users.c.timezone, users.c.notification_preferences,
            # citext has no binary loader in psycopg: read it as text
            cast(users.c.email, Text).label("email"))
    .select_from(reminders.join(users, users.c.id == reminders.c.user_id))
    .where(
        reminders.c.completed_at.is_(None),
        reminders.c.due_at <= _NOW,
        or_(reminders.c.snoozed_until.is_(None), reminders.c.snoozed_until <= _NOW),
    )
    .order_by(*_BY_DUE)
)
_WIDTH: Final = len(REMINDERS.columns)


def _by_due(row: Any) -> tuple[dt.datetime, uuid.UUID]:
    return row.due_at, row.id


def reminder_list_statement(
    user_id: uuid.UUID, page: PageRequest, completed: bool | None = None
) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of the user's reminders by due date, and its parameters."""
    conditions: list[ColumnElement[bool]] = [] if completed is None else [_COMPLETED[completed]]
    return keyset_page(_LISTING, _AFTER, page, conditions, {"owner": user_id})


def due_statement(now: dt.datetime, page: PageRequest) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one batch of every user's due reminders, with their users' settings."""
    return keyset_page(_DUE, _AFTER, page, [], {"now": now})


class PostgresReminderRepository(OwnedRepository[Reminder]):
    """Reminders, within their user's rows; an entity that is not the user's is refused by the foreign key."""

    __slots__ = ()
    owned = REMINDERS

    async def list(self, user_id: uuid.UUID, page: PageRequest, completed: bool | None = None) -> Page[Reminder]:
        rows = await self._rows(*reminder_list_statement(user_id, page, completed))
        return page_of([Reminder(*row) for row in rows], page.limit, _by_due)

    async def due(self, now: dt.datetime, page: PageRequest) -> Page[tuple[Reminder, Recipient]]:
        rows = await self._rows(*due_statement(now, page))
        found = [
            (Reminder(*row[:_WIDTH]), Recipient(row[1], row[_WIDTH], row[_WIDTH + 1] or {}, row[_WIDTH + 2]))
            for row in rows
        ]
        return page_of(found, page.limit, lambda pair: _by_due(pair[0]))
