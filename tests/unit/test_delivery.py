"""Delivering due reminders once per occurrence and channel, over the in-memory adapter.

Two workers are two concurrent runs of the use-case over one store; a restart is
another run; a crash is a claim left without its delivery.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from conezia.adapters.mail import MemoryOutbox
from conezia.adapters.push import MemoryPush
from conezia.core import services
from conezia.core.deps import Deps
from conezia.core.inbox import CLAIM_LEASE, Delivery
from conezia.core.pagination import PageRequest

from .conftest import FakeClock

pytestmark = pytest.mark.anyio

EVERY_CHANNEL = ["in_app", "email", "push"]


async def register(deps: Deps, email: str = "ada@example.com", **fields: Any) -> uuid.UUID:
    return (await services.register(deps, {"email": email, "password": "Correct-Horse-1", **fields})).id


async def a_due_reminder(deps: Deps, clock: FakeClock, user: uuid.UUID, title: str = "Call Grace", **fields: Any) -> Any:
    reminder = await services.create_reminder(deps, user, {
        "type": "custom", "title": title, "due_at": (clock.now() + dt.timedelta(minutes=1)).isoformat(), **fields,
    })
    clock.advance(minutes=2)
    return reminder


def mailed(deps: Deps) -> list[Any]:
    assert isinstance(deps.mailer, MemoryOutbox)
    return [m for m in deps.mailer.messages if m.kind == "reminder"]


def pushed(deps: Deps) -> list[Any]:
    assert isinstance(deps.push, MemoryPush)
    return deps.push.messages


class _Yielding:
    """A repository (or unit of work) that lets the other tasks run before and after each call."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name in {"record"}:
            return found
        if not callable(found):
            return _Yielding(found)

        async def call(*args: Any, **kwargs: Any) -> Any:
            await anyio.lowlevel.checkpoint()
            result = await found(*args, **kwargs)
            await anyio.lowlevel.checkpoint()
            return result

        return call

    async def __aenter__(self) -> Any:
        await anyio.lowlevel.checkpoint()
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._inner.__aexit__(*exc_info)


def interleaving(deps: Deps) -> Deps:
    """The same core, where concurrent runs interleave at every repository call (memory calls never wait)."""
    import attrs

    return attrs.evolve(deps, uow=lambda: _Yielding(deps.uow()))


async def feed(deps: Deps, user: uuid.UUID, unread: bool | None = None) -> list[Any]:
    return list((await services.list_notifications(deps, user, unread=unread)).items)


