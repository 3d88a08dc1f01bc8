"""Reminder use-cases over the in-memory adapter: the rules, snooze, completion and recurrence, what is due."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from typing import Any

import pytest

from conezia.core import services
from conezia.core.activity import ActivityFilter
from conezia.core.deps import Deps
from conezia.core.errors import ConflictError, NotFoundError, ValidationError
from conezia.core.pagination import PageRequest

from .conftest import FakeClock

pytestmark = pytest.mark.anyio

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


async def register(deps: Deps, email: str = "ada@example.com", **fields: Any) -> uuid.UUID:
    return (await services.register(deps, {"email": email, "password": "Correct-Horse-1", **fields})).id


def later(clock: FakeClock, **delta: float) -> str:
    return (clock.now() + dt.timedelta(**delta)).isoformat()


async def activity(deps: Deps, user_id: uuid.UUID) -> list[tuple[str, Any]]:
    page = await services.list_activity(deps, user_id, ActivityFilter(resource_type="reminder"))
    return [(entry.action, entry.metadata.get("operation")) for entry in reversed(page.items)]


async def test_a_reminder_is_created_with_its_defaults_and_read_back(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    made = await services.create_reminder(deps, user, {"type": "follow_up", "title": " Call Grace ", "due_at": later(clock, days=1)})
    assert made.title == "Call Grace" and made.notification_channels == ["in_app"] and made.recurrence_rule is None
    assert await services.get_reminder(deps, user, made.id) == made


async def test_every_bad_field_is_named_at_once_and_nothing_is_written(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    with pytest.raises(ValidationError) as raised:
        await services.create_reminder(deps, user, {
            "type": "nag", "title": "", "description": "x" * 2001, "due_at": clock.now().isoformat(),
            "notification_channels": ["in_app", "fax"], "entity_id": "not-an-id",
            "recurrence_rule": {"freq": "hourly", "interval": 0, "bymonthday": [0], "byweekday": ["XX"], "colour": 1},
        })
    assert set(raised.value.errors) == {
        "type", "title", "description", "due_at", "notification_channels", "entity_id",
        "recurrence_rule.freq", "recurrence_rule.interval", "recurrence_rule.bymonthday",
        "recurrence_rule.byweekday", "recurrence_rule.colour",
    }
    assert raised.value.errors["due_at"] == ["must be in the future"]
    assert (await services.list_reminders(deps, user, status="all")).items == []


async def test_another_users_entity_is_not_found_and_nothing_is_written(deps: Deps, clock: FakeClock) -> None:
    ada, eve = await register(deps), await register(deps, "eve@example.com")
    theirs = await services.create_entity(deps, eve, {"type": "person", "name": "Eve's friend"})
    with pytest.raises(NotFoundError):
        await services.create_reminder(deps, ada, {
            "type": "custom", "title": "Spy", "due_at": later(clock, days=1), "entity_id": str(theirs.id),
        })
    assert (await services.list_reminders(deps, ada, status="all")).items == []


async def test_birthdays_and_anniversaries_recur_yearly_unless_told_otherwise(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    due = later(clock, days=3)
    birthday = await services.create_reminder(deps, user, {"type": "birthday", "title": "Ada", "due_at": due})
    once = await services.create_reminder(
        deps, user, {"type": "anniversary", "title": "Once", "due_at": due, "recurrence_rule": None}
    )
    assert birthday.recurrence_rule == {"freq": "yearly"} and once.recurrence_rule is None


async def test_snoozing_needs_a_future_moment_and_is_logged_as_a_snooze(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    reminder = await services.create_reminder(deps, user, {"type": "custom", "title": "T", "due_at": later(clock, hours=1)})
    for bad in (clock.now().isoformat(), later(clock, seconds=-1), "tomorrow", None):
        with pytest.raises(ValidationError) as raised:
            await services.snooze_reminder(deps, user, reminder.id, bad)
        assert list(raised.value.errors) == ["snoozed_until"]
    assert (await services.get_reminder(deps, user, reminder.id)).snoozed_until is None

    snoozed = await services.snooze_reminder(deps, user, reminder.id, later(clock, hours=2))
    assert snoozed.snoozed_until == clock.now() + dt.timedelta(hours=2)
    assert (await services.unsnooze_reminder(deps, user, reminder.id)).snoozed_until is None
    assert await activity(deps, user) == [("create", None), ("update", "snooze"), ("update", "unsnooze")]


async def test_completing_a_one_off_reminder_completes_it_once(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    reminder = await services.create_reminder(deps, user, {"type": "custom", "title": "T", "due_at": later(clock, hours=1)})
    done = await services.complete_reminder(deps, user, reminder.id)
    assert done.completed_at == clock.now() and done.due_at == reminder.due_at
    with pytest.raises(ConflictError):
        await services.complete_reminder(deps, user, reminder.id)
    with pytest.raises(ConflictError):
        await services.snooze_reminder(deps, user, reminder.id, later(clock, days=1))
    assert [r.id for r in (await services.list_reminders(deps, user, status="completed")).items] == [reminder.id]
    assert (await services.list_reminders(deps, user)).items == []


async def test_rescheduling_needs_a_future_date_and_reopens_a_completed_reminder(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    reminder = await services.create_reminder(deps, user, {"type": "custom", "title": "T", "due_at": later(clock, hours=1)})
    await services.complete_reminder(deps, user, reminder.id)
    with pytest.raises(ValidationError) as raised:
        await services.reschedule_reminder(deps, user, reminder.id, later(clock, hours=-1))
    assert raised.value.errors == {"due_at": ["must be in the future"]}
    moved = await services.reschedule_reminder(deps, user, reminder.id, later(clock, days=2))
    assert moved.completed_at is None and moved.due_at == clock.now() + dt.timedelta(days=2)


async def test_an_update_keeps_a_past_due_date_and_cannot_change_it(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    reminder = await services.create_reminder(deps, user, {"type": "custom", "title": "T", "due_at": later(clock, hours=1)})
    clock.advance(days=1)  # now overdue: errata C6 checks the future only on creating and rescheduling
    changed = await services.update_reminder(deps, user, reminder.id, {"title": "Renamed", "notification_channels": ["email", "in_app"]})
    assert changed.title == "Renamed" and changed.notification_channels == ["in_app", "email"]
    with pytest.raises(ValidationError) as raised:
        await services.update_reminder(deps, user, reminder.id, {"due_at": later(clock, days=1)})
    assert raised.value.errors == {"due_at": ["is not a permitted field"]}


async def test_a_monthly_reminder_at_nine_in_paris_rolls_forward_at_nine_across_dst(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps, timezone="Europe/Paris")
    first = dt.datetime(2026, 2, 15, 9, 0, tzinfo=PARIS)  # winter time; April is summer time
    reminder = await services.create_reminder(deps, user, {
        "type": "custom", "title": "Rent", "due_at": first.isoformat(), "recurrence_rule": {"freq": "monthly", "count": 3},
    })
    dues = [reminder.due_at]
    for _ in range(2):
        dues.append((await services.complete_reminder(deps, user, reminder.id)).due_at)
    final = await services.complete_reminder(deps, user, reminder.id)

    assert [d.astimezone(PARIS).replace(tzinfo=None) for d in dues] == [
        dt.datetime(2026, 2, 15, 9), dt.datetime(2026, 3, 15, 9), dt.datetime(2026, 4, 15, 9),
    ]
    assert dues[1].utcoffset() == dt.timedelta(0) and dues[1].hour == 8 and dues[2].hour == 7  # in UTC
    assert final.completed_at == clock.now() and final.due_at == dues[2]  # count spent
    assert (await activity(deps, user))[-1] == ("update", "complete")


async def test_a_yearly_reminder_on_29_february_falls_on_28_february_in_common_years(deps: Deps, clock: FakeClock) -> None:
    clock.current = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)
    user = await register(deps)
    reminder = await services.create_reminder(
        deps, user, {"type": "birthday", "title": "Leapling", "due_at": "2028-02-29T10:00:00Z"}
    )
    dues = [(await services.complete_reminder(deps, user, reminder.id)).due_at.date() for _ in range(4)]
    assert dues == [dt.date(2029, 2, 28), dt.date(2030, 2, 28), dt.date(2031, 2, 28), dt.date(2032, 2, 29)]


async def test_due_notifications_hold_email_in_quiet_hours_and_release_them_after(deps: Deps, clock: FakeClock) -> None:
    # 23:00 in Paris on 17 January is 22:00 UTC; quiet from 22:00 to 07:00 local
    clock.current = dt.datetime(2026, 1, 17, 21, 0, tzinfo=dt.UTC)
    user = await register(deps, timezone="Europe/Paris")
    await services.update_preferences(deps, user, {"notification_preferences": {
        "quiet_hours_start": "22:00", "quiet_hours_end": "07:00", "push": False,
    }})
    reminder = await services.create_reminder(deps, user, {
        "type": "custom", "title": "T", "due_at": later(clock, minutes=30), "notification_channels": ["in_app", "email", "push"],
    })
    assert (await services.due_notifications(deps)).send == []  # not due yet

    night = dt.datetime(2026, 1, 17, 22, 0, tzinfo=dt.UTC)
    batch = await services.due_notifications(deps, night)
    assert [(n.channel, n.reminder.id, n.occurrence) for n in batch.send] == [("in_app", reminder.id, reminder.due_at)]
    assert [(h.notification.channel, h.release_at) for h in batch.held] == [
        ("email", dt.datetime(2026, 1, 18, 6, 0, tzinfo=dt.UTC)),  # 07:00 in Paris; push is turned off
    ]
    morning = await services.due_notifications(deps, batch.held[0].release_at)
    assert [n.channel for n in morning.send] == ["in_app", "email"] and morning.held == []


async def test_a_snoozed_reminder_is_due_again_when_the_snooze_ends(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    reminder = await services.create_reminder(deps, user, {"type": "custom", "title": "T", "due_at": later(clock, minutes=1)})
    clock.advance(minutes=2)
    await services.snooze_reminder(deps, user, reminder.id, later(clock, hours=1))
    assert (await services.due_notifications(deps)).send == []
    clock.advance(hours=1)
    assert [n.reminder.id for n in (await services.due_notifications(deps)).send] == [reminder.id]


async def test_due_reminders_come_in_batches_that_follow_the_cursor(deps: Deps, clock: FakeClock) -> None:
    users = [await register(deps, f"u{n}@example.com") for n in range(3)]
    for n, user in enumerate(users):
        for m in range(2):
            await services.create_reminder(deps, user, {"type": "custom", "title": f"{n}.{m}", "due_at": later(clock, minutes=1 + m)})
    clock.advance(hours=1)
    seen, cursor = [], None
    while True:
        batch = await services.due_notifications(deps, page=PageRequest.parse(limit=4, cursor=cursor))
        seen += [n.reminder.title for n in batch.send]
        if (cursor := batch.next_cursor) is None:
            break
    assert sorted(seen) == sorted(f"{n}.{m}" for n in range(3) for m in range(2)) and len(seen) == 6
