"""Issue 8's "done means", as one person's story through the real HTTP stack on PostgreSQL.

A new user logs calls and messages with a person and sees them leave the "needs
attention" list; sets a monthly reminder at 09:00 in Europe/Paris and watches it roll
forward at 09:00 local time when completed, across a DST change; snoozes one and gets it
back when the snooze ends, notified once, outside quiet hours; attaches a PDF to a meeting
note and downloads it again; and every bad input gets a clear 4xx and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from conezia.core import services
from tests.integration.http_fixtures import API, Api, api, database_rows, http_database

__all__ = ["api", "http_database"]

pytestmark = pytest.mark.integration

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _travel(api: Api, when: dt.datetime) -> None:
    api.clock.offset = when - dt.datetime.now(dt.UTC)


def _attention(api: Api, token: str) -> list[str]:
    return [item["entity"]["name"] for item in api.get(f"{API}/attention", token=token).json()["data"]]


def _deliver(api: Api, when: dt.datetime) -> None:
    """One tick of the worker at ``when``."""
    api.call(services.deliver_notifications, api.deps, when)


def _feed(api: Api, token: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = api.get(f"{API}/notifications", token=token).json()["data"]
    return data


def _mails(api: Api, reminder_id: str) -> int:
    return sum(1 for m in api.outbox.messages if m.kind == "reminder" and str(m.reminder_id) == reminder_id)


def test_a_person_keeps_in_touch_is_reminded_once_outside_quiet_hours_and_keeps_a_file(api: Api) -> None:
    _travel(api, dt.datetime(2026, 1, 20, 8, 0, tzinfo=dt.UTC))  # winter time in Paris
    api.register("ada@example.com", timezone="Europe/Paris")
    token = api.log_in("ada@example.com")
    assert api.patch(f"{API}/me/preferences", token=token, json={
        "notification_preferences": {"quiet_hours_start": "22:00", "quiet_hours_end": "07:00"},
    }).status_code == 200

    # calls and messages take Grace off the attention list
    grace = api.create("/entities", token, {"type": "person", "name": "Grace Hopper"})["id"]
    api.create(f"/entities/{grace}/relationship", token, {"type": "friend", "health_threshold_days": 14})
    api.clock.advance(days=20)
    assert _attention(api, token) == ["Grace Hopper"]
    api.create(f"/entities/{grace}/interactions", token, {"type": "call", "content": "Talked about COBOL"})
    assert _attention(api, token) == []
    api.clock.advance(days=20)
    assert _attention(api, token) == ["Grace Hopper"]
    chat = api.create(f"/entities/{grace}/conversations", token, {"channel": "sms", "subject": "Dinner"})
    api.create(f"/conversations/{chat['id']}/communications", token, {"direction": "outbound", "content": "Dinner Friday?"})
    assert _attention(api, token) == []

    # a monthly reminder at 09:00 Paris stays at 09:00 local across the change to summer time
    first = dt.datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    monthly = api.create("/reminders", token, {
        "type": "follow_up", "title": "Call Grace", "entity_id": grace, "due_at": first.isoformat(),
        "recurrence_rule": {"freq": "monthly"},
    })
    completed = api.post(f"{API}/reminders/{monthly['id']}/complete", token=token).json()
    due = dt.datetime.fromisoformat(completed["due_at"].replace("Z", "+00:00"))
    assert due.astimezone(PARIS).replace(tzinfo=None) == dt.datetime(2026, 4, 10, 9, 0)
    assert due.utcoffset() == dt.timedelta(0) and due.hour == 7  # 07:00 UTC in summer, 08:00 in winter

    # snoozed into the night: back when the snooze ends, in the app at once, by mail after quiet hours, once
    soon = api.clock.now() + dt.timedelta(hours=1)
    nudge = api.create("/reminders", token, {
        "type": "custom", "title": "Send Grace the photos", "due_at": soon.isoformat(),
        "notification_channels": ["in_app", "email"],
    })
    night = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)  # 23:30 in Paris (UTC+1)
    assert api.post(f"{API}/reminders/{nudge['id']}/snooze", token=token, json={
        "snoozed_until": (night - dt.timedelta(minutes=10)).isoformat(),
    }).status_code == 200
    _deliver(api, soon + dt.timedelta(minutes=5))
    assert [n["reminder_id"] for n in _feed(api, token)] == []  # snoozed: nothing yet
    _deliver(api, night)
    assert [n["reminder_id"] for n in _feed(api, token)] == [nudge["id"]]
    assert _mails(api, nudge["id"]) == 0  # 23:30 in Paris: the mail waits
    _deliver(api, dt.datetime(2026, 3, 2, 5, 59, tzinfo=dt.UTC))  # 06:59 in Paris: still quiet
    assert _mails(api, nudge["id"]) == 0
    _deliver(api, dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))  # 07:00 in Paris
    _deliver(api, dt.datetime(2026, 3, 2, 6, 1, tzinfo=dt.UTC))  # a second tick, or a second worker
    assert [n["reminder_id"] for n in _feed(api, token)] == [nudge["id"]]
    assert _mails(api, nudge["id"]) == 1

    # a PDF on a meeting note, downloaded again byte for byte
    meeting = api.create(f"/entities/{grace}/interactions", token, {"type": "meeting", "content": "Planning"})
    uploaded = api.post(
        f"{API}/attachments", token=token, params={"filename": "minutes.pdf", "interaction_id": meeting["id"]},
        content=PDF, headers={"Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 201, uploaded.text
    download = api.get(f"{API}/attachments/{uploaded.json()['id']}/content", token=token)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment")


def test_every_bad_input_of_the_story_gets_a_clear_4xx_and_changes_nothing(api: Api) -> None:
    token = api.new_user("ada@example.com")
    theirs = api.create("/entities", api.new_user("eve@example.com"), {"type": "person", "name": "Eve"})["id"]
    grace = api.create("/entities", token, {"type": "person", "name": "Grace Hopper"})["id"]
    meeting = api.create(f"/entities/{grace}/interactions", token, {"type": "meeting", "content": "Planning"})
    before = database_rows(api)
    past = (api.clock.now() - dt.timedelta(days=1)).isoformat()
    future = (api.clock.now() + dt.timedelta(days=1)).isoformat()
    reminder = {"type": "custom", "title": "x", "due_at": future}

    cases: list[tuple[str, Any, int, str]] = [
        ("a past due date", api.post(f"{API}/reminders", token=token, json={**reminder, "due_at": past}), 422, "due_at"),
        ("an unknown channel", api.post(f"{API}/reminders", token=token, json={
            **reminder, "notification_channels": ["pigeon"]}), 422, "notification_channels"),
        ("a malformed RRULE", api.post(f"{API}/reminders", token=token, json={
            **reminder, "recurrence_rule": {"freq": "hourly"}}), 422, "recurrence_rule.freq"),
        ("another user's entity", api.post(f"{API}/reminders", token=token, json={
            **reminder, "entity_id": theirs}), 404, ""),
        ("an interaction on another user's entity", api.post(
            f"{API}/entities/{theirs}/interactions", token=token, json={"type": "call", "content": "x"}), 404, ""),
        ("an .exe renamed .pdf", api.post(
            f"{API}/attachments", token=token, params={"filename": "cv.pdf", "interaction_id": meeting["id"]},
            content=b"MZ\x90\x00\x03" + b"\x00" * 200, headers={"Content-Type": "application/pdf"}), 422, "mime_type"),
        ("a 60 MB file", api.post(
            f"{API}/attachments", token=token, params={"filename": "big.pdf", "interaction_id": meeting["id"]},
            content=b"%PDF-" + b"\x00" * (60 * 1024 * 1024), headers={"Content-Type": "application/pdf"}), 413, ""),
    ]
    for what, response, status, field in cases:
        assert response.status_code == status, (what, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), what
        if field:
            assert field in response.json()["errors"], (what, response.json())
    assert database_rows(api) == before
