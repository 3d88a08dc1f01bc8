"""How the HTTP API refuses: problems, validation, conflicts, authentication, limits."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from litestar.testing import TestClient

from conezia.bootstrap import create_app
from conezia.core import services
from conezia.settings import Settings
from tests.integration.http_fixtures import (
    API,
    PASSWORD,
    Api,
    TestDatabase,
    api,
    database_rows,
    http_database,
    make_api,
)

__all__ = ["api", "http_database"]

PUBLIC_ROUTES = {
    ("POST", f"{API}/auth/register"),
    ("POST", f"{API}/auth/login"),
    ("POST", f"{API}/auth/confirm-email"),
    ("POST", f"{API}/auth/password-reset/request"),
    ("POST", f"{API}/auth/password-reset/confirm"),
}
# answer anyone, and take no input
PROBES = {("GET", f"{API}/health"), ("GET", f"{API}/health/ready")}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"] and problem["title"]
    return problem


@attrs.frozen
class World:
    """One user's recorded data, enough for every route to have something to act on."""

    token: str
    other_token: str
    ids: dict[str, str]


@pytest.fixture
def world(api: Api) -> World:
    token = api.new_user("ada@example.com")
    other = api.new_user("grace@example.com")
    entity = api.create("/entities", token, {"type": "person", "name": "Alan"})
    bare = api.create("/entities", token, {"type": "person", "name": "Babbage"})
    phone = api.create(f"/entities/{entity['id']}/identifiers", token, {"type": "phone", "value": "+12025551234"})
    relationship = api.create(f"/entities/{entity['id']}/relationship", token, {"type": "friend"})
    tag = api.create("/tags", token, {"name": "friends"})
    group = api.create("/groups", token, {"name": "Club"})
    interaction = api.create(f"/entities/{entity['id']}/interactions", token, {"type": "call", "content": "Hello"})
    conversation = api.create(f"/entities/{entity['id']}/conversations", token, {"channel": "email"})
    message = api.create(
        f"/conversations/{conversation['id']}/communications", token, {"direction": "inbound", "content": "Hi"}
    )
    reminder = api.create("/reminders", token, {"type": "follow_up", "title": "Call back",
                                                 "due_at": "2999-01-01T09:00:00+00:00"})
    return World(
        token=token,
        other_token=other,
        ids={
            "entity": entity["id"], "bare_entity": bare["id"], "identifier": phone["id"],
            "relationship": relationship["id"], "tag": tag["id"], "group": group["id"],
            "interaction": interaction["id"], "conversation": conversation["id"], "communication": message["id"],
            "reminder": reminder["id"],
        },
    )


