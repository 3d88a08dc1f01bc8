"""Identifiers through HTTP: duplicates are found by blind index, values stay hidden."""

from __future__ import annotations

from tests.integration.http_fixtures import API, Api, api, http_database

__all__ = ["api", "http_database"]


def test_an_identifiers_duplicates_are_listed_without_revealing_the_value(api: Api) -> None:
    token = api.new_user("dupes@example.com")
    a = api.create("/entities", token, {"type": "person", "name": "A"})
    b = api.create("/entities", token, {"type": "person", "name": "B"})
    first = api.create(f"/entities/{a['id']}/identifiers", token, {"type": "ssn", "value": "123-45-6789"})
    second = api.create(f"/entities/{b['id']}/identifiers", token, {"type": "ssn", "value": "123-45-6789"})
    response = api.get(f"{API}/identifiers/{first['id']}/duplicates", token=token)
    assert response.status_code == 200
    assert [(i["id"], i["entity_id"], i["value"]) for i in response.json()["data"]] == [(second["id"], b["id"], None)]
    assert "123-45-6789" not in response.text
