"""The embedding API's in-app feed: a due reminder delivered once, read, unread, another user's ids refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

import conezia
from conezia.core.errors import NotFoundError
from conezia.settings import Settings

PASSWORD = "Analytical-Engine-1"


@pytest.fixture
def crm() -> Iterator[conezia.Conezia]:
    with conezia.open("memory", settings=Settings(password_profile="test")) as store:
        yield store


def _user(crm: conezia.Conezia, email: str) -> conezia.UserScope:
    crm.register(email=email, password=PASSWORD)
    return crm.authenticate(crm.log_in(email, PASSWORD).token)


def test_a_due_reminder_reaches_the_feed_once_and_is_read_through_the_sync_api(crm: conezia.Conezia) -> None:
    me, eve = _user(crm, "ada@example.com"), _user(crm, "eve@example.com")
    due = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    reminder = me.create_reminder(type="custom", title="Call Grace", due_at=due, notification_channels=["in_app", "email"])

    report = crm.deliver_notifications(now=due + dt.timedelta(minutes=1))
    assert report.delivered == {"in_app": 1, "email": 1}
    assert crm.deliver_notifications(now=due + dt.timedelta(minutes=2)).total == 0

    [entry] = me.notifications().items
    assert (entry.reminder_id, entry.title, entry.read_at) == (reminder.id, "Call Grace", None)
    assert me.mark_notification_read(entry.id).read_at is not None
    assert me.notifications(unread=True).items == []
    assert me.mark_notification_unread(entry.id).read_at is None
    assert me.mark_all_notifications_read() == 1
    assert me.notification(entry.id).read_at is not None
    with pytest.raises(NotFoundError):
        eve.notification(entry.id)
    with pytest.raises(NotFoundError):
        eve.mark_notification_read(entry.id)
    assert eve.notifications().items == []
