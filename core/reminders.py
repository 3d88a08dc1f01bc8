"""Reminders: something to do at a time, maybe about an entity, maybe again and again (spec 5.2)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

import attrs

from .errors import ConflictError, ValidationError
from .recurrence import cast_recurrence_rule
from .shapes import CHOICE, DATETIME, OBJECT, TEXT, Field, Shape
from .validation import UNSET, Changes, apply_set

__all__ = [
    "CHANNELS",
    "COMPLETED",
    "DEFAULT_CHANNELS",
    "IN_THE_FUTURE",
    "REMINDER",
    "REMINDER_TYPES",
    "YEARLY_TYPES",
    "Reminder",
    "cast_channels",
    "cast_moment",
]

REMINDER_TYPES: Final = ("follow_up", "birthday", "anniversary", "custom", "health_alert", "event")
CHANNELS: Final = ("in_app", "email", "push")
DEFAULT_CHANNELS: Final = ("in_app",)
# birthdays and anniversaries come back every year unless told otherwise
YEARLY_TYPES: Final = frozenset({"birthday", "anniversary"})
IN_THE_FUTURE: Final = "must be in the future"
COMPLETED: Final = "is completed; reschedule it to open it again"

REMINDER: Final = Shape("reminders", (
    Field("type", CHOICE, choices=REMINDER_TYPES, required=True, nullable=False, max_length=32),
    Field("title", TEXT, required=True, nullable=False, min_length=1, max_length=255),
    Field("description", TEXT, max_length=2000, blank_to_none=True, strip=False),
    Field("due_at", DATETIME, required=True, nullable=False, description="Must be in the future."),
    Field("recurrence_rule", OBJECT, description="The JSON form of an RFC 5545 RRULE (see core.recurrence)."),
    Field("snoozed_until", DATETIME, writable=False),
    Field("completed_at", DATETIME, writable=False),
))
# entity_id and notification_channels (a list) are read by the rules below, not by the shape
CREATE_FIELDS: Final = (*REMINDER.inputs, "entity_id", "notification_channels")
UPDATE_FIELDS: Final = tuple(name for name in CREATE_FIELDS if name != "due_at")


def cast_channels(changes: Changes, raw: object) -> Any:
    """A non-empty list of channels from :data:`CHANNELS`, without repeats, in that order."""
    if raw is None:
        changes.add_error("notification_channels", "can't be null")
        return UNSET
    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
        changes.add_error("notification_channels", f"must be a non-empty list of {', '.join(CHANNELS)}")
        return UNSET
    unknown = sorted({c for c in raw if c not in CHANNELS})
    if unknown:
        changes.add_error(
            "notification_channels", f"contains invalid channels {unknown}; allowed values: {', '.join(CHANNELS)}"
        )
        return UNSET
    return [c for c in CHANNELS if c in raw]


def _entity_id(changes: Changes) -> Any:
    if "entity_id" not in changes.params:
        return UNSET
    raw = changes.params["entity_id"]
    if raw is None or isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw)) if isinstance(raw, str) else _bad_id(changes)
    except ValueError:
        return _bad_id(changes)


def _bad_id(changes: Changes) -> Any:
    changes.add_error("entity_id", "must be a UUID")
    return UNSET


def cast_moment(field: str, value: object, now: dt.datetime) -> dt.datetime:
    """A timestamp that must lie after ``now`` (a due date on rescheduling, a snooze's end).

    Raises:
        ValidationError: on ``field``, naming what is wrong.
    """
    changes = Changes({field: value}, (field,))
    at = changes.datetime(field, required=True, nullable=False)
    if isinstance(at, dt.datetime) and at <= now:
        changes.add_error(field, IN_THE_FUTURE)
    changes.raise_if_invalid()
    return at  # type: ignore[no-any-return]


@attrs.define
class Reminder:
    """Something to do at ``due_at``; a recurring one rolls forward when completed.

    ``recurrence_anchor`` (beyond the spec) is the first occurrence of the rule's
    series, the ``DTSTART`` its occurrences (and its ``count``) are counted from:
    the due date when the rule was set or the reminder rescheduled.
    """

    id: uuid.UUID
    user_id: uuid.UUID
    type: str
    title: str
    due_at: dt.datetime
    inserted_at: dt.datetime
    updated_at: dt.datetime
    entity_id: uuid.UUID | None = None
    description: str | None = None
    recurrence_rule: dict[str, Any] | None = None
    notification_channels: list[str] = attrs.Factory(lambda: list(DEFAULT_CHANNELS))
    snoozed_until: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    recurrence_anchor: dt.datetime | None = None

    @classmethod
    def create(cls, params: object, *, id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> Reminder:
        """Validate a new reminder: ``due_at`` must be in the future (errata C6).

        Raises:
            ValidationError: naming every failing field.
        """
        reminder = cls(id=id, user_id=user_id, type="", title="", due_at=now, inserted_at=now, updated_at=now)
        reminder._change(params, CREATE_FIELDS, creating=True, now=now)
        return reminder

    def update(self, params: object, *, now: dt.datetime) -> None:
        """Change the fields given; the due date changes only by :meth:`reschedule`."""
        self._change(params, UPDATE_FIELDS, creating=False, now=now)
        self.updated_at = now

    def _change(self, params: object, permitted: tuple[str, ...], *, creating: bool, now: dt.datetime) -> None:
        changes = Changes(params, permitted)
        names = tuple(n for n in REMINDER.inputs if n in permitted and n != "recurrence_rule")
        values = REMINDER.cast(changes, creating=creating, names=names)
        if isinstance(values.get("due_at"), dt.datetime) and values["due_at"] <= now:
            changes.add_error("due_at", IN_THE_FUTURE)
        values["entity_id"] = _entity_id(changes)
        if "notification_channels" in changes.params:
            values["notification_channels"] = cast_channels(changes, changes.params["notification_channels"])
        rule: Any = UNSET
        if "recurrence_rule" in changes.params:
            rule = cast_recurrence_rule(changes, changes.params["recurrence_rule"])
        elif creating and values.get("type") in YEARLY_TYPES:
            rule = {"freq": "yearly"}
        changes.raise_if_invalid()
        apply_set(self, values)
        if rule is not UNSET:
            self.recurrence_rule = rule
            self.recurrence_anchor = self.due_at if rule is not None else None

    @property
    def recurring(self) -> bool:
        return self.recurrence_rule is not None

    @property
    def fell_due_at(self) -> dt.datetime:
        """The instant the current occurrence fell due: ``due_at``, or the end of a snooze past it.

        The worker notifies each such instant once per channel: a snooze that ends is due
        again, and so notified again; unsnoozing goes back to ``due_at``, notified already.
        """
        if self.snoozed_until is not None and self.snoozed_until > self.due_at:
            return self.snoozed_until
        return self.due_at

    def due(self, now: dt.datetime) -> bool:
        """Not completed, due at or before ``now``, and not snoozed past it."""
        return (
            self.completed_at is None
            and self.due_at <= now
            and (self.snoozed_until is None or self.snoozed_until <= now)
        )

    def snooze(self, until: object, now: dt.datetime) -> None:
        """Put it off until a future moment.

        Raises:
            ValidationError: on ``snoozed_until`` unless it is a timestamp after ``now``.
            ConflictError: on ``completed_at`` for a completed reminder.
        """
        at = cast_moment("snoozed_until", until, now)
        self._require_open()
        self.snoozed_until = at
        self.updated_at = now

    def unsnooze(self, now: dt.datetime) -> None:
        if self.snoozed_until is not None:
            self.snoozed_until = None
            self.updated_at = now

    def reschedule(self, due_at: object, now: dt.datetime) -> None:
        """Move it to a future due date; a snooze ends, a completed reminder opens again, a
        recurring one starts its series (and its ``count``) anew from there.

        Raises:
            ValidationError: on ``due_at`` unless it is a timestamp after ``now`` (errata C6).
        """
        self.due_at = cast_moment("due_at", due_at, now)
        self.snoozed_until = None
        self.completed_at = None
        if self.recurring:
            self.recurrence_anchor = self.due_at
        self.updated_at = now

    def complete(self, next_due: dt.datetime | None, now: dt.datetime) -> None:
        """Mark this occurrence done: roll forward to ``next_due``, or, without one, complete it.

        ``next_due`` is the rule's next occurrence after :attr:`due_at` (None once ``count`` or
        ``until`` is spent, or for a one-off reminder); it may lie in the past (errata C6).

        Raises:
            ConflictError: on ``completed_at`` for a reminder completed already.
        """
        self._require_open()
        if next_due is not None:
            if next_due <= self.due_at:
                raise ValidationError(recurrence_rule="gives no occurrence after the current one")
            self.due_at = next_due
        else:
            self.completed_at = now
        self.snoozed_until = None
        self.updated_at = now

    def _require_open(self) -> None:
        if self.completed_at is not None:
            raise ConflictError(completed_at=COMPLETED)
