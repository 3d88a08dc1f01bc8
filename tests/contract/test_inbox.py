"""The feed's and the delivery bookkeeping's own rules, on both backends (the owned-resource suite does the rest)."""

from __future__ import annotations

import datetime as dt

import anyio
import pytest

from conezia.core.errors import NotFoundError
from conezia.core.inbox import Delivery, DeliveryKey
from conezia.core.pagination import PageRequest

from .builders import T0, Factory, a_notification, a_reminder, a_user_added, add_all, items, read, write

pytestmark = pytest.mark.anyio

LEASE_START = T0 - dt.timedelta(minutes=10)


def a_delivery(reminder: object, channel: str = "email", claimed_at: dt.datetime = T0) -> Delivery:
    return Delivery(reminder.id, reminder.due_at, channel, reminder.user_id, claimed_at)  # type: ignore[attr-defined]


async def test_the_feed_lists_newest_first_and_filters_unread_and_read(uow_factory: Factory) -> None:
    user = await a_user_added(uow_factory)
    reminder = a_reminder(user)
    older = a_notification(reminder, inserted_at=T0)
    newer = a_notification(reminder, inserted_at=T0 + dt.timedelta(seconds=1), read_at=T0 + dt.timedelta(hours=1))
    await add_all(uow_factory, reminder, older, newer)

    assert await read(uow_factory, lambda uow: items(uow.notifications.list(user.id, None, PageRequest()))) == [newer, older]
    assert await read(uow_factory, lambda uow: items(uow.notifications.list(user.id, True, PageRequest()))) == [older]
    assert await read(uow_factory, lambda uow: items(uow.notifications.list(user.id, False, PageRequest()))) == [newer]
    first = await read(uow_factory, lambda uow: uow.notifications.list(user.id, None, PageRequest(limit=1)))
    assert first.items == [newer]
    rest = await read(uow_factory, lambda uow: uow.notifications.list(user.id, None, PageRequest.parse(1, first.next_cursor)))
    assert rest.items == [older] and rest.next_cursor is None


async def test_marking_all_read_touches_only_the_users_unread_ones(uow_factory: Factory) -> None:
    user, other = await a_user_added(uow_factory), await a_user_added(uow_factory)
    mine, theirs = a_reminder(user), a_reminder(other)
    read_before = a_notification(mine, read_at=T0)
    await add_all(uow_factory, mine, theirs, a_notification(mine), a_notification(mine), read_before, a_notification(theirs))
    later = T0 + dt.timedelta(days=1)

    assert await write(uow_factory, lambda uow: uow.notifications.mark_all_read(user.id, later)) == 2
    feed = await read(uow_factory, lambda uow: items(uow.notifications.list(user.id, None, PageRequest())))
    assert sorted(n.read_at for n in feed) == [T0, later, later]
    assert len(await read(uow_factory, lambda uow: items(uow.notifications.list(other.id, True, PageRequest())))) == 1


async def test_a_notification_of_another_users_reminder_is_refused(uow_factory: Factory) -> None:
    user, other = await a_user_added(uow_factory), await a_user_added(uow_factory)
    theirs = a_reminder(other)
    await add_all(uow_factory, theirs)
    stolen = a_notification(theirs)
    stolen.user_id = user.id
    with pytest.raises(NotFoundError) as refused:
        await add_all(uow_factory, stolen)
    assert refused.value.resource == "reminder"


async def test_deleting_a_reminder_keeps_its_notifications_and_drops_its_deliveries(uow_factory: Factory) -> None:
    user = await a_user_added(uow_factory)
    reminder = a_reminder(user)
    entry = a_notification(reminder)
    await add_all(uow_factory, reminder, entry)
    await write(uow_factory, lambda uow: uow.deliveries.claim(a_delivery(reminder), LEASE_START))

    assert await write(uow_factory, lambda uow: uow.reminders.delete(user.id, reminder.id))
    kept = await read(uow_factory, lambda uow: uow.notifications.get(user.id, entry.id))
    assert kept is not None and kept.reminder_id is None and kept.title == entry.title
    settled = await read(uow_factory, lambda uow: uow.deliveries.settled({a_delivery(reminder).key}, LEASE_START))
    assert settled == set()


async def test_a_key_is_claimed_once_until_its_claim_is_stale_and_never_after_delivery(uow_factory: Factory) -> None:
    user = await a_user_added(uow_factory)
    reminder = a_reminder(user)
    await add_all(uow_factory, reminder)
    claim = a_delivery(reminder)

    assert await write(uow_factory, lambda uow: uow.deliveries.claim(claim, LEASE_START)) is True
    assert await write(uow_factory, lambda uow: uow.deliveries.claim(claim, LEASE_START)) is False
    assert await read(uow_factory, lambda uow: uow.deliveries.settled({claim.key}, LEASE_START)) == {claim.key}
    # once the claim is older than the lease, its worker is taken for dead
    stale = T0 + dt.timedelta(seconds=1)
    assert await read(uow_factory, lambda uow: uow.deliveries.settled({claim.key}, stale)) == set()
    assert await write(uow_factory, lambda uow: uow.deliveries.claim(a_delivery(reminder, claimed_at=stale), stale))

    assert await write(uow_factory, lambda uow: uow.deliveries.mark_delivered(claim.key, stale)) is True
    assert await write(uow_factory, lambda uow: uow.deliveries.mark_delivered(claim.key, stale)) is False
    far = T0 + dt.timedelta(days=365)
    assert await read(uow_factory, lambda uow: uow.deliveries.settled({claim.key}, far)) == {claim.key}
    assert await write(uow_factory, lambda uow: uow.deliveries.claim(a_delivery(reminder, claimed_at=far), far)) is False


async def test_settled_keys_are_told_apart_by_occurrence_and_channel(uow_factory: Factory) -> None:
    user = await a_user_added(uow_factory)
    reminder = a_reminder(user)
    await add_all(uow_factory, reminder)
    await write(uow_factory, lambda uow: uow.deliveries.claim(a_delivery(reminder, "email"), LEASE_START))
    other_channel = DeliveryKey(reminder.id, reminder.due_at, "push")
    other_occurrence = DeliveryKey(reminder.id, reminder.due_at + dt.timedelta(days=1), "email")
    keys = {a_delivery(reminder).key, other_channel, other_occurrence}
    assert await read(uow_factory, lambda uow: uow.deliveries.settled(keys, LEASE_START)) == {a_delivery(reminder).key}
    assert await read(uow_factory, lambda uow: uow.deliveries.settled(set(), LEASE_START)) == set()


async def test_of_many_claims_of_one_key_at_once_exactly_one_wins(uow_factory: Factory) -> None:
    user = await a_user_added(uow_factory)
    reminder = a_reminder(user)
    await add_all(uow_factory, reminder)
    won: list[bool] = []

    async def claim() -> None:
        async with uow_factory() as uow:
            got = await uow.deliveries.claim(a_delivery(reminder), LEASE_START)
            await anyio.sleep(0.01)  # the others run meanwhile; on PostgreSQL they wait for this commit
            await uow.commit()
        won.append(got)

    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(claim)
    assert sorted(won) == [False, False, False, True]