# Each case: method, path (formatted with the world's ids), JSON body or query, the fields the 422 must name.
INVALID_INPUT: list[tuple[str, str, str, dict[str, Any], set[str]]] = [
    ("register", "POST", "/auth/register",
     {"json": {"email": "not-an-email", "password": "short", "timezone": "Mars/Olympus", "avatar_url": "ftp://x",
               "settings": [], "notification_preferences": {"push": "yes"}, "nickname": "x"}},
     {"email", "password", "timezone", "avatar_url", "settings", "notification_preferences", "nickname"}),
    ("login without credentials", "POST", "/auth/login", {"json": {"remember": True}},
     {"email", "password", "remember"}),
    ("confirm email", "POST", "/auth/confirm-email", {"json": {"token": "not-a-token"}}, {"token"}),
    ("password reset request", "POST", "/auth/password-reset/request", {"json": {"email": "nope"}}, {"email"}),
    ("password reset confirm", "POST", "/auth/password-reset/confirm",
     {"json": {"token": "x", "password": "short"}}, {"token", "password"}),
    ("profile", "PATCH", "/me", {"json": {"email": "bad", "timezone": "Nowhere/City", "name": 5}},
     {"email", "timezone", "name"}),
    ("preferences", "PATCH", "/me/preferences",
     {"json": {"settings": "dark", "notification_preferences": {"quiet_hours_start": "25:00", "sms": True}}},
     {"settings", "notification_preferences"}),
    ("account deletion", "DELETE", "/me", {"json": {"password": "wrong"}}, {"password"}),
    ("auth provider", "POST", "/me/auth-providers",
     {"json": {"provider": "myspace", "provider_uid": " ", "provider_meta": 1}},
     {"provider", "provider_uid", "provider_meta"}),
    ("entity", "POST", "/entities",
     {"json": {"type": "robot", "name": "", "avatar_url": "javascript:alert(1)", "metadata": "x",
               "last_interaction_at": "yesterday"}},
     {"type", "name", "avatar_url", "metadata", "last_interaction_at"}),
    ("entity body that is not an object", "POST", "/entities", {"json": ["Alan"]}, {"body"}),
    ("entity change of null", "PATCH", "/entities/{entity}",
     {"content": b"null", "headers": {"Content-Type": "application/json"}}, {"body"}),
    ("entity change", "PATCH", "/entities/{entity}", {"json": {"name": None, "type": None}}, {"name", "type"}),
    # the retired "record that we were in touch" body: "at" is refused, and type and content are required
    ("interaction", "POST", "/entities/{entity}/interactions", {"json": {"at": "2024-01-01T00:00:00"}},
     {"at", "type", "content"}),
    ("interaction values", "POST", "/entities/{entity}/interactions",
     {"json": {"type": "telepathy", "content": "", "title": "x" * 256, "occurred_at": "2024-01-01T00:00:00"}},
     {"type", "content", "title", "occurred_at"}),
    ("relationship", "POST", "/entities/{bare_entity}/relationship",
     {"json": {"type": "nemesis", "strength": "eternal", "health_threshold_days": 0, "started_at": "soon"}},
     {"type", "strength", "health_threshold_days", "started_at"}),
    ("relationship change", "PATCH", "/relationships/{relationship}", {"json": {"status": "gone", "notes": 5}},
     {"status", "notes"}),
    ("identifier", "POST", "/entities/{entity}/identifiers",
     {"json": {"type": "phone", "value": "12", "label": "x" * 65, "is_primary": "yes"}},
     {"value", "label", "is_primary"}),
    ("identifier change", "PATCH", "/identifiers/{identifier}",
     {"json": {"value": "not a phone", "verified_at": "never"}}, {"value", "verified_at"}),
    ("duplicate search", "POST", "/identifiers/duplicates", {"json": {"type": "ssn", "value": "12345"}}, {"value"}),
    ("duplicate search without a type", "POST", "/identifiers/duplicates", {"json": {}}, {"type", "value"}),
    ("tag", "POST", "/tags", {"json": {"name": "", "color": "teal"}}, {"name", "color"}),
    ("tag change", "PATCH", "/tags/{tag}", {"json": {"name": "x" * 51}}, {"name"}),
    ("smart group", "POST", "/groups", {"json": {"name": "", "is_smart": True, "rules": {"colour": "red"}}},
     {"name", "rules"}),
    ("rules on a manual group", "PATCH", "/groups/{group}", {"json": {"rules": {"type": "person"}}}, {"rules"}),
    ("entity filters", "GET", "/entities", {"params": {"type": "robot", "archived": "maybe"}}, {"type", "archived"}),
    ("entity cursor", "GET", "/entities", {"params": {"cursor": "garbage"}}, {"cursor"}),
    ("page size", "GET", "/entities", {"params": {"limit": "500"}}, {"limit"}),
    ("page size that is not a number", "GET", "/groups/{group}/members", {"params": {"limit": "ten"}}, {"limit"}),
    ("relationship status", "GET", "/relationships", {"params": {"status": "gone"}}, {"status"}),
    ("attention size", "GET", "/attention", {"params": {"limit": "0"}}, {"limit"}),
    ("logout flag", "POST", "/auth/logout", {"params": {"everywhere": "maybe"}}, {"everywhere"}),
]


@pytest.mark.parametrize(
    ("method", "path", "request_args", "fields"),
    [case[1:] for case in INVALID_INPUT],
    ids=[case[0] for case in INVALID_INPUT],
)
def test_invalid_input_is_a_422_problem_naming_every_field_and_changes_nothing(
    api: Api, world: World, method: str, path: str, request_args: dict[str, Any], fields: set[str]
) -> None:
    before = database_rows(api)
    response = api.request(method, API + path.format(**world.ids), token=world.token, **request_args)
    problem = assert_problem(response, 422)
    assert set(problem["errors"]) == fields
    assert all(messages and all(isinstance(m, str) for m in messages) for messages in problem["errors"].values())
    assert database_rows(api) == before


def test_a_change_without_a_body_is_an_empty_change_and_answers_with_the_resource(api: Api, world: World) -> None:
    response = api.patch(f"{API}/entities/{world.ids['entity']}", token=world.token)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Alan"


def test_an_email_address_taken_in_any_letter_case_is_a_409_conflict(api: Api) -> None:
    api.register("ada@example.com")
    token = api.new_user("grace@example.com")
    before = database_rows(api)

    again = api.post(f"{API}/auth/register", json={"email": "ADA@Example.COM", "password": PASSWORD})
    assert assert_problem(again, 409)["errors"] == {"email": ["has already been taken"]}
    taken = api.patch(f"{API}/me", token=token, json={"email": "Ada@example.com"})
    assert assert_problem(taken, 409)["errors"] == {"email": ["has already been taken"]}
    assert database_rows(api) == before


