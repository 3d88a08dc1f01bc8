"""Reminders through the real HTTP stack: the journey of a monthly reminder in Paris, and every bad input a 4xx."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from conezia.adapters.http.schemas import ReminderOut, ReminderPage
from conezia.core import services
from tests.integration.http_fixtures import API, Api, api, database_rows, decoded, http_database

__all__ = ["api", "http_database"]

pytestmark = pytest.mark.integration

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(api: Api, **delta: float) -> str:
    return (api.clock.now() + dt.timedelta(**delta)).isoformat()


def travel(api: Api, when: dt.datetime) -> None:
    """Set the app's clock to about ``when`` (it keeps running from there)."""
    api.clock.offset = when - dt.datetime.now(dt.UTC)


def paris_user(api: Api, email: str = "ada@example.com") -> str:
    api.register(email, timezone="Europe/Paris")
    return api.log_in(email)


def test_a_monthly_reminder_at_nine_in_paris_rolls_forward_at_nine_local_time_across_dst(api: Api) -> None:
    token = paris_user(api)
    travel(api, dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    first = dt.datetime(2026, 3, 10, 9, tzinfo=PARIS)  # winter time; the clocks go forward on 29 March
    created = decoded(api.post(f"{API}/reminders", token=token, json={
        "type": "custom", "title": "Pay the rent", "due_at": first.isoformat(),
        "recurrence_rule": {"freq": "monthly"}, "notification_channels": ["in_app", "email"],
    }), ReminderOut)
    assert created.due_at == first and created.notification_channels == ["in_app", "email"]

    rolled = decoded(api.post(f"{API}/reminders/{created.id}/complete", token=token), ReminderOut)
    assert rolled.completed_at is None
    assert rolled.due_at.astimezone(PARIS).replace(tzinfo=None) == dt.datetime(2026, 4, 10, 9)
    assert rolled.due_at.astimezone(dt.UTC).hour == 7  # summer time
    shown = decoded(api.get(f"{API}/reminders/{created.id}", token=token), ReminderOut)
    assert shown == rolled
    operations = [e["metadata"].get("operation") for e in api.get(f"{API}/activity", token=token,
                                                               params={"resource_type": "reminder"}).json()["data"]]
    assert operations == ["complete", None]


def test_snooze_unsnooze_reschedule_and_delete_answer_as_documented(api: Api) -> None:
    token = api.new_user()
    reminder = api.create("/reminders", token, {"type": "follow_up", "title": "Call", "due_at": at(api, hours=1)})
    url = f"{API}/reminders/{reminder['id']}"

    snoozed = decoded(api.post(f"{url}/snooze", token=token, json={"snoozed_until": at(api, days=1)}), ReminderOut)
    assert snoozed.snoozed_until is not None
    assert decoded(api.post(f"{url}/unsnooze", token=token), ReminderOut).snoozed_until is None
    new_due = at(api, days=3)
    moved = decoded(api.post(f"{url}/reschedule", token=token, json={"due_at": new_due}), ReminderOut)
    assert moved.due_at == dt.datetime.fromisoformat(new_due)
    assert api.post(f"{url}/complete", token=token).status_code == 200
    assert api.post(f"{url}/complete", token=token).status_code == 409
    page = decoded(api.get(f"{API}/reminders", token=token, params={"status": "completed"}), ReminderPage)
    assert [str(r.id) for r in page.data] == [reminder["id"]]
    assert decoded(api.get(f"{API}/reminders", token=token), ReminderPage).data == []
    assert api.delete(url, token=token).status_code == 204
    assert api.get(url, token=token).status_code == 404


def test_reminders_are_listed_by_due_date_page_by_page(api: Api) -> None:
    token = api.new_user()
    for n in range(5):
        api.create("/reminders", token, {"type": "custom", "title": f"r{n}", "due_at": at(api, days=5 - n)})
    titles, cursor = [], None
    while True:
        page = decoded(api.get(f"{API}/reminders", token=token, params={"limit": 2, **({"cursor": cursor} if cursor else {})}), ReminderPage)
        titles += [r.title for r in page.data]
        if (cursor := page.next_cursor) is None:
            break
    assert titles == ["r4", "r3", "r2", "r1", "r0"]


def _refused(api: Api, method: str, path: str, token: str, body: Any, status: int = 422) -> dict[str, Any]:
    before = database_rows(api)
    response = api.request(method, f"{API}{path}", token=token, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert database_rows(api) == before, "a refused request changed the database"
    return response.json()


def test_every_bad_input_gets_a_clear_4xx_and_changes_nothing(api: Api) -> None:
    token = api.new_user()
    stranger = api.new_user()
    theirs = api.create("/entities", stranger, {"type": "person", "name": "Not yours"})
    reminder = api.create("/reminders", token, {"type": "custom", "title": "T", "due_at": at(api, hours=1)})
    url = f"/reminders/{reminder['id']}"
    good = {"type": "custom", "title": "T", "due_at": at(api, days=1)}

    cases: list[tuple[str, str, Any, str, int]] = [
        ("POST", "/reminders", {**good, "due_at": at(api, days=-1)}, "due_at", 422),
        ("POST", "/reminders", {**good, "due_at": "2030-01-01T09:00:00"}, "due_at", 422),
        ("POST", "/reminders", {**good, "notification_channels": ["in_app", "carrier_pigeon"]}, "notification_channels", 422),
        ("POST", "/reminders", {**good, "notification_channels": []}, "notification_channels", 422),
        ("POST", "/reminders", {**good, "recurrence_rule": {"freq": "fortnightly"}}, "recurrence_rule.freq", 422),
        ("POST", "/reminders", {**good, "recurrence_rule": {"freq": "monthly", "bymonthday": [0]}}, "recurrence_rule.bymonthday", 422),
        ("POST", "/reminders", {**good, "recurrence_rule": {"freq": "daily", "cron": "* * *"}}, "recurrence_rule.cron", 422),
        ("POST", "/reminders", {**good, "recurrence_rule": "FREQ=DAILY"}, "recurrence_rule", 422),
        ("POST", "/reminders", {**good, "type": "nag"}, "type", 422),
        ("POST", "/reminders", {**good, "title": "x" * 256}, "title", 422),
        ("POST", "/reminders", {**good, "description": "x" * 2001}, "description", 422),
        ("POST", "/reminders", {**good, "entity_id": "nope"}, "entity_id", 422),
        ("POST", f"{url}/snooze", {"snoozed_until": at(api)}, "snoozed_until", 422),
        ("POST", f"{url}/snooze", {"snoozed_until": at(api, hours=-2)}, "snoozed_until", 422),
        ("POST", f"{url}/snooze", {}, "snoozed_until", 422),
        ("POST", f"{url}/snooze", {"until": at(api, hours=2)}, "until", 422),
        ("POST", f"{url}/reschedule", {"due_at": at(api, minutes=-1)}, "due_at", 422),
        ("PATCH", url, {"due_at": at(api, days=2)}, "due_at", 422),
        ("PATCH", url, {"recurrence_rule": {"freq": "weekly", "count": 0}}, "recurrence_rule.count", 422),
    ]
    for method, path, body, field, status in cases:
        problem = _refused(api, method, path, token, body, status)
        assert field in problem["errors"], (body, problem)

    # another user's entity: 404, and no reminder is written
    problem = _refused(api, "POST", "/reminders", token, {**good, "entity_id": theirs["id"]}, 404)
    assert problem["detail"] == "Entity not found."


def test_due_reminders_wait_out_quiet_hours_for_email_and_go_in_app_at_once(api: Api) -> None:
    travel(api, dt.datetime(2026, 1, 10, 20, 0, tzinfo=dt.UTC))
    token = paris_user(api)
    assert api.patch(f"{API}/me/preferences", token=token, json={
        "notification_preferences": {"quiet_hours_start": "22:00", "quiet_hours_end": "07:00"},
    }).status_code == 200
    api.create("/reminders", token, {
        "type": "custom", "title": "Late", "due_at": at(api, hours=2), "notification_channels": ["in_app", "email"],
    })
    night = dt.datetime(2026, 1, 10, 23, 0, tzinfo=dt.UTC)  # midnight in Paris
    batch = api.call(services.due_notifications, api.deps, night)
    assert [n.channel for n in batch.send] == ["in_app"]
    assert [(h.notification.channel, h.release_at) for h in batch.held] == [
        ("email", dt.datetime(2026, 1, 11, 6, 0, tzinfo=dt.UTC)),
    ]
