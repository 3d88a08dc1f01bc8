"""The reminder repository's own rules, on both backends (the shared ones are in test_owned_resources.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from conezia.core.errors import NotFoundError
from conezia.core.notifications import Recipient
from conezia.core.pagination import PageRequest
from tests.contract.builders import written

from .builders import Factory, a_reminder, a_user, a_user_added, add_all, an_entity, at, read, walk, write

pytestmark = pytest.mark.anyio


async def test_a_reminder_about_another_users_entity_is_refused_and_nothing_is_written(uow_factory: Factory) -> None:
    owner, stranger = await a_user_added(uow_factory), await a_user_added(uow_factory)
    theirs = an_entity(stranger, "Not yours")
    await add_all(uow_factory, theirs)
    reminder = a_reminder(owner, entity_id=theirs.id)

    async with uow_factory() as uow:
        with pytest.raises(NotFoundError) as raised:
            await written(uow, uow.reminders.add(reminder))

    assert raised.value.resource == "entity"
    assert await read(uow_factory, lambda uow: uow.reminders.get(owner.id, reminder.id)) is None


async def test_deleting_the_entity_keeps_its_reminders_without_it(uow_factory: Factory) -> None:
    owner = await a_user_added(uow_factory)
    entity = an_entity(owner)
    reminder = a_reminder(owner, entity_id=entity.id)
    await add_all(uow_factory, entity, reminder)

    await write(uow_factory, lambda uow: uow.entities.delete(owner.id, entity.id))

    kept = await read(uow_factory, lambda uow: uow.reminders.get(owner.id, reminder.id))
    assert kept is not None and kept.entity_id is None and kept.user_id == owner.id
    assert kept.title == reminder.title


async def test_deleting_the_user_deletes_their_reminders(uow_factory: Factory) -> None:
    owner = await a_user_added(uow_factory)
    reminder = a_reminder(owner)
    await add_all(uow_factory, reminder)

    await write(uow_factory, lambda uow: uow.users.delete(owner.id))

    assert await read(uow_factory, lambda uow: uow.reminders.get(owner.id, reminder.id)) is None


async def test_reminders_are_listed_by_due_date_page_by_page_pending_or_completed(uow_factory: Factory) -> None:
    owner, other = await a_user_added(uow_factory), await a_user_added(uow_factory)
    # inserted in the opposite order of their due dates, two sharing one due date
    rows = [
        a_reminder(owner, f"r{n}", due_at=at(days=10 - n // 2), inserted_at=at(seconds=n),
                   completed_at=at(days=1) if n % 3 == 0 else None)
        for n in range(9)
    ]
    await add_all(uow_factory, *rows, a_reminder(other, "someone else's"))
    by_due = sorted(rows, key=lambda r: (r.due_at, r.id))

    async def titles(completed: bool | None) -> list[str]:
        pages = await walk(lambda page: read(uow_factory, lambda uow: uow.reminders.list(owner.id, page, completed)), 2)
        return [r.title for page in pages for r in page.items]

    assert await titles(None) == [r.title for r in by_due]
    assert await titles(False) == [r.title for r in by_due if r.completed_at is None]
    assert await titles(True) == [r.title for r in by_due if r.completed_at is not None]


async def test_due_reminders_are_the_open_ones_due_by_now_and_not_snoozed_past_it(uow_factory: Factory) -> None:
    paris = a_user(timezone="Europe/Paris", notification_preferences={"email": False, "quiet_hours_start": "22:00"})
    other = a_user()
    now = at(days=5)
    due = [
        a_reminder(paris, "due earlier", due_at=now - dt.timedelta(days=1)),
        a_reminder(paris, "due right now", due_at=now),
        a_reminder(other, "snooze over", due_at=now - dt.timedelta(days=2), snoozed_until=now),
        a_reminder(other, "snooze over earlier", due_at=now - dt.timedelta(days=3), snoozed_until=now - dt.timedelta(hours=1)),
    ]
    not_due = [
        a_reminder(paris, "later", due_at=now + dt.timedelta(microseconds=1)),
        a_reminder(paris, "completed", due_at=now - dt.timedelta(days=1), completed_at=now - dt.timedelta(hours=2)),
        a_reminder(other, "snoozed", due_at=now - dt.timedelta(days=1), snoozed_until=now + dt.timedelta(minutes=1)),
    ]
    await add_all(uow_factory, paris, other, *due, *not_due)

    pages = await walk(lambda page: read(uow_factory, lambda uow: uow.reminders.due(now, page)), 3)
    found = [pair for page in pages for pair in page.items]

    assert [r.title for r, _ in found] == [r.title for r in sorted(due, key=lambda r: (r.due_at, r.id))]
    recipients = {r.title: recipient for r, recipient in found}
    assert recipients["due earlier"] == Recipient(paris.id, "Europe/Paris", paris.notification_preferences, paris.email)
    assert recipients["snooze over"].user_id == other.id and recipients["snooze over"].timezone == "UTC"
    assert (await read(uow_factory, lambda uow: uow.reminders.due(now, PageRequest(limit=1)))).next_cursor is not None
