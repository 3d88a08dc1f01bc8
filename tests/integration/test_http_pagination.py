"""Walking paginated lists with ``limit`` and ``next_cursor``."""

from __future__ import annotations

from typing import Any

from conezia.adapters.http.schemas import EntityPage, RelationshipPage
from tests.integration.http_fixtures import API, Api, api, decoded, http_database

__all__ = ["api", "http_database"]


def _walk(api: Api, path: str, token: str, limit: int, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = api.get(f"{API}{path}", token=token, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item.get("name") or item["id"] for item in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "the cursor never ran out"


def test_walking_the_entity_list_page_by_page_returns_each_entity_once_in_creation_order(api: Api) -> None:
    token = api.new_user()
    names = [f"Person {n}" for n in range(7)]
    for name in names:
        api.create("/entities", token, {"type": "person", "name": name})

    pages = _walk(api, "/entities", token, limit=3)
    assert pages == [names[0:3], names[3:6], names[6:7]]
    assert _walk(api, "/entities", token, limit=7) == [names]
    assert _walk(api, "/entities", token, limit=200) == [names]
    assert _walk(api, "/entities", token, limit=2, q="person 1") == [["Person 1"]]
    decoded(api.get(f"{API}/entities", token=token, params={"limit": 3}), EntityPage)


def test_group_members_and_relationships_paginate_the_same_way(api: Api) -> None:
    token = api.new_user()
    group = api.create("/groups", token, {"name": "Club"})
    smart = api.create("/groups", token, {"name": "People", "is_smart": True, "rules": {"type": "person"}})
    names = [f"Member {n}" for n in range(5)]
    for name in names:
        entity = api.create("/entities", token, {"type": "person", "name": name})
        assert api.put(f"{API}/groups/{group['id']}/members/{entity['id']}", token=token).status_code == 204
        api.create(f"/entities/{entity['id']}/relationship", token, {"type": "friend"})

    assert _walk(api, f"/groups/{group['id']}/members", token, limit=2) == [names[0:2], names[2:4], names[4:5]]
    assert _walk(api, f"/groups/{smart['id']}/members", token, limit=4) == [names[0:4], names[4:5]]
    relationship_pages = _walk(api, "/relationships", token, limit=2)
    assert [len(page) for page in relationship_pages] == [2, 2, 1]
    assert len({rid for page in relationship_pages for rid in page}) == 5
    decoded(api.get(f"{API}/relationships", token=token, params={"limit": 2}), RelationshipPage)


def test_a_cursor_from_another_list_or_user_reveals_nothing(api: Api) -> None:
    owner = api.new_user()
    for n in range(3):
        api.create("/entities", owner, {"type": "person", "name": f"Secret {n}"})
    cursor = api.get(f"{API}/entities", token=owner, params={"limit": 1}).json()["next_cursor"]
    assert cursor

    other = api.new_user()
    page = api.get(f"{API}/entities", token=other, params={"limit": 1, "cursor": cursor})
    assert page.status_code == 200
    assert page.json() == {"data": [], "next_cursor": None}