def test_names_and_linked_accounts_that_exist_already_are_409_conflicts(api: Api) -> None:
    token = api.new_user()
    other = api.new_user()
    api.create("/tags", token, {"name": "friends"})
    api.create("/groups", token, {"name": "Club"})
    api.create("/me/auth-providers", other, {"provider": "google", "provider_uid": "g-1"})
    before = database_rows(api)

    assert "name" in assert_problem(api.post(f"{API}/tags", token=token, json={"name": "friends"}), 409)["errors"]
    assert "name" in assert_problem(api.post(f"{API}/groups", token=token, json={"name": "Club"}), 409)["errors"]
    linked = api.post(f"{API}/me/auth-providers", token=token, json={"provider": "google", "provider_uid": "g-1"})
    assert "provider_uid" in assert_problem(linked, 409)["errors"]
    assert database_rows(api) == before


def _api_routes(api: Api) -> Iterator[tuple[str, str]]:
    for route in api.client.app.routes:
        if not route.path.startswith(API):
            continue
        for method in sorted(route.methods):  # type: ignore[attr-defined]
            if method not in ("OPTIONS", "HEAD"):
                yield method, route.path


def _concrete(path: str) -> str:
    return re.sub(r"\{\w+:uuid\}", lambda _: str(uuid.uuid4()), path)


def test_every_route_but_the_public_ones_answers_401_without_a_valid_bearer_token(api: Api) -> None:
    routes = list(_api_routes(api))
    assert set(routes) >= PUBLIC_ROUTES | PROBES
    for method, path in routes:
        if (method, path) in PUBLIC_ROUTES | PROBES:
            continue
        url = _concrete(path)
        for headers, challenge in (
            ({}, 'Bearer realm="conezia"'),
            ({"Authorization": "Bearer not-a-real-token"}, 'Bearer realm="conezia", error="invalid_token"'),
            ({"Authorization": "Basic YWRhOnNlY3JldA=="}, 'Bearer realm="conezia"'),
        ):
            response = api.request(method, url, headers=headers, json={})
            assert_problem(response, 401)
            assert response.headers["WWW-Authenticate"] == challenge, (method, path)
            assert "RateLimit-Remaining" in response.headers


def test_the_public_routes_need_no_token_and_validate_their_input_instead(api: Api) -> None:
    for method, path in sorted(PUBLIC_ROUTES):
        assert_problem(api.request(method, path, json={}), 422)


