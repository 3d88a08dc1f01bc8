"""Recurrence rules: the JSON form of an RFC 5545 RRULE, validated key by key.

A rule is a JSON object::

    {"freq": "monthly", "interval": 1, "count": 12, "until": "2027-12-31T23:59:59Z",
     "byweekday": ["MO", "FR"], "bymonthday": [1, -1]}

``freq`` is required; every other key is optional, and an unknown key is refused.
Each bad key gets its own message under ``recurrence_rule.<key>`` (a rule that is
not an object, or a clash between keys, under ``recurrence_rule``). Computing the
occurrences is the :class:`~conezia.core.ports.Recurrence` port's work (dateutil's
rrule in the adapter); the core only checks and normalizes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from .validation import Changes, as_integer

__all__ = [
    "FREQUENCIES",
    "MAX_COUNT",
    "MAX_INTERVAL",
    "MAX_MONTHDAY",
    "RULE_KEYS",
    "WEEKDAYS",
    "cast_recurrence_rule",
    "parse_until",
]

FIELD: Final = "recurrence_rule"
FREQUENCIES: Final = ("daily", "weekly", "monthly", "yearly")
WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
RULE_KEYS: Final = ("freq", "interval", "count", "until", "byweekday", "bymonthday")
MAX_INTERVAL: Final = 999
MAX_COUNT: Final = 1000
MAX_MONTHDAY: Final = 31


def parse_until(value: object) -> dt.datetime | None:
    """``until`` as an aware UTC instant: an ISO 8601 timestamp with an offset, or None if it is not one."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(dt.UTC)


def _listed(value: object) -> list[Any] | None:
    """One value or a non-empty list of them, as a list (None if neither)."""
    items = value if isinstance(value, list) else [value]
    return items if items else None


def cast_recurrence_rule(changes: Changes, raw: object) -> Any:
    """Validate and normalize a rule; records errors on ``changes`` and returns None for a bad rule.

    Returns:
        The normalized rule (keys in :data:`RULE_KEYS` order, lists sorted and without
        repeats, ``until`` in UTC), or None (no rule, or a bad one: see ``changes``).
    """
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        changes.add_error(FIELD, "must be an object")
        return None
    ok = True

    def bad(key: str, message: str) -> None:
        nonlocal ok
        ok = False
        changes.add_error(f"{FIELD}.{key}", message)

    for key in raw:
        if key not in RULE_KEYS:
            bad(str(key), f"is not a rule key; allowed keys: {', '.join(RULE_KEYS)}")
    rule: dict[str, Any] = {}
    freq = raw.get("freq")
    if "freq" not in raw or freq is None:
        bad("freq", "can't be blank")
    elif not isinstance(freq, str) or freq not in FREQUENCIES:
        bad("freq", f"is invalid; allowed values: {', '.join(FREQUENCIES)}")
    else:
        rule["freq"] = freq
    for key, maximum in (("interval", MAX_INTERVAL), ("count", MAX_COUNT)):
        if key in raw:
            number = as_integer(raw[key])
            if number is None or not 1 <= number <= maximum:
                bad(key, f"must be an integer from 1 to {maximum}")
            else:
                rule[key] = number
    if "until" in raw:
        until = parse_until(raw["until"])
        if until is None:
            bad("until", "must be an ISO 8601 timestamp with a timezone offset")
        else:
            rule["until"] = until.isoformat().replace("+00:00", "Z")
    if "byweekday" in raw:
        days = _listed(raw["byweekday"])
        if days is None or not all(isinstance(d, str) and d in WEEKDAYS for d in days):
            bad("byweekday", f"must be one or a list of {', '.join(WEEKDAYS)}")
        else:
            rule["byweekday"] = sorted(set(days), key=WEEKDAYS.index)
    if "bymonthday" in raw:
        numbers = [as_integer(n) for n in _listed(raw["bymonthday"]) or []]
        if not numbers or not all(n is not None and n != 0 and -MAX_MONTHDAY <= n <= MAX_MONTHDAY for n in numbers):
            bad("bymonthday", f"must be one or a list of days of the month, 1 to {MAX_MONTHDAY} or -1 to "
                f"-{MAX_MONTHDAY} (from the end), never 0")
        else:
            rule["bymonthday"] = sorted({n for n in numbers if n is not None})
    # RFC 5545 3.3.10: COUNT and UNTIL never together; no BYMONTHDAY in a weekly rule
    if "count" in raw and "until" in raw:
        ok = False
        changes.add_error(FIELD, "takes count or until, not both")
    if freq == "weekly" and "bymonthday" in raw:
        ok = False
        changes.add_error(FIELD, "a weekly rule takes no bymonthday")
    if not ok:
        return None
    return {key: rule[key] for key in RULE_KEYS if key in rule}
