"""The in-app feed through the real HTTP stack: what the worker notified, newest first, read and unread."""

from __future__ import annotations

import datetime as dt

import pytest

from conezia.adapters.http.schemas_inbox import NotificationOut, NotificationPage
from conezia.core import services
from tests.integration.http_fixtures import API, Api, api, decoded, http_database

__all__ = ["api", "http_database"]

pytestmark = pytest.mark.integration


def deliver(api: Api, **later: float) -> None:
    """What the worker does on its next tick, ``later`` from now on the app's clock."""
    api.call(services.deliver_notifications, api.deps, api.clock.now() + dt.timedelta(**later))


def test_a_due_reminder_appears_once_in_the_feed_and_is_marked_read_and_unread(api: Api) -> None:
    token = api.new_user("ada@example.com")
    due = api.clock.now() + dt.timedelta(hours=1)
    reminder = api.create("/reminders", token, {
        "type": "custom", "title": "Call Grace", "due_at": due.isoformat(), "notification_channels": ["in_app", "email"],
    })
    assert decoded(api.get(f"{API}/notifications", token=token), NotificationPage).data == []
    deliver(api, hours=2)
    deliver(api, hours=3)  # a later tick, or a second worker: nothing twice

    page = decoded(api.get(f"{API}/notifications", token=token), NotificationPage)
    [entry] = page.data
    assert (str(entry.reminder_id), entry.title, entry.due_at, entry.read_at) == (reminder["id"], "Call Grace", due, None)
    assert page.next_cursor is None
    [mail] = [m for m in api.outbox.messages if m.kind == "reminder"]
    assert mail.to == "ada@example.com" and str(mail.reminder_id) == reminder["id"]

    read = decoded(api.post(f"{API}/notifications/{entry.id}/read", token=token), NotificationOut)
    assert read.read_at is not None
    again = decoded(api.post(f"{API}/notifications/{entry.id}/read", token=token), NotificationOut)
    assert again.read_at == read.read_at  # the first reading is kept
    assert decoded(api.get(f"{API}/notifications", token=token, params={"unread": "true"}), NotificationPage).data == []
    assert len(decoded(api.get(f"{API}/notifications", token=token, params={"unread": "false"}), NotificationPage).data) == 1
    unread = decoded(api.post(f"{API}/notifications/{entry.id}/unread", token=token), NotificationOut)
    assert unread.read_at is None
    assert decoded(api.get(f"{API}/notifications/{entry.id}", token=token), NotificationOut) == unread

    activity = api.get(f"{API}/activity", token=token, params={"resource_id": reminder["id"]}).json()["data"]
    assert [row["metadata"].get("operation") for row in activity][:2] == ["unread", "read"]
    assert "Call Grace" not in str(activity)


def test_the_feed_pages_newest_first_and_read_all_marks_only_the_callers(api: Api) -> None:
    token, other = api.new_user(), api.new_user()
    for n in range(3):
        api.create("/reminders", token, {
            "type": "custom", "title": f"r{n}", "due_at": (api.clock.now() + dt.timedelta(minutes=1 + n)).isoformat(),
        })
        deliver(api, minutes=1 + n)
        api.clock.advance(seconds=1)  # each is notified a moment after the one before
    api.create("/reminders", other, {"type": "custom", "title": "theirs", "due_at": (api.clock.now() + dt.timedelta(minutes=1)).isoformat()})
    deliver(api, minutes=10)

    first = decoded(api.get(f"{API}/notifications", token=token, params={"limit": 2}), NotificationPage)
    rest = decoded(api.get(f"{API}/notifications", token=token, params={"limit": 2, "cursor": first.next_cursor}), NotificationPage)
    assert [n.title for n in [*first.data, *rest.data]] == ["r2", "r1", "r0"] and rest.next_cursor is None

    done = api.post(f"{API}/notifications/read-all", token=token)
    assert done.status_code == 200 and done.json() == {"marked_read": 3}
    assert api.post(f"{API}/notifications/read-all", token=token).json() == {"marked_read": 0}
    assert len(api.get(f"{API}/notifications", token=other, params={"unread": "true"}).json()["data"]) == 1


def test_bad_filters_are_422_and_unknown_ids_404(api: Api) -> None:
    token = api.new_user()
    bad = api.get(f"{API}/notifications", token=token, params={"unread": "maybe"})
    assert bad.status_code == 422 and "unread" in bad.json()["errors"]
    assert api.get(f"{API}/notifications", token=token, params={"cursor": "nope"}).status_code == 422
    missing = "00000000-0000-0000-0000-000000000000"
    for method, path in (("GET", ""), ("POST", "/read"), ("POST", "/unread")):
        response = api.request(method, f"{API}/notifications/{missing}{path}", token=token)
        assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert api.get(f"{API}/notifications").status_code == 401
