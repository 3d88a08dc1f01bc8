"""Tenant isolation: nobody reaches another user's data through any route.

The routes are read from the application's route table, so a new route that takes
an id is tested the moment it exists (and fails here until it has test data).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from typing import Any

import attrs

from conezia.core import services
from tests.integration.http_fixtures import API, Api, api, database_rows, http_database

__all__ = ["api", "http_database"]

SSN = "078-05-1120"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

# A valid body for every route that takes one and an id: the 404 must come from
# ownership, never from validation.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/entities/{entity_id:uuid}"): {"name": "Mallory was here"},
    ("POST", "/entities/{entity_id:uuid}/interactions"): {"type": "note", "content": "Mallory was here"},
    ("PATCH", "/interactions/{interaction_id:uuid}"): {"content": "Mallory was here"},
    ("POST", "/entities/{entity_id:uuid}/conversations"): {"channel": "sms"},
    ("PATCH", "/conversations/{conversation_id:uuid}"): {"subject": "Mallory was here"},
    ("POST", "/conversations/{conversation_id:uuid}/communications"): {"direction": "inbound", "content": "hi"},
    ("POST", "/entities/{entity_id:uuid}/relationship"): {"type": "friend"},
    ("POST", "/entities/{entity_id:uuid}/identifiers"): {"type": "phone", "value": "+12025550000"},
    ("PATCH", "/identifiers/{identifier_id:uuid}"): {"label": "Mallory was here"},
    ("PATCH", "/relationships/{relationship_id:uuid}"): {"notes": "Mallory was here"},
    ("PATCH", "/tags/{tag_id:uuid}"): {"name": "mallory"},
    ("PATCH", "/groups/{group_id:uuid}"): {"name": "Mallory's"},
    ("PATCH", "/reminders/{reminder_id:uuid}"): {"title": "Mallory was here"},
    ("POST", "/reminders/{reminder_id:uuid}/snooze"): {"snoozed_until": "2999-01-01T00:00:00Z"},
    ("POST", "/reminders/{reminder_id:uuid}/reschedule"): {"due_at": "2999-01-01T00:00:00Z"},
}


@attrs.frozen
class Account:
    token: str
    ids: dict[str, str]


def _populate(api: Api, email: str, name: str) -> Account:
    token = api.new_user(email)
    entity = api.create("/entities", token, {"type": "person", "name": name})
    phone = api.create(f"/entities/{entity['id']}/identifiers", token, {"type": "phone", "value": "+12025551234"})
    api.create(f"/entities/{entity['id']}/identifiers", token, {"type": "ssn", "value": SSN})
    relationship = api.create(
        f"/entities/{entity['id']}/relationship", token,
        {"type": "friend", "health_threshold_days": 1, "started_at": "2020-01-01"},
    )
    interaction = api.create(
        f"/entities/{entity['id']}/interactions", token,
        {"type": "call", "content": f"A call with {name}", "occurred_at": "2020-01-01T00:00:00Z"},
    )
    conversation = api.create(f"/entities/{entity['id']}/conversations", token, {"channel": "email", "subject": name})
    message = api.create(
        f"/conversations/{conversation['id']}/communications", token,
        {"direction": "outbound", "content": f"Dear {name}", "sent_at": "2020-01-01T00:00:00Z"},
    )
    tag = api.create("/tags", token, {"name": "friends"})
    assert api.put(f"{API}/entities/{entity['id']}/tags/{tag['id']}", token=token).status_code == 204
    group = api.create("/groups", token, {"name": "Club"})
    assert api.put(f"{API}/groups/{group['id']}/members/{entity['id']}", token=token).status_code == 204
    api.create("/groups", token, {"name": "Friends", "is_smart": True, "rules": {"tags": ["friends"]}})
    provider = api.create(
        "/me/auth-providers", token,
        {"provider": "google", "provider_uid": f"uid-{email}", "provider_token": f"token-of-{email}"},
    )
    reminder = api.create(
        "/reminders", token,
        {"type": "birthday", "title": f"{name}'s birthday", "due_at": "2998-01-01T09:00:00Z", "entity_id": entity["id"]},
    )
    # the worker's in-app notification of that birthday, as it delivers it when the day comes
    api.call(services.deliver_notifications, api.deps, dt.datetime(2998, 1, 1, 9, 30, tzinfo=dt.UTC))
    [notification] = api.get(f"{API}/notifications", token=token).json()["data"]
    attachment = api.post(
        f"{API}/attachments", token=token, content=PDF,
        params={"filename": f"{name}.pdf", "interaction_id": interaction["id"], "entity_id": entity["id"]},
        headers={"Content-Type": "application/pdf"},
    )
    assert attachment.status_code == 201, attachment.text
    return Account(
        token=token,
        ids={
            "entity_id": entity["id"], "identifier_id": phone["id"], "relationship_id": relationship["id"],
            "tag_id": tag["id"], "group_id": group["id"], "provider_id": provider["id"],
            "interaction_id": interaction["id"], "conversation_id": conversation["id"],
            "communication_id": message["id"], "reminder_id": reminder["id"],
            "notification_id": notification["id"],
            "attachment_id": attachment.json()["id"],
        },
    )


def _id_routes(api: Api) -> Iterator[tuple[str, str]]:
    """(method, path template) of every API route whose path holds an id."""
    for route in api.client.app.routes:
        if not route.path.startswith(API) or "{" not in route.path:
            continue
        for method in sorted(route.methods):  # type: ignore[attr-defined]
            if method not in ("OPTIONS", "HEAD"):
                yield method, route.path


def _takes_body(api: Api, method: str, path: str) -> bool:
    route = next(r for r in api.client.app.routes if r.path == path)
    handler = route.route_handler_map[method][0]  # type: ignore[attr-defined]
    return "data" in handler.parsed_fn_signature.parameters


def _everything_visible_to(api: Api, account: Account) -> dict[str, Any]:
    """All an account sees through the API (including archived entities and reveals)."""
    token = account.token
    ids = account.ids

    def read(path: str) -> Any:
        response = api.get(f"{API}{path}", token=token)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    entity = ids["entity_id"]
    return {
        "me": read("/me"),
        "entities": read("/entities?archived=all"),
        "entity": read(f"/entities/{entity}"),
        "identifiers": read(f"/entities/{entity}/identifiers"),
        "revealed": [
            api.post(f"{API}/identifiers/{i['id']}/reveal", token=token).json()
            for i in read(f"/entities/{entity}/identifiers")["data"]
        ],
        "relationship": read(f"/entities/{entity}/relationship"),
        "relationships": read("/relationships"),
        "attention": read("/attention"),
        "tags": read("/tags"),
        "entity_tags": read(f"/entities/{entity}/tags"),
        "groups": read("/groups"),
        "entity_groups": read(f"/entities/{entity}/groups"),
        "members": {g["id"]: read(f"/groups/{g['id']}/members") for g in read("/groups")["data"]},
        "providers": read("/me/auth-providers"),
        "interactions": read("/interactions"),
        "entity_interactions": read(f"/entities/{entity}/interactions"),
        "conversations": read("/conversations?archived=all"),
        "messages": read(f"/conversations/{ids['conversation_id']}/communications"),
        "reminders": read("/reminders?status=all"),
        "notifications": read("/notifications"),
        "attachment": read(f"/attachments/{ids['attachment_id']}"),
        "entity_attachments": read(f"/entities/{entity}/attachments"),
        "interaction_attachments": read(f"/interactions/{ids['interaction_id']}/attachments"),
        "message_attachments": read(f"/communications/{ids['communication_id']}/attachments"),
        "content": api.get(f"{API}/attachments/{ids['attachment_id']}/content", token=token).content.decode("latin-1"),
        "provider_tokens": api.post(f"{API}/me/auth-providers/{ids['provider_id']}/reveal", token=token).json(),
    }


def test_another_user_gets_404_from_every_route_with_an_id_and_changes_nothing(api: Api) -> None:
    owner = _populate(api, "ada@example.com", "Grace Hopper")
    intruder = _populate(api, "mallory@example.com", "Eve")
    owner_view = _everything_visible_to(api, owner)
    intruder_view = _everything_visible_to(api, intruder)
    rows = database_rows(api)

    routes = list(_id_routes(api))
    assert len(routes) >= 30
    tried = 0
    for method, path in routes:
        template = path.removeprefix(API)
        params = re.findall(r"\{(\w+):uuid\}", template)
        assert all(p in owner.ids for p in params), f"add test data for {params} of {method} {path}"
        body = BODIES.get((method, template))
        assert body is not None or not _takes_body(api, method, path), f"add a valid body for {method} {path}"
        # every mix of the owner's and the intruder's ids with at least one of the owner's
        for owners in itertools.product((True, False), repeat=len(params)):
            if not any(owners):
                continue
            values = {p: (owner if mine else intruder).ids[p] for p, mine in zip(params, owners, strict=True)}
            url = API + re.sub(r"\{(\w+):uuid\}", lambda m, values=values: values[m.group(1)], template)
            response = api.request(method, url, token=intruder.token, json=body)
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}: {response.text}"
            assert response.headers["content-type"] == "application/problem+json"
            tried += 1

    assert tried > len(routes)
    assert database_rows(api) == rows
    assert _everything_visible_to(api, owner) == owner_view
    assert _everything_visible_to(api, intruder) == intruder_view


def test_lists_and_searches_show_only_the_callers_own_data(api: Api) -> None:
    owner = _populate(api, "ada@example.com", "Grace Hopper")
    intruder_token = api.new_user("mallory@example.com")

    for path in (
        "/entities?archived=all", "/relationships", "/attention", "/tags", "/groups", "/me/auth-providers",
        "/interactions", "/conversations?archived=all", "/notifications",
    ):
        response = api.get(f"{API}{path}", token=intruder_token)
        assert response.status_code == 200
        assert response.json()["data"] == [], path
    for kind, value in (("ssn", SSN), ("phone", "+12025551234")):
        found = api.post(f"{API}/identifiers/duplicates", token=intruder_token, json={"type": kind, "value": value})
        assert found.json() == {"data": []}
    mine = api.post(f"{API}/identifiers/duplicates", token=owner.token, json={"type": "ssn", "value": SSN})
    assert len(mine.json()["data"]) == 1
