"""Properties of recurrence rules (validated key by key) and of the dateutil port, and of quiet hours."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from conezia.adapters.recurrence import DateutilRecurrence
from conezia.core.notifications import QuietHours
from conezia.core.recurrence import FREQUENCIES, MAX_COUNT, MAX_INTERVAL, RULE_KEYS, WEEKDAYS, cast_recurrence_rule
from conezia.core.validation import Changes

ZONES = st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"])
INSTANTS = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(dt.UTC)
)
RECURRENCE = DateutilRecurrence()


def cast(raw: object) -> tuple[object, dict[str, list[str]]]:
    changes = Changes({}, ())
    return cast_recurrence_rule(changes, raw), changes.errors


VALID_RULES = st.fixed_dictionaries(
    {"freq": st.sampled_from(FREQUENCIES)},
    optional={
        "interval": st.integers(1, 12),
        "count": st.integers(1, 30),
        "byweekday": st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7),
    },
)


@given(VALID_RULES)
def test_a_valid_rule_is_accepted_and_normalizing_it_again_changes_nothing(raw: dict[str, object]) -> None:
    rule, errors = cast(raw)
    assert errors == {} and isinstance(rule, dict) and list(rule) == [k for k in RULE_KEYS if k in raw]
    assert cast(rule) == (rule, {})


BAD_VALUES = {
    "freq": [None, "hourly", 3, ["daily"]],
    "interval": [None, 0, MAX_INTERVAL + 1, "2", True, 1.5],
    "count": [None, 0, MAX_COUNT + 1, 2.5, "3"],
    "until": [None, "2027-01-01T00:00:00", "soon", 5],
    "byweekday": [None, [], ["XX"], "monday", [1], ["MO", "mo"]],
    "bymonthday": [None, 0, [0], 32, [-32], "1", [], [1, True]],
    "colour": ["blue", None],
}
BAD_KEYS = st.sampled_from(sorted(BAD_VALUES)).flatmap(lambda key: st.tuples(st.just(key), st.sampled_from(BAD_VALUES[key])))


@given(VALID_RULES, BAD_KEYS)
def test_each_bad_key_is_refused_under_its_own_name(raw: dict[str, object], bad_key: tuple[str, object]) -> None:
    key, value = bad_key
    rule, errors = cast({**raw, key: value})
    assert rule is None
    assert f"recurrence_rule.{key}" in errors, errors
    # and only there: the other keys were valid (a count with an until is a clash of the whole rule)
    assert set(errors) - {"recurrence_rule"} == {f"recurrence_rule.{key}"}


@given(
    VALID_RULES.filter(lambda r: "count" not in r or r["count"] > 1),
    ZONES,
    INSTANTS,
    st.integers(0, 23),
)
def test_the_next_occurrence_is_always_after_the_completed_one(
    raw: dict[str, object], zone: str, start: dt.datetime, hour: int
) -> None:
    rule, _ = cast(raw)
    assert isinstance(rule, dict)
    local = start.astimezone(zoneinfo.ZoneInfo(zone)).replace(hour=hour)
    first = local.astimezone(dt.UTC)
    following = RECURRENCE.next_occurrence(rule, first, first, zone)
    assert following is None or following > first
    if following is not None:
        assert RECURRENCE.next_occurrence(rule, first, following, zone) != following


@given(ZONES, INSTANTS, st.integers(0, 23), st.sampled_from([0, 15, 30]), st.integers(1, 28), st.integers(1, 30))
def test_a_monthly_reminder_keeps_its_local_wall_clock_time(
    zone: str, start: dt.datetime, hour: int, minute: int, day: int, steps: int
) -> None:
    tz = zoneinfo.ZoneInfo(zone)
    local = start.astimezone(tz).replace(day=day, hour=hour, minute=minute, second=0, microsecond=0, tzinfo=None)
    first = local.replace(tzinfo=tz)
    if first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != local:
        return  # a wall time a DST gap skips has no such occurrence to keep
    at = first.astimezone(dt.UTC)
    for _ in range(steps):
        following = RECURRENCE.next_occurrence({"freq": "monthly"}, first.astimezone(dt.UTC), at, zone)
        assert following is not None
        wall = following.astimezone(tz)
        assert wall.day == day
        if wall.replace(tzinfo=None).time() != local.time():
            # only where this month's date has no such wall time, moved on by the gap
            naive = wall.replace(tzinfo=None).replace(hour=hour, minute=minute)
            assert naive.replace(tzinfo=tz).astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != naive
        at = following


@given(st.integers(2000, 2090), st.integers(1, 6))
def test_a_yearly_reminder_on_29_february_comes_every_year_on_the_last_day_of_february(year: int, steps: int) -> None:
    leap = next(y for y in range(year, year + 8) if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0))
    first = dt.datetime(leap, 2, 29, 9, tzinfo=dt.UTC)
    at = first
    for n in range(1, steps + 1):
        following = RECURRENCE.next_occurrence({"freq": "yearly"}, first, at, "UTC")
        assert following is not None and following.year == leap + n and following.month == 2
        assert following.day == (29 if (leap + n) % 4 == 0 and ((leap + n) % 100 != 0 or (leap + n) % 400 == 0) else 28)
        at = following


@given(st.integers(1, 40), INSTANTS)
def test_count_is_the_number_of_occurrences_the_first_included(count: int, start: dt.datetime) -> None:
    at, seen = start, 1
    while (following := RECURRENCE.next_occurrence({"freq": "daily", "count": count}, start, at, "UTC")) is not None:
        seen, at = seen + 1, following
    assert seen == count


TIMES = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(ZONES, TIMES, TIMES, INSTANTS)
def test_held_notifications_are_released_at_the_first_instant_outside_quiet_hours(
    zone: str, start: dt.time, end: dt.time, now: dt.datetime
) -> None:
    if start == end:
        return
    quiet = QuietHours(start, end, zoneinfo.ZoneInfo(zone))
    release = quiet.release(now)
    assert release >= now and not quiet.covers(release)  # never delivered inside
    if release > now:
        assert quiet.covers(now)
        # every moment before it is inside: none earlier would do
        for fraction in (0.0, 0.25, 0.5, 0.75, 0.999):
            assert quiet.covers(now + (release - now) * fraction)
        assert quiet.covers(release - dt.timedelta(microseconds=1))
        assert release - now < dt.timedelta(days=1, hours=3)


@given(ZONES, INSTANTS)
def test_quiet_hours_across_midnight_cover_the_night_and_not_the_day(zone: str, now: dt.datetime) -> None:
    tz = zoneinfo.ZoneInfo(zone)
    quiet = QuietHours(dt.time(22), dt.time(7), tz)
    clock = now.astimezone(tz).time()
    assert quiet.covers(now) == (clock >= dt.time(22) or clock < dt.time(7))