def test_malformed_requests_are_400_404_or_405_problems(api: Api) -> None:
    token = api.new_user()
    malformed = api.post(f"{API}/entities", token=token, content=b'{"type": "person",', headers={
        "Content-Type": "application/json",
    })
    assert "not valid JSON" in assert_problem(malformed, 400)["detail"]
    wrong_type = api.post(f"{API}/entities", token=token, content=b"type=person", headers={
        "Content-Type": "application/x-www-form-urlencoded",
    })
    assert "Content-Type" in assert_problem(wrong_type, 400)["detail"]

    for unknown in (f"{API}/entities/not-a-uuid", f"{API}/entities/{uuid.uuid4()}", f"{API}/no-such-thing"):
        response = api.get(unknown, token=token)
        assert_problem(response, 404)
        assert "RateLimit-Remaining" in response.headers
    assert_problem(api.get("/nowhere"), 404)
    not_allowed = api.put(f"{API}/entities", token=token)
    assert_problem(not_allowed, 405)
    assert set(not_allowed.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_a_body_over_the_size_limit_is_a_413_problem_and_changes_nothing(http_database: TestDatabase) -> None:
    with make_api(http_database, max_body_bytes=1024) as api:
        token = api.new_user()
        before = database_rows(api)
        big = api.post(f"{API}/entities", token=token, json={"type": "person", "name": "x", "description": "y" * 2000})
        assert_problem(big, 413)
        assert database_rows(api) == before
        small = api.post(f"{API}/entities", token=token, json={"type": "person", "name": "x", "description": "y" * 500})
        assert small.status_code == 201


def test_a_body_sent_in_chunks_without_a_length_is_a_413_problem_once_past_the_limit(
    http_database: TestDatabase,
) -> None:
    def chunks(parts: int) -> Iterator[bytes]:
        yield b'{"type": "person", "name": "x", "description": "'
        yield from (b"y" * 300 for _ in range(parts))
        yield b'"}'

    with make_api(http_database, max_body_bytes=1024) as api:
        token = api.new_user()
        before = database_rows(api)
        json_body = {"Content-Type": "application/json"}
        big = api.post(f"{API}/entities", token=token, content=chunks(4), headers=json_body)
        assert "content-length" not in big.request.headers
        assert_problem(big, 413)
        assert database_rows(api) == before
        small = api.post(f"{API}/entities", token=token, content=chunks(2), headers=json_body)
        assert small.status_code == 201
        assert small.json()["description"] == "y" * 600


def test_a_content_length_that_is_not_a_number_is_a_400_problem(api: Api) -> None:
    token = api.new_user()
    response = api.post(
        f"{API}/entities", token=token, content=b'{"type": "person", "name": "x"}',
        headers={"Content-Type": "application/json", "Content-Length": "thirty"},
    )
    assert_problem(response, 400)


def test_requests_beyond_the_budget_are_429_problems_with_rate_limit_headers(http_database: TestDatabase) -> None:
    # no session cache: the tier change below happens outside the API, in this process
    with make_api(http_database, rate_limits={"free": 3, "personal": 5}, rate_window=60, session_cache_seconds=0) as api:
        user = api.register("ada@example.com")  # the address spends two of its three anonymous requests
        token = api.log_in("ada@example.com")

        seen = [api.get(f"{API}/me", token=token) for _ in range(3)]
        assert [r.status_code for r in seen] == [200, 200, 200]
        assert [r.headers["RateLimit-Remaining"] for r in seen] == ["2", "1", "0"]
        assert all(r.headers["RateLimit-Limit"] == "3" for r in seen)
        assert all(r.headers["RateLimit-Policy"] == "3;w=60" for r in seen)
        assert all(0 <= int(r.headers["RateLimit-Reset"]) <= 60 for r in seen)

        refused = api.get(f"{API}/me", token=token)
        assert_problem(refused, 429)
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["RateLimit-Remaining"] == "0"

        assert api.post(f"{API}/auth/password-reset/request", json={"email": "x@example.com"}).status_code == 202
        anonymous = api.post(f"{API}/auth/password-reset/request", json={"email": "x@example.com"})
        assert_problem(anonymous, 429)
        assert "Retry-After" in anonymous.headers
        assert_problem(api.get(f"{API}/me"), 429)  # a missing token spends the address's budget too

        # a higher tier (set by an administrator, never through the API) has a bigger budget
        api.call(services.change_tier, api.deps, uuid.UUID(user["id"]), "personal")
        upgraded = api.get(f"{API}/me", token=token)
        assert upgraded.status_code == 200
        assert (upgraded.headers["RateLimit-Limit"], upgraded.headers["RateLimit-Remaining"]) == ("5", "1")


def test_repeated_failed_logins_are_throttled_per_account_and_per_address(http_database: TestDatabase) -> None:
    with make_api(http_database, login_max_failures=2) as api:
        api.register("ada@example.com")
        for _ in range(2):
            wrong = api.post(f"{API}/auth/login", json={"email": "ada@example.com", "password": "Wrong-Password-1"})
            assert_problem(wrong, 401)
        blocked = api.post(f"{API}/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
        assert_problem(blocked, 429)
        assert int(blocked.headers["Retry-After"]) > 0

        # the address may fail four times as often, across accounts, before it is blocked too
        for n in range(6):
            guess = api.post(f"{API}/auth/login", json={"email": f"guess{n}@example.com", "password": "Nope-1234"})
            assert_problem(guess, 401)
        api.register("grace@example.com")
        assert_problem(api.post(f"{API}/auth/login", json={"email": "grace@example.com", "password": PASSWORD}), 429)


DATABASE_PASSWORD = "hunter2"


class _Exploding:
    """A unit of work whose database is gone, with a secret in its error message."""

    def __init__(self) -> None:
        raise RuntimeError(f"connection to postgres://admin:{DATABASE_PASSWORD}@db failed")


def test_an_unexpected_error_is_a_500_problem_without_internals_and_is_logged_with_the_request_id(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    broken = attrs.evolve(api.deps, uow=_Exploding)
    settings = Settings(password_profile="test", database_url="unused")
    with TestClient(create_app(settings, deps=broken)) as client, caplog.at_level(logging.INFO, "conezia.http"):
        response = client.post(f"{API}/auth/register", json={"email": "ada@example.com", "password": PASSWORD})
        problem = assert_problem(response, 500)
        assert problem["request_id"] == response.headers["X-Request-ID"]
        assert DATABASE_PASSWORD not in response.text and "RuntimeError" not in response.text

        with_token = client.get(f"{API}/me", headers={"Authorization": "Bearer " + "a" * 43})
        assert_problem(with_token, 500)

        ready = client.get("/health/ready")
        assert_problem(ready, 503)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert problem["request_id"] in logged
    assert "RuntimeError" in logged
    for secret in (DATABASE_PASSWORD, PASSWORD, "a" * 43):
        assert secret not in logged
