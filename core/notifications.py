"""What to notify, on which channel, for the reminders due at a moment: quiet hours and preferences.

Pure: given a due reminder, its user's settings and the moment, :func:`plan` says
which channels to notify now and which to hold back until the user's quiet hours
end. ``in_app`` is never held back (a feed is read when the user looks); ``email``
and ``push`` wait out the quiet hours, which are a wall-clock window in the
user's timezone (``"22:00"`` to ``"07:00"`` crosses midnight). A channel the user
turned off in ``notification_preferences`` is not notified at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
import zoneinfo
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from .validation import is_valid_time_of_day

if TYPE_CHECKING:
    from .reminders import Reminder

__all__ = ["ALWAYS_NOW", "Held", "Notification", "QuietHours", "Recipient", "plan"]

ALWAYS_NOW: Final = frozenset({"in_app"})
_HORIZON: Final = dt.timedelta(days=3)  # a window is shorter than a day; DST shifts it by hours at most
_STEP: Final = dt.timedelta(hours=1)


@attrs.frozen
class Recipient:
    """What the notifier needs of a reminder's user."""

    user_id: uuid.UUID
    timezone: str
    notification_preferences: Mapping[str, Any] = attrs.Factory(dict)
    email: str | None = attrs.field(default=None, repr=False)

    def zone(self) -> dt.tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return dt.UTC

    def wants(self, channel: str) -> bool:
        """Whether the user lets this channel notify them (every channel does unless turned off)."""
        return self.notification_preferences.get(channel, True) is not False


def _time(value: object) -> dt.time | None:
    if not is_valid_time_of_day(value):
        return None
    hours, minutes = str(value).split(":")
    return dt.time(int(hours), int(minutes))


@attrs.frozen
class QuietHours:
    """A daily wall-clock window ``[start, end)`` in ``zone``; ``start > end`` crosses midnight."""

    start: dt.time
    end: dt.time
    zone: dt.tzinfo

    @classmethod
    def of(cls, recipient: Recipient) -> QuietHours | None:
        """The recipient's quiet hours, or None without (both ends are needed, and must differ)."""
        prefs = recipient.notification_preferences
        start, end = _time(prefs.get("quiet_hours_start")), _time(prefs.get("quiet_hours_end"))
        if start is None or end is None or start == end:
            return None
        return cls(start, end, recipient.zone())

    def covers(self, at: dt.datetime) -> bool:
        """Whether the wall clock in the zone reads a time inside the window at the instant ``at``."""
        clock = at.astimezone(self.zone).time()
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def release(self, at: dt.datetime) -> dt.datetime:
        """The first instant at or after ``at`` outside the window (``at`` itself when it is outside).

        Whether an instant is inside changes only where the wall clock reads ``start`` or
        ``end`` or jumps (a DST change), so the first of those instants that lies outside is
        the answer; a wall time that a DST gap skips is left at the jump.
        """
        if not self.covers(at):
            return at
        for candidate in sorted(self._changes(at)):
            if not self.covers(candidate):
                return candidate
        raise AssertionError("quiet hours never end")  # pragma: no cover - a window is shorter than a day

    def _changes(self, at: dt.datetime) -> set[dt.datetime]:
        found: set[dt.datetime] = set()
        day = at.astimezone(self.zone).date()
        for offset in range(-1, _HORIZON.days + 1):
            for clock in (self.start, self.end):
                for fold in (0, 1):
                    local = dt.datetime.combine(day + dt.timedelta(days=offset), clock, tzinfo=self.zone)
                    instant = local.replace(fold=fold).astimezone(dt.UTC)
                    if instant > at:
                        found.add(instant)
        found.update(_transitions(self.zone, at, at + _HORIZON))
        return found


def _offset(zone: dt.tzinfo, at: dt.datetime) -> dt.timedelta | None:
    return at.astimezone(zone).utcoffset()


def _transitions(zone: dt.tzinfo, begin: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The instants in ``(begin, end]`` at which the zone's UTC offset changes (to the second)."""
    found = []
    low = begin
    while low < end:
        high = low + _STEP
        if _offset(zone, low) != _offset(zone, high):
            before, after = low, high
            while after - before > dt.timedelta(seconds=1):
                middle = before + (after - before) / 2
                if _offset(zone, middle) == _offset(zone, before):
                    before = middle
                else:
                    after = middle
            # tzdata changes offsets at whole seconds: the one in (before, after], a second long at most
            found.append(before.replace(microsecond=0) + dt.timedelta(seconds=1))
        low = high
    return found


@functools.lru_cache(maxsize=4096)
def _release(quiet: QuietHours, at: dt.datetime) -> dt.datetime:
    # One batch plans many reminders for one moment, and users share timezones and quiet
    # hours: the search for the window's end runs once per distinct window and moment.
    return quiet.release(at)


@attrs.frozen
class Notification:
    """Notify ``user_id`` of ``reminder`` on ``channel``, for its occurrence that fell due at ``occurrence``.

    ``recipient`` carries what delivery needs of the user (the email address).
    """

    user_id: uuid.UUID
    reminder: Reminder
    channel: str
    occurrence: dt.datetime
    recipient: Recipient | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Held:
    """A notification held back by quiet hours, to send at ``release_at`` (the first instant after them)."""

    notification: Notification
    release_at: dt.datetime


def plan(reminder: Reminder, recipient: Recipient, now: dt.datetime) -> tuple[list[Notification], list[Held]]:
    """What to notify now of a due reminder, and what to hold back until quiet hours end."""
    quiet = QuietHours.of(recipient)
    release = None if quiet is None else _release(quiet, now)
    send: list[Notification] = []
    held: list[Held] = []
    for channel in reminder.notification_channels:
        if not recipient.wants(channel):
            continue
        notification = Notification(recipient.user_id, reminder, channel, reminder.fell_due_at, recipient)
        if channel in ALWAYS_NOW or release is None or release == now:
            send.append(notification)
        else:
            held.append(Held(notification, release))
    return send, held
