"""Reminder use-cases: create, change, snooze, complete (rolling a recurring one forward), and what is due."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

import attrs

from ..deps import Deps
from ..events import changed_fields
from ..notifications import Held, Notification, plan
from ..pagination import Page, PageRequest
from ..reminders import Reminder
from ..validation import Changes
from .owned import REMINDERS

__all__ = [
    "DUE_BATCH",
    "REMINDER_STATUSES",
    "DueBatch",
    "complete_reminder",
    "create_reminder",
    "delete_reminder",
    "due_notifications",
    "get_reminder",
    "list_reminders",
    "reschedule_reminder",
    "snooze_reminder",
    "unsnooze_reminder",
    "update_reminder",
]

REMINDER_STATUSES: Final = ("pending", "completed", "all")
"""``status`` of a reminder list: not completed (the default), completed, or both."""
DUE_BATCH: Final = 500


async def create_reminder(deps: Deps, user_id: uuid.UUID, params: object) -> Reminder:
    """Create a reminder (``type``, ``title`` and a future ``due_at`` required).

    Raises:
        ValidationError: every failing field (each bad recurrence key under ``recurrence_rule.<key>``).
        NotFoundError: ``entity_id`` names an entity that is not the user's.
    """
    reminder = Reminder.create(params, id=deps.ids.new_id(), user_id=user_id, now=deps.clock.now())
    # the composite foreign key to entities (id, owner_id) answers NotFoundError("entity")
    return await REMINDERS.add(deps, user_id, reminder)


async def get_reminder(deps: Deps, user_id: uuid.UUID, reminder_id: uuid.UUID) -> Reminder:
    return await REMINDERS.get(deps, user_id, reminder_id)


async def list_reminders(
    deps: Deps, user_id: uuid.UUID, page: PageRequest | None = None, status: str | None = None
) -> Page[Reminder]:
    """The user's reminders by due date (soonest first): pending ones unless ``status`` says otherwise."""
    changes = Changes({"status": status} if status is not None else {}, ("status",))
    changes.choice("status", REMINDER_STATUSES)
    changes.raise_if_invalid()
    completed = {"pending": False, "completed": True, "all": None}[status or "pending"]
    async with deps.uow() as uow:
        return await uow.reminders.list(user_id, page or PageRequest(), completed)


async def update_reminder(deps: Deps, user_id: uuid.UUID, reminder_id: uuid.UUID, params: object) -> Reminder:
    """Change the fields given (the due date changes by :func:`reschedule_reminder`)."""
    return await REMINDERS.change(deps, user_id, reminder_id, lambda r, now: r.update(params, now=now))


async def snooze_reminder(deps: Deps, user_id: uuid.UUID, reminder_id: uuid.UUID, until: object) -> Reminder:
    """Put a reminder off until a future moment (a past or present one is a ValidationError on ``snoozed_until``)."""
    return await REMINDERS.change(deps, user_id, reminder_id, lambda r, now: r.snooze(until, now), operation="snooze")


async def unsnooze_reminder(deps: Deps, user_id: uuid.UUID, reminder_id: uuid.UUID) -> Reminder:
    return await REMINDERS.change(deps, user_id, reminder_id, Reminder.unsnooze, operation="unsnooze")


async def reschedule_reminder(deps: Deps, user_id: uuid.UUID, reminder_id: uuid.UUID, due_at: object) -> Reminder:
    """Move a reminder to a future due date (errata C6); a completed one opens again."""
    return await REMINDERS.change(
        deps, user_id, reminder_id, lambda r, now: r.reschedule(due_at, now), operation="reschedule"
    )


async def complete_reminder(deps: Deps, user_id: uuid.UUID, reminder_id: uuid.UUID) -> Reminder:
    """Complete the reminder's current occurrence.

    A recurring reminder rolls forward to its rule's next occurrence, computed in the
    user's timezone (the same row, a later ``due_at``); once ``count`` or ``until`` is
    spent, or for a one-off reminder, it is completed.

    Raises:
        ConflictError: on ``completed_at`` for a reminder completed already.
    """
    async with deps.uow() as uow:
        reminder = await REMINDERS.load(uow, user_id, reminder_id, for_update=True)
        before = attrs.asdict(reminder)
        next_due = None
        if reminder.recurrence_rule is not None and reminder.completed_at is None:
            user = await uow.users.get(user_id)
            timezone = user.timezone if user is not None else "UTC"
            start = reminder.recurrence_anchor or reminder.due_at
            next_due = deps.recurrence.next_occurrence(reminder.recurrence_rule, start, reminder.due_at, timezone)
        reminder.complete(next_due, deps.clock.now())
        await uow.reminders.update(reminder)
        REMINDERS.record_change(uow, user_id, reminder, changed_fields(before, attrs.asdict(reminder)), "complete")
        await uow.commit()
    return reminder


async def delete_reminder(deps: Deps, user_id: uuid.UUID, reminder_id: uuid.UUID) -> None:
    await REMINDERS.delete(deps, user_id, reminder_id)


@attrs.frozen
class DueBatch:
    """One batch of what is due at ``now``, across users.

    Attributes:
        send: notify these now.
        held: email and push held back by the user's quiet hours, each with when to send it.
        next_cursor: pass it back for the next batch (None after the last).
    """

    now: dt.datetime
    send: list[Notification]
    held: list[Held]
    next_cursor: str | None


async def due_notifications(
    deps: Deps, now: dt.datetime | None = None, page: PageRequest | None = None
) -> DueBatch:
    """For a moment (now by default), one batch of due reminders and what to notify of them, on which channel.

    Reads the due reminders of every user through the pending reminders' index, in
    (due_at, id) order, ``page.limit`` at a time (default :data:`DUE_BATCH`); the caller
    follows ``next_cursor``. Delivering them (and remembering what was) is the worker's.
    """
    now = now or deps.clock.now()
    page = page or PageRequest(limit=DUE_BATCH)
    async with deps.uow() as uow:
        due = await uow.reminders.due(now, page)
    send: list[Notification] = []
    held: list[Held] = []
    for reminder, recipient in due.items:
        now_, later = plan(reminder, recipient, now)
        send.extend(now_)
        held.extend(later)
    return DueBatch(now=now, send=send, held=held, next_cursor=due.next_cursor)
