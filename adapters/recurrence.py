"""The recurrence port over python-dateutil's rrule (RFC 5545), in the user's wall-clock time."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any, Final, Literal

from dateutil import rrule

from conezia.core.recurrence import WEEKDAYS, parse_until

__all__ = ["DateutilRecurrence"]

_FREQUENCIES: Final[dict[str, Literal[0, 1, 2, 3, 4, 5, 6]]] = {"daily": rrule.DAILY, "weekly": rrule.WEEKLY, "monthly": rrule.MONTHLY, "yearly": rrule.YEARLY}
_WEEKDAYS: Final = dict(zip(WEEKDAYS, (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU), strict=True))
_SHORTEST_MONTH: Final = 28


class DateutilRecurrence:
    """:class:`~conezia.core.ports.Recurrence` with dateutil.

    The series is computed on naive wall-clock times in the user's zone (so 09:00
    stays 09:00 across DST changes) and each occurrence is then placed in the zone
    (a wall time a DST gap skips moves forward by the gap, as ``zoneinfo`` does).
    A monthly or yearly rule without ``byweekday``/``bymonthday`` recurs on its start's
    day of the month; dateutil would skip months that lack that day (RFC 5545), so a
    start on the 29th to 31st asks for "the last of the days 28..D" instead: the 31st
    falls on the 30th in April, 29 February on 28 February in common years.
    """

    def next_occurrence(
        self, rule: Mapping[str, Any], start: dt.datetime, after: dt.datetime, timezone: str
    ) -> dt.datetime | None:
        zone = _zone(timezone)
        local_start = _wall(start, zone)
        options: dict[str, Any] = {"dtstart": local_start, "interval": int(rule.get("interval", 1))}
        freq = _FREQUENCIES[rule["freq"]]
        if "count" in rule:
            options["count"] = int(rule["count"])
        if "until" in rule:
            until = parse_until(rule["until"])
            if until is not None:
                options["until"] = _wall(until, zone)
        if "byweekday" in rule:
            options["byweekday"] = [_WEEKDAYS[day] for day in rule["byweekday"]]
        if "bymonthday" in rule:
            options["bymonthday"] = list(rule["bymonthday"])
        elif "byweekday" not in rule and freq in (rrule.MONTHLY, rrule.YEARLY) and local_start.day > _SHORTEST_MONTH:
            options["bymonthday"] = list(range(_SHORTEST_MONTH, local_start.day + 1))
            options["bysetpos"] = -1
            if freq == rrule.YEARLY:
                options["bymonth"] = local_start.month
        series = rrule.rrule(freq, **options)
        # the first occurrence strictly after `after`'s wall time that is also a later instant
        cursor = _wall(after, zone)
        while True:
            found = series.after(cursor, inc=False)
            if found is None:
                return None
            instant = found.replace(tzinfo=zone).astimezone(dt.UTC)
            if instant > after:
                return instant
            cursor = found


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _wall(at: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The naive wall-clock time in ``zone`` at the instant ``at``."""
    return at.astimezone(zone).replace(tzinfo=None)
