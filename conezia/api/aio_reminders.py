"""The async embedding API's reminders, part of :class:`~conezia.api.aio_scope.AsyncUserScope`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from conezia.core import services
from conezia.core.deps import Deps
from conezia.core.pagination import Page, PageRequest
from conezia.core.reminders import Reminder
from conezia.core.validation import UNSET, Unset

from .fields import given

__all__ = ["AsyncReminders"]


class AsyncReminders:
    """Reminders of one user (mixed into the user scope, which sets ``_deps`` and ``_user_id``)."""

    _deps: Deps
    _user_id: uuid.UUID

    async def create_reminder(
        self,
        *,
        type: str,
        title: str,
        due_at: dt.datetime | str,
        description: str | None | Unset = UNSET,
        entity_id: uuid.UUID | str | None | Unset = UNSET,
        recurrence_rule: Mapping[str, Any] | None | Unset = UNSET,
        notification_channels: Sequence[str] | Unset = UNSET,
    ) -> Reminder:
        """Create a reminder due in the future; birthdays and anniversaries recur yearly by default."""
        params = given(
            type=type, title=title, due_at=due_at, description=description, entity_id=entity_id,
            recurrence_rule=recurrence_rule,
            notification_channels=notification_channels if isinstance(notification_channels, Unset)
            else list(notification_channels),
        )
        return await services.create_reminder(self._deps, self._user_id, params)

    async def reminder(self, reminder_id: uuid.UUID) -> Reminder:
        """One reminder."""
        return await services.get_reminder(self._deps, self._user_id, reminder_id)

    async def reminders(
        self,
        *,
        status: Literal["pending", "completed", "all"] = "pending",
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Reminder]:
        """One page of the user's reminders by due date, soonest first."""
        page = PageRequest.parse(limit, cursor)
        return await services.list_reminders(self._deps, self._user_id, page, status)

    async def update_reminder(
        self,
        reminder_id: uuid.UUID,
        *,
        type: str | Unset = UNSET,
        title: str | Unset = UNSET,
        description: str | None | Unset = UNSET,
        entity_id: uuid.UUID | str | None | Unset = UNSET,
        recurrence_rule: Mapping[str, Any] | None | Unset = UNSET,
        notification_channels: Sequence[str] | Unset = UNSET,
    ) -> Reminder:
        """Change the given fields (the due date changes by :meth:`reschedule_reminder`)."""
        params = given(
            type=type, title=title, description=description, entity_id=entity_id, recurrence_rule=recurrence_rule,
            notification_channels=notification_channels if isinstance(notification_channels, Unset)
            else list(notification_channels),
        )
        return await services.update_reminder(self._deps, self._user_id, reminder_id, params)

    async def snooze_reminder(self, reminder_id: uuid.UUID, until: dt.datetime | str) -> Reminder:
        """Put a reminder off until a future moment."""
        return await services.snooze_reminder(self._deps, self._user_id, reminder_id, until)

    async def unsnooze_reminder(self, reminder_id: uuid.UUID) -> Reminder:
        """End a reminder's snooze."""
        return await services.unsnooze_reminder(self._deps, self._user_id, reminder_id)

    async def complete_reminder(self, reminder_id: uuid.UUID) -> Reminder:
        """Complete it; a recurring reminder moves on to its next occurrence instead."""
        return await services.complete_reminder(self._deps, self._user_id, reminder_id)

    async def reschedule_reminder(self, reminder_id: uuid.UUID, due_at: dt.datetime | str) -> Reminder:
        """Move a reminder to a future due date."""
        return await services.reschedule_reminder(self._deps, self._user_id, reminder_id, due_at)

    async def delete_reminder(self, reminder_id: uuid.UUID) -> None:
        """Delete a reminder."""
        await services.delete_reminder(self._deps, self._user_id, reminder_id)
