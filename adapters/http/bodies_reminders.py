"""The request bodies of reminders, built from the core's declarations like every other body (see ``bodies.py``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final, Literal

from msgspec import Meta, Struct

from conezia.core.recurrence import FREQUENCIES, MAX_COUNT, MAX_INTERVAL, MAX_MONTHDAY, RULE_KEYS, WEEKDAYS
from conezia.core.reminders import CHANNELS, REMINDER

from .bodies import Timestamp, _choose, _one_or_many, body_struct

__all__ = ["REMINDER_BODIES", "RecurrenceRule", "ReminderCreate", "ReminderReschedule", "ReminderSnooze", "ReminderUpdate"]

_MONTHDAY: Any = Annotated[
    int, Meta(ge=-MAX_MONTHDAY, le=MAX_MONTHDAY, extra_json_schema={"not": {"const": 0}},
              description="A day of the month; negative counts from its end (-1 is the last day).")
]
def _choice(values: tuple[str, ...]) -> Any:
    choice: Any = Literal[values]
    return choice


_RULE_TYPES: Final[dict[str, Any]] = {
    "freq": _choice(FREQUENCIES),
    "interval": Annotated[int, Meta(ge=1, le=MAX_INTERVAL, description="Every n-th period (default 1).")],
    "count": Annotated[int, Meta(ge=1, le=MAX_COUNT, description="How many occurrences in all, the first included.")],
    "until": Timestamp,
    "byweekday": _one_or_many(WEEKDAYS),
    "bymonthday": _MONTHDAY | Annotated[list[_MONTHDAY], Meta(min_length=1)],
}
RecurrenceRule = body_struct(
    "RecurrenceRule",
    "The JSON form of an RFC 5545 RRULE. Occurrences keep the first one's local time in your timezone "
    "across DST changes; a day a month lacks (the 31st, 29 February) falls on the month's last day.",
    [(key, _RULE_TYPES[key], key == "freq") for key in RULE_KEYS],
    creating=True,
    schema_extra={"not": {"required": ["count", "until"]}},
)
_CHANNEL: Any = _choice(CHANNELS)
_CHANNEL_LIST: Final = Annotated[list[_CHANNEL], Meta(min_length=1, extra_json_schema={"uniqueItems": True})]
_EXTRAS: Final = [
    ("entity_id", uuid.UUID | None, False),
    ("notification_channels", _CHANNEL_LIST, False),
]
_OBJECTS: Final = {"recurrence_rule": RecurrenceRule}
ReminderCreate = body_struct(
    "ReminderCreate",
    "Something to do at a future `due_at`, maybe about one of your entities. Birthdays and anniversaries "
    "recur yearly unless `recurrence_rule` says otherwise. Channels default to in_app.",
    [*_choose(REMINDER, REMINDER.inputs), *_EXTRAS], creating=True, objects=_OBJECTS,
)
ReminderUpdate = body_struct(
    "ReminderUpdate", "Only the fields sent change; the due date changes by rescheduling.",
    [*_choose(REMINDER, [n for n in REMINDER.inputs if n != "due_at"]), *_EXTRAS], creating=False, objects=_OBJECTS,
)
ReminderSnooze = body_struct(
    "ReminderSnooze", "Put it off until a future moment.", [("snoozed_until", Timestamp, True)], creating=True,
)
ReminderReschedule = body_struct(
    "ReminderReschedule", "A new, future due date (a completed reminder opens again).",
    [("due_at", Timestamp, True)], creating=True,
)
REMINDER_BODIES: Final[tuple[type[Struct], ...]] = (
    RecurrenceRule, ReminderCreate, ReminderUpdate, ReminderSnooze, ReminderReschedule,
)