async def test_a_due_reminder_is_notified_on_each_of_its_channels_once(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    reminder = await a_due_reminder(deps, clock, user, notification_channels=EVERY_CHANNEL)

    report = await services.deliver_notifications(deps)
    assert report.delivered == {"in_app": 1, "email": 1, "push": 1} and report.failed == 0

    [entry] = await feed(deps, user)
    assert (entry.reminder_id, entry.title, entry.due_at, entry.read_at) == (reminder.id, "Call Grace", reminder.due_at, None)
    [mail] = mailed(deps)
    assert (mail.to, mail.reminder_id, mail.title, mail.due_at) == ("ada@example.com", reminder.id, "Call Grace", reminder.due_at)
    [push] = pushed(deps)
    assert (push.user_id, push.reminder_id) == (user, reminder.id)

    # a restart (another run, later) finds it due still, and delivered already
    clock.advance(minutes=5)
    again = await services.deliver_notifications(deps)
    assert again.total == 0 and again.skipped == 3
    assert len(await feed(deps, user)) == 1 and len(mailed(deps)) == 1 and len(pushed(deps)) == 1


async def test_two_workers_at_once_notify_each_occurrence_exactly_once(deps: Deps, clock: FakeClock) -> None:
    users = [await register(deps, f"u{n}@example.com") for n in range(3)]
    for user in users:
        for n in range(4):
            await services.create_reminder(deps, user, {
                "type": "custom", "title": f"r{n}", "due_at": (clock.now() + dt.timedelta(minutes=1)).isoformat(),
                "notification_channels": EVERY_CHANNEL,
            })
    clock.advance(minutes=2)
    reports: list[Any] = []

    async def worker() -> None:
        reports.append(await services.deliver_notifications(interleaving(deps), batch_size=5))

    async with anyio.create_task_group() as group:
        for _ in range(2):
            group.start_soon(worker)

    assert sum(r.total for r in reports) == 3 * 4 * 3
    assert all(r.total > 0 for r in reports)  # both took part: they raced for the same keys
    assert sum([len(await feed(deps, user)) for user in users]) == 12
    assert len(mailed(deps)) == 12 and len({m.reminder_id for m in mailed(deps)}) == 12
    assert len(pushed(deps)) == 12 and len({m.reminder_id for m in pushed(deps)}) == 12


async def test_an_email_held_by_quiet_hours_is_sent_once_when_they_end(deps: Deps, clock: FakeClock) -> None:
    clock.current = dt.datetime(2026, 1, 17, 21, 0, tzinfo=dt.UTC)  # 22:00 in Paris
    user = await register(deps, timezone="Europe/Paris")
    await services.update_preferences(deps, user, {"notification_preferences": {
        "quiet_hours_start": "22:00", "quiet_hours_end": "07:00",
    }})
    await a_due_reminder(deps, clock, user, notification_channels=["in_app", "email"])

    night = await services.deliver_notifications(deps)
    assert night.delivered == {"in_app": 1} and night.held == 1 and mailed(deps) == []

    clock.current = dt.datetime(2026, 1, 18, 5, 59, tzinfo=dt.UTC)  # 06:59 in Paris: still quiet
    assert (await services.deliver_notifications(deps)).held == 1 and mailed(deps) == []

    clock.current = dt.datetime(2026, 1, 18, 6, 0, tzinfo=dt.UTC)  # 07:00 in Paris
    morning = await services.deliver_notifications(deps)
    assert morning.delivered == {"email": 1} and morning.held == 0 and len(mailed(deps)) == 1
    assert len(await feed(deps, user)) == 1


async def test_a_snoozed_reminder_notifies_again_when_the_snooze_ends_and_unsnoozing_does_not(
    deps: Deps, clock: FakeClock
) -> None:
    user = await register(deps)
    reminder = await a_due_reminder(deps, clock, user)
    assert (await services.deliver_notifications(deps)).delivered == {"in_app": 1}

    until = clock.now() + dt.timedelta(hours=1)
    await services.snooze_reminder(deps, user, reminder.id, until.isoformat())
    assert (await services.deliver_notifications(deps)).total == 0  # snoozed: not due
    clock.advance(hours=1)
    assert (await services.deliver_notifications(deps)).delivered == {"in_app": 1}
    assert (await services.deliver_notifications(deps)).total == 0

    # back to the due date, notified already: nothing more
    await services.unsnooze_reminder(deps, user, reminder.id)
    assert (await services.deliver_notifications(deps)).total == 0
    assert [e.due_at for e in await feed(deps, user)] == [until, reminder.due_at]


async def test_a_completed_recurring_reminder_notifies_its_next_occurrence_when_it_falls_due(
    deps: Deps, clock: FakeClock
) -> None:
    user = await register(deps)
    reminder = await a_due_reminder(deps, clock, user, recurrence_rule={"freq": "daily"})
    await services.deliver_notifications(deps)
    following = await services.complete_reminder(deps, user, reminder.id)
    assert following.due_at > clock.now()
    assert (await services.deliver_notifications(deps)).total == 0  # tomorrow's is not due yet
    clock.advance(days=1)
    assert (await services.deliver_notifications(deps)).delivered == {"in_app": 1}
    assert [e.due_at for e in await feed(deps, user)] == [following.due_at, reminder.due_at]


async def test_a_channel_the_user_turned_off_is_not_notified(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    await services.update_preferences(deps, user, {"notification_preferences": {"email": False, "in_app": False}})
    await a_due_reminder(deps, clock, user, notification_channels=EVERY_CHANNEL)
    report = await services.deliver_notifications(deps)
    assert report.delivered == {"push": 1} and mailed(deps) == [] and await feed(deps, user) == []


async def test_a_worker_that_died_after_its_claim_is_taken_over_once_the_lease_ends(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    reminder = await a_due_reminder(deps, clock, user, notification_channels=["email"])
    async with deps.uow() as uow:  # what a worker that crashed right after claiming leaves behind
        await uow.deliveries.claim(Delivery(reminder.id, reminder.due_at, "email", user, clock.now()), clock.now())
        await uow.commit()

    assert (await services.deliver_notifications(deps)).skipped == 1 and mailed(deps) == []
    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    assert (await services.deliver_notifications(deps)).delivered == {"email": 1}
    assert len(mailed(deps)) == 1
    assert (await services.deliver_notifications(deps)).total == 0


class _BrokenPush:
    def __init__(self) -> None:
        self.calls = 0

    async def send(self, user_id: uuid.UUID, **_: Any) -> None:
        self.calls += 1
        raise ConnectionError("provider down")


async def test_a_failed_delivery_is_logged_without_the_title_and_retried_after_the_lease(
    deps: Deps, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    import attrs

    broken = _BrokenPush()
    failing = attrs.evolve(deps, push=broken)
    user = await register(failing)
    reminder = await a_due_reminder(failing, clock, user, title="Secret surgery", notification_channels=["in_app", "push"])
    with caplog.at_level(logging.INFO, logger="conezia"):
        report = await services.deliver_notifications(failing)
    assert report.delivered == {"in_app": 1} and report.failed == 1 and broken.calls == 1
    assert str(reminder.id) in caplog.text and "ConnectionError" in caplog.text
    assert "Secret surgery" not in caplog.text and "ada@example.com" not in caplog.text

    assert (await services.deliver_notifications(deps)).skipped == 2  # the claim holds until the lease ends
    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    assert (await services.deliver_notifications(deps)).delivered == {"push": 1}
    assert len(pushed(deps)) == 1


async def test_the_feed_lists_newest_first_and_marks_read_and_unread(deps: Deps, clock: FakeClock) -> None:
    user = await register(deps)
    other = await register(deps, "eve@example.com")
    first = await a_due_reminder(deps, clock, user, title="first")
    await services.deliver_notifications(deps)
    second = await a_due_reminder(deps, clock, user, title="second")
    await a_due_reminder(deps, clock, other, title="not yours")
    await services.deliver_notifications(deps)

    newest, oldest = await feed(deps, user)
    assert (newest.reminder_id, oldest.reminder_id) == (second.id, first.id)
    read = await services.mark_notification_read(deps, user, oldest.id)
    assert read.read_at == clock.now()
    assert [n.id for n in await feed(deps, user, unread=True)] == [newest.id]
    assert [n.id for n in await feed(deps, user, unread=False)] == [oldest.id]
    assert (await services.mark_notification_unread(deps, user, oldest.id)).read_at is None

    assert await services.mark_all_notifications_read(deps, user) == 2
    assert await feed(deps, user, unread=True) == []
    assert len(await feed(deps, other, unread=True)) == 1  # another user's stay unread

    page = await services.list_notifications(deps, user, PageRequest(limit=1))
    assert [n.id for n in page.items] == [newest.id] and page.next_cursor is not None
    rest = await services.list_notifications(deps, user, PageRequest.parse(limit=1, cursor=page.next_cursor))
    assert [n.id for n in rest.items] == [oldest.id] and rest.next_cursor is None


async def test_another_users_notification_is_not_found(deps: Deps, clock: FakeClock) -> None:
    from conezia.core.errors import NotFoundError

    user = await register(deps)
    other = await register(deps, "eve@example.com")
    await a_due_reminder(deps, clock, user)
    await services.deliver_notifications(deps)
    [entry] = await feed(deps, user)
    for call in (services.get_notification, services.mark_notification_read, services.mark_notification_unread):
        with pytest.raises(NotFoundError):
            await call(deps, other, entry.id)
    assert (await feed(deps, user))[0].read_at is None


async def test_reading_a_notification_is_in_the_activity_log_without_its_title(deps: Deps, clock: FakeClock) -> None:
    from conezia.core.activity import ActivityFilter

    user = await register(deps)
    reminder = await a_due_reminder(deps, clock, user, title="Private thing")
    await services.deliver_notifications(deps)
    [entry] = await feed(deps, user)
    await services.mark_notification_read(deps, user, entry.id)
    [row] = (await services.list_activity(deps, user, ActivityFilter(resource_id=reminder.id))).items[:1]
    assert row.metadata["operation"] == "read" and row.metadata["notification_id"] == str(entry.id)
    assert "Private thing" not in repr(row.metadata)
