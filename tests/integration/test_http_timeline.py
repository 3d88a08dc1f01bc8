"""The timeline over HTTP: interactions and messages keep last_interaction_at (and relationship health) true,
conversations keep their messages, and every bad input is a clear 4xx that changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from conezia.adapters.http.schemas_timeline import CommunicationOut, CommunicationPage, InteractionOut, InteractionPage
from tests.integration.http_fixtures import API, Api, api, database_rows, decoded, http_database

__all__ = ["api", "http_database"]


def _ago(api: Api, days: float) -> str:
    return (api.clock.now() - dt.timedelta(days=days)).isoformat()


def _friend(api: Api, token: str, name: str = "Grace Hopper", threshold: int = 14) -> str:
    entity = api.create("/entities", token, {"type": "person", "name": name})
    api.create(f"/entities/{entity['id']}/relationship", token, {"type": "friend", "health_threshold_days": threshold})
    return str(entity["id"])


def _attention(api: Api, token: str) -> list[str]:
    return [item["entity"]["name"] for item in api.get(f"{API}/attention", token=token).json()["data"]]


def _last(api: Api, token: str, entity_id: str) -> str | None:
    value: str | None = api.get(f"{API}/entities/{entity_id}", token=token).json()["last_interaction_at"]
    return value


def _instant(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_logging_a_call_takes_the_person_off_the_attention_list_and_deleting_it_puts_them_back(api: Api) -> None:
    token = api.new_user("ada@example.com")
    grace = _friend(api, token)
    api.clock.advance(days=30)
    assert _attention(api, token) == ["Grace Hopper"]

    call = api.create(f"/entities/{grace}/interactions", token, {"type": "call", "content": "Talked about COBOL"})

    assert _attention(api, token) == []
    assert _instant(_last(api, token, grace)) == _instant(call["occurred_at"])
    api.clock.advance(days=15)
    assert _attention(api, token) == ["Grace Hopper"]
    assert api.delete(f"{API}/interactions/{call['id']}", token=token).status_code == 204
    assert _last(api, token, grace) is None


def test_editing_or_deleting_the_latest_interaction_moves_last_interaction_at_back(api: Api) -> None:
    token = api.new_user("ada@example.com")
    grace, alan = _friend(api, token), _friend(api, token, "Alan Turing")
    old = api.create(f"/entities/{grace}/interactions", token,
                     {"type": "meeting", "content": "Conference", "occurred_at": _ago(api, 20)})
    new = api.create(f"/entities/{grace}/interactions", token,
                     {"type": "note", "content": "Email", "occurred_at": _ago(api, 2)})
    assert _instant(_last(api, token, grace)) == _instant(new["occurred_at"])

    moved = api.patch(f"{API}/interactions/{new['id']}", token=token, json={"occurred_at": _ago(api, 30)})
    assert moved.status_code == 200
    assert _instant(_last(api, token, grace)) == _instant(old["occurred_at"])
    assert _attention(api, token) == ["Grace Hopper"]

    to_alan = api.patch(f"{API}/interactions/{old['id']}", token=token, json={"entity_id": alan})
    assert decoded(to_alan, InteractionOut).entity_id == uuid.UUID(alan)
    assert _instant(_last(api, token, grace)) == _instant(moved.json()["occurred_at"])
    assert _instant(_last(api, token, alan)) == _instant(old["occurred_at"])

    assert api.delete(f"{API}/interactions/{new['id']}", token=token).status_code == 204
    assert _last(api, token, grace) is None


def test_interactions_list_newest_first_page_by_page_per_entity_and_for_the_user(api: Api) -> None:
    token = api.new_user("ada@example.com")
    grace, alan = _friend(api, token), _friend(api, token, "Alan Turing")
    made = [
        api.create(f"/entities/{grace if n % 2 else alan}/interactions", token,
                   {"type": "note", "content": f"note {n}", "occurred_at": _ago(api, (n * 7) % 5)})
        for n in range(7)
    ]
    newest_first = sorted(made, key=lambda r: (_instant(r["occurred_at"]), r["id"]), reverse=True)

    seen: list[str] = []
    cursor: str | None = None
    while True:
        query = f"?limit=3&cursor={cursor}" if cursor else "?limit=3"
        page = decoded(api.get(f"{API}/interactions{query}", token=token), InteractionPage)
        seen += [str(row.id) for row in page.data]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [row["id"] for row in newest_first]
    of_grace = decoded(api.get(f"{API}/entities/{grace}/interactions", token=token), InteractionPage).data
    assert [str(row.id) for row in of_grace] == [row["id"] for row in newest_first if row["entity_id"] == grace]


def test_messages_keep_the_conversation_and_the_entity_current_and_survive_the_conversation(api: Api) -> None:
    token = api.new_user("ada@example.com")
    grace = _friend(api, token)
    api.clock.advance(days=30)
    thread = api.create(f"/entities/{grace}/conversations", token, {"channel": "email", "subject": "COBOL"})
    assert thread["last_message_at"] is None and thread["is_archived"] is False

    sent = api.create(f"/conversations/{thread['id']}/communications", token, {
        "direction": "outbound", "content": "Dear Grace", "external_id": "<1@example.com>",
        "attachments": [{"id": str(uuid.uuid4()), "filename": "draft.pdf", "mime_type": "application/pdf"}],
    })
    earlier = api.create(f"/conversations/{thread['id']}/communications", token,
                         {"direction": "inbound", "content": "Hello", "sent_at": _ago(api, 3)})

    assert _attention(api, token) == []
    shown = api.get(f"{API}/conversations/{thread['id']}", token=token).json()
    assert _instant(shown["last_message_at"]) == _instant(sent["sent_at"])
    assert _instant(_last(api, token, grace)) == _instant(sent["sent_at"])
    assert sent["channel"] == "email" and sent["read_at"] is None
    assert sent["attachments"][0]["filename"] == "draft.pdf"
    listed = decoded(api.get(f"{API}/conversations/{thread['id']}/communications?limit=1", token=token),
                     CommunicationPage)
    assert [str(m.id) for m in listed.data] == [earlier["id"]] and listed.next_cursor is not None
    rest = api.get(f"{API}/conversations/{thread['id']}/communications?cursor={listed.next_cursor}", token=token)
    assert [m["id"] for m in rest.json()["data"]] == [sent["id"]]

    read = decoded(api.post(f"{API}/communications/{earlier['id']}/read", token=token), CommunicationOut)
    assert read.read_at is not None
    again = decoded(api.post(f"{API}/communications/{earlier['id']}/read", token=token), CommunicationOut)
    assert again.read_at == read.read_at
    assert api.post(f"{API}/communications/{earlier['id']}/unread", token=token).json()["read_at"] is None

    assert api.post(f"{API}/conversations/{thread['id']}/archive", token=token).json()["is_archived"] is True
    assert api.get(f"{API}/conversations", token=token).json()["data"] == []
    assert [c["id"] for c in api.get(f"{API}/conversations?archived=true", token=token).json()["data"]] == [thread["id"]]

    assert api.delete(f"{API}/communications/{sent['id']}", token=token).status_code == 204
    assert _instant(api.get(f"{API}/conversations/{thread['id']}", token=token).json()["last_message_at"]) == \
        _instant(earlier["sent_at"])
    assert _instant(_last(api, token, grace)) == _instant(earlier["sent_at"])

    assert api.delete(f"{API}/conversations/{thread['id']}", token=token).status_code == 204
    kept = decoded(api.get(f"{API}/communications/{earlier['id']}", token=token), CommunicationOut)
    assert kept.conversation_id is None and kept.content == "Hello"
    assert api.get(f"{API}/conversations/{thread['id']}", token=token).status_code == 404


def test_the_entity_is_recorded_as_updated_only_when_its_last_interaction_moves(api: Api) -> None:
    token = api.new_user("ada@example.com")
    grace = _friend(api, token)
    api.create(f"/entities/{grace}/interactions", token, {"type": "call", "content": "now"})
    api.create(f"/entities/{grace}/interactions", token,
               {"type": "note", "content": "older", "occurred_at": _ago(api, 5)})

    rows = api.get(f"{API}/activity?resource_id={grace}&action=update", token=token).json()["data"]
    touched = [row for row in rows if row["metadata"].get("fields") == ["last_interaction_at"]]
    assert len(touched) == 1
    created = api.get(f"{API}/activity?resource_type=interaction&action=create", token=token).json()["data"]
    assert len(created) == 2


BAD: list[tuple[str, str, str, dict[str, Any], set[str]]] = [
    ("unknown type and empty content", "POST", "/entities/{entity}/interactions",
     {"type": "telepathy", "content": ""}, {"type", "content"}),
    ("content too long", "POST", "/entities/{entity}/interactions",
     {"type": "note", "content": "x" * 50_001}, {"content"}),
    ("naive occurred_at", "PATCH", "/interactions/{interaction}", {"occurred_at": "2024-01-01T10:00:00"},
     {"occurred_at"}),
    ("entity that is not an id", "PATCH", "/interactions/{interaction}", {"entity_id": "grace"}, {"entity_id"}),
    ("unknown channel", "POST", "/entities/{entity}/conversations", {"channel": "pigeon"}, {"channel"}),
    ("conversation keeps its channel", "PATCH", "/conversations/{conversation}", {"channel": "sms"}, {"channel"}),
    ("message direction and content", "POST", "/conversations/{conversation}/communications",
     {"direction": "sideways", "content": ""}, {"direction", "content"}),
    ("message on another channel", "POST", "/conversations/{conversation}/communications",
     {"direction": "inbound", "content": "hi", "channel": "sms"}, {"channel"}),
    ("attachment with an extra field", "POST", "/conversations/{conversation}/communications",
     {"direction": "inbound", "content": "hi",
      "attachments": [{"id": str(uuid.uuid4()), "filename": "a.pdf", "mime_type": "application/pdf", "url": "x"}]},
     {"attachments"}),
    ("attachment without a mime type", "POST", "/conversations/{conversation}/communications",
     {"direction": "inbound", "content": "hi", "attachments": [{"id": "1", "filename": "a.pdf", "mime_type": "pdf"}]},
     {"attachments"}),
    ("attachments that are not a list", "POST", "/conversations/{conversation}/communications",
     {"direction": "inbound", "content": "hi", "attachments": {"id": "1"}}, {"attachments"}),
]


@pytest.mark.parametrize(("case", "method", "path", "body", "fields"), BAD, ids=[b[0] for b in BAD])
def test_every_bad_input_gets_a_422_naming_its_fields_and_changes_nothing(
    api: Api, case: str, method: str, path: str, body: dict[str, Any], fields: set[str]
) -> None:
    token = api.new_user("ada@example.com")
    entity = _friend(api, token)
    interaction = api.create(f"/entities/{entity}/interactions", token, {"type": "note", "content": "hi"})
    conversation = api.create(f"/entities/{entity}/conversations", token, {"channel": "email"})
    before = database_rows(api)

    url = API + path.format(entity=entity, interaction=interaction["id"], conversation=conversation["id"])
    response = api.request(method, url, token=token, json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()["errors"]) == fields
    assert database_rows(api) == before
