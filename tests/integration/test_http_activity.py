"""The activity log through the real HTTP stack and PostgreSQL: what a user did, from where, nothing secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conezia.adapters.http.schemas import ActivityPage
from tests.integration.http_fixtures import (
    API,
    PASSWORD,
    Api,
    TestDatabase,
    api,
    database_rows,
    decoded,
    http_database,
    libpq_url,
    make_api,
)
from tests.integration.live_server import serving

__all__ = ["api", "http_database"]

pytestmark = pytest.mark.integration

AGENT = "Conezia-Test/1.0 (+https://example.com)"


def activity(api: Api, token: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"{API}/activity", token=token, params=params)
    assert response.status_code == 200, response.text
    decoded(response, ActivityPage)  # exactly the documented shape
    return list(response.json()["data"])


def test_a_user_reads_back_newest_first_exactly_what_they_did_and_nothing_secret(api: Api) -> None:
    api.register("ada@example.com")
    headers = {"User-Agent": AGENT}
    token = api.log_in("ada@example.com")
    grace = api.create("/entities", token, {"type": "person", "name": "Grace Hopper"})
    assert api.patch(f"{API}/entities/{grace['id']}", token=token, json={"name": "Admiral Hopper"},
                     headers=headers).status_code == 200
    ssn = api.create(f"/entities/{grace['id']}/identifiers", token, {"type": "ssn", "value": "123-45-6789"})
    assert api.post(f"{API}/identifiers/{ssn['id']}/reveal", token=token, headers=headers).status_code == 200
    tag = api.create("/tags", token, {"name": "navy"})
    assert api.put(f"{API}/entities/{grace['id']}/tags/{tag['id']}", token=token).status_code in (200, 201, 204)

    rows = activity(api, token)
    assert [(r["action"], r["resource_type"], r["metadata"].get("operation"), r["metadata"].get("fields"))
            for r in rows] == [
        ("update", "entity", "tag", ["tags"]),
        ("create", "tag", None, None),
        ("view", "entity", "reveal", None),
        ("create", "entity", None, None),
        ("update", "entity", None, ["name"]),
        ("create", "entity", None, None),
        ("login", "user", None, None),
        ("create", "user", None, None),
    ]
    assert rows[2]["user_agent"] == AGENT and rows[4]["user_agent"] == AGENT
    text = json.dumps(rows)
    for secret in ("123-45-6789", "Hopper", PASSWORD, token, "ada@example.com"):
        assert secret not in text
    assert [r["resource_id"] for r in activity(api, token, resource_id=grace["id"], action="create")] == [
        grace["id"], grace["id"],
    ]


def test_another_users_log_is_never_visible_and_bad_filters_are_422(api: Api) -> None:
    ada, bob = api.new_user("ada@example.com"), api.new_user("bob@example.com")
    grace = api.create("/entities", ada, {"type": "person", "name": "Grace"})
    assert activity(api, bob, resource_id=grace["id"]) == []
    assert {r["resource_type"] for r in activity(api, bob)} == {"user"}
    for params in ({"action": "fly"}, {"resource_type": "planet"}, {"resource_id": "nope"}, {"limit": 0},
                   {"cursor": "garbage"}):
        response = api.get(f"{API}/activity", token=ada, params=params)
        assert response.status_code in (400, 422), (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert api.get(f"{API}/activity").status_code == 401


def test_the_log_pages_newest_first_without_repeating_a_row(api: Api) -> None:
    token = api.new_user()
    for n in range(12):
        api.create("/tags", token, {"name": f"t{n}"})
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5, "resource_type": "tag"}
        if cursor:
            params["cursor"] = cursor
        response = api.get(f"{API}/activity", token=token, params=params)
        body = response.json()
        seen.extend(r["id"] for r in body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 12


def test_a_change_that_fails_writes_no_log_row(api: Api) -> None:
    token = api.new_user()
    api.create("/tags", token, {"name": "navy"})
    before = database_rows(api)["activity_logs"]
    assert api.post(f"{API}/tags", token=token, json={"name": "navy"}).status_code == 409
    assert api.post(f"{API}/entities", token=token, json={"type": "planet", "name": "x"}).status_code == 422
    assert database_rows(api)["activity_logs"] == before


def test_a_log_row_that_cannot_be_written_leaves_no_change(http_database: TestDatabase) -> None:
    if http_database.target == "memory":
        pytest.skip("adds a CHECK to a PostgreSQL table")
    with make_api(http_database) as api:
        token = api.new_user()
        http_database.execute(
            "ALTER TABLE activity_logs ADD CONSTRAINT activity_logs_test_refuses CHECK (false) NOT VALID"
        )
        try:
            response = api.post(f"{API}/entities", token=token, json={"type": "person", "name": "Grace"})
            assert response.status_code == 422, response.text  # the refused row's CHECK, answered as a problem
            assert http_database.execute("SELECT count(*) FROM entities") == [(0,)]
        finally:
            http_database.execute("ALTER TABLE activity_logs DROP CONSTRAINT activity_logs_test_refuses")


def test_logging_out_ends_the_remembered_session_at_once(http_database: TestDatabase) -> None:
    with make_api(http_database, session_cache_seconds=3600) as api:
        token = api.new_user()
        assert api.get(f"{API}/me", token=token).status_code == 200  # now remembered
        assert api.post(f"{API}/auth/logout", token=token).status_code == 204
        assert api.get(f"{API}/me", token=token).status_code == 401


def test_a_profile_change_is_seen_at_once_though_the_session_is_remembered(http_database: TestDatabase) -> None:
    with make_api(http_database, session_cache_seconds=3600) as api:
        token = api.new_user()
        assert api.get(f"{API}/me", token=token).json()["name"] is None
        assert api.patch(f"{API}/me", token=token, json={"name": "Ada"}).status_code == 200
        assert api.get(f"{API}/me", token=token).json()["name"] == "Ada"


# -- the client's address, through the real server ---------------------------------------------


@pytest.fixture
def server(migrated_database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """``conezia serve``; the test's parameter says which proxies it trusts."""
    with serving(libpq_url(migrated_database_url), tmp_path, CONEZIA_TRUSTED_PROXIES=request.param) as base:
        yield base


def _login_address(base: str, email: str, forwarded_for: str) -> str | None:
    headers = {"X-Forwarded-For": forwarded_for}
    body = {"email": email, "password": PASSWORD}
    assert httpx.post(f"{base}{API}/auth/register", json=body, headers=headers).status_code == 201
    token = httpx.post(f"{base}{API}/auth/login", json=body, headers=headers).json()["token"]
    rows = httpx.get(f"{base}{API}/activity", params={"action": "login"},
                     headers={"Authorization": f"Bearer {token}"}).json()["data"]
    address: str | None = rows[0]["ip_address"]
    return address


@pytest.mark.parametrize("server", ["127.0.0.1/32"], indirect=True)
def test_behind_a_trusted_proxy_the_forwarded_client_address_is_recorded(server: str) -> None:
    # a client forged the first entry; the trusted proxy appended the address it saw
    assert _login_address(server, "via-proxy@example.com", "198.51.100.1, 203.0.113.9") == "203.0.113.9"


@pytest.mark.parametrize("server", [""], indirect=True)
def test_without_trusted_proxies_a_forwarded_address_is_ignored(server: str) -> None:
    assert _login_address(server, "direct@example.com", "203.0.113.9") == "127.0.0.1"
