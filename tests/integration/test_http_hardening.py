"""The HTTP surface holds against hostile and unusual requests: deep nesting, missing bodies, HEAD and OPTIONS, CORS."""

from __future__ import annotations

import base64
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from conezia.adapters.http.docs import DOCS_CSP
from tests.integration.http_fixtures import API, Api, api, database_rows, http_database, make_api
from tests.integration.test_http_errors import World, assert_problem, world

__all__ = ["api", "http_database", "world"]

DEPTH_LIMIT = 64
ORIGIN = "https://app.example.com"


def nested_array(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_object(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def _document(api: Api) -> dict[str, Any]:
    response = api.get("/schema/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _fill(path: str, ids: dict[str, str]) -> str:
    """A concrete URL for a path template: the world's ids where it has one of that kind, else a random one."""
    def one(match: re.Match[str]) -> str:
        kind = match.group(1).removesuffix("_id")
        return ids.get(kind, str(uuid.uuid4()))

    path = path.replace("{name:str}", "swagger-ui.css").replace("{path:str}", "nothing")
    return re.sub(r"\{(\w+?)(?::uuid)?\}", one, path)


def _body_operations(api: Api) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The operations with a JSON body (an attachment's upload is the file itself, never decoded)."""
    for path, item in _document(api)["paths"].items():
        for method, operation in item.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                yield method.upper(), path, operation


# -- deeply nested bodies -------------------------------------------------------------


@pytest.mark.parametrize("body", [nested_array(980), nested_object(980), nested_array(DEPTH_LIMIT + 1)],
                         ids=["arrays", "objects", "one-level-too-deep"])
def test_a_body_nested_too_deeply_is_a_400_problem_on_every_body_route_and_logs_no_error(
    api: Api, world: World, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    caplog.set_level(logging.DEBUG)
    before = database_rows(api)
    routes = list(_body_operations(api))
    assert (("POST", f"{API}/auth/register")) in {(method, path) for method, path, _ in routes}
    assert len(routes) >= 20
    for method, path, operation in routes:
        # the public routes (register among them) are refused without a token
        token = world.token if operation.get("security") else None
        response = api.request(method, _fill(path, world.ids), token=token, content=body,
                               headers={"Content-Type": "application/json"})
        problem = assert_problem(response, 400)
        assert f"more than {DEPTH_LIMIT} levels deep" in problem["detail"], (method, path)
    assert database_rows(api) == before
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []


def test_a_deep_body_sent_in_chunks_is_refused_all_the_same(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"email": '
        yield from (b"[" * 100 for _ in range(10))
        yield b"]" * 1000 + b"}"

    response = api.post(f"{API}/auth/register", content=chunks(), headers={"Content-Type": "application/json"})
    assert_problem(response, 400)


def test_a_body_nested_exactly_at_the_limit_or_with_brackets_in_strings_reaches_validation(api: Api) -> None:
    at_limit = b'{"email": ' + nested_array(DEPTH_LIMIT - 1) + b', "password": "x"}'
    assert "email" in assert_problem(api.post(f"{API}/auth/register", content=at_limit, headers={
        "Content-Type": "application/json",
    }), 422)["errors"]
    brackets = {"email": "[" * 5000 + '\\"{' * 100, "password": "{" * 5000}
    assert "email" in assert_problem(api.post(f"{API}/auth/register", json=brackets), 422)["errors"]


def test_a_cursor_of_nested_json_is_a_422_not_a_recursion(api: Api) -> None:
    token = api.new_user()
    within_length = base64.urlsafe_b64encode(nested_array(70)).decode().rstrip("=")
    assert_problem(api.get(f"{API}/entities", token=token, params={"cursor": within_length}), 422)
    too_long = base64.urlsafe_b64encode(nested_array(1000)).decode().rstrip("=")
    assert_problem(api.get(f"{API}/entities", token=token, params={"cursor": too_long}), 422)


# -- missing bodies --------------------------------------------------------------------


def test_a_missing_body_is_read_as_an_empty_object_so_a_required_one_is_a_422(api: Api, world: World) -> None:
    checked = {True: 0, False: 0}
    for method, path, operation in _body_operations(api):
        token = world.token if operation.get("security") else None
        url = _fill(path, world.ids)
        missing = api.request(method, url, token=token)
        empty = api.request(method, url, token=token, json={})
        required = operation["requestBody"]["required"]
        assert missing.status_code == empty.status_code, (method, path, missing.text, empty.text)
        if required:
            assert_problem(missing, 422)
            assert missing.json()["errors"] == empty.json()["errors"], (method, path)
        else:
            assert missing.status_code < 300 or missing.status_code in (404, 409), (method, path, missing.text)
        checked[required] += 1
    assert checked[True] >= 10 and checked[False] >= 5


def test_changing_your_profile_or_preferences_without_a_body_changes_nothing_and_says_so_in_the_document(
    api: Api,
) -> None:
    token = api.new_user("ada@example.com")
    me = api.get(f"{API}/me", token=token).json()
    paths = _document(api)["paths"]
    for path in (f"{API}/me", f"{API}/me/preferences"):
        assert paths[path]["patch"]["requestBody"]["required"] is False
        response = api.patch(path, token=token)
        assert response.status_code == 200, response.text
        changed = {key for key, value in response.json().items() if me.get(key) != value}
        assert changed <= {"updated_at"}


# -- OPTIONS, 405 and HEAD ---------------------------------------------------------------


def _route_methods(api: Api) -> Iterator[tuple[str, set[str]]]:
    for route in api.client.app.routes:
        yield route.path, set(route.methods)  # type: ignore[attr-defined]


def _allowed(response: Any) -> set[str]:
    return {method.strip() for method in response.headers["Allow"].split(",")}


def test_options_on_every_route_path_allows_exactly_its_methods_and_head_with_get(api: Api, world: World) -> None:
    checked = 0
    for path, methods in _route_methods(api):
        expected = methods | ({"HEAD"} if "GET" in methods else set())
        response = api.request("OPTIONS", _fill(path, world.ids))
        assert response.status_code == 204, (path, response.text)
        assert _allowed(response) == expected, path
        checked += 1
    assert checked >= 45


def test_a_method_a_path_lacks_is_a_405_whose_allow_names_every_method_of_the_path(api: Api, world: World) -> None:
    for path, methods in _route_methods(api):
        missing = next(method for method in ("PUT", "PATCH", "DELETE", "POST") if method not in methods)
        response = api.request(missing, _fill(path, world.ids), token=world.token, json={})
        assert_problem(response, 405)
        assert _allowed(response) == methods | ({"HEAD"} if "GET" in methods else set()), path


# headers that differ between any two requests
_VOLATILE = {"x-request-id", "ratelimit-remaining", "ratelimit-reset", "date"}


def test_head_answers_every_get_path_with_the_status_and_headers_of_get_and_no_body(api: Api, world: World) -> None:
    checked = 0
    for path, methods in _route_methods(api):
        if "GET" not in methods:
            continue
        url = _fill(path, world.ids)
        got = api.get(url, token=world.token)
        head = api.request("HEAD", url, token=world.token)
        assert head.status_code == got.status_code, (path, head.status_code, got.text)
        assert head.content == b""
        same = {name: value for name, value in got.headers.items() if name not in _VOLATILE}
        assert {name: value for name, value in head.headers.items() if name not in _VOLATILE} == same, path
        assert int(head.headers["content-length"]) == len(got.content), path
        checked += 1
    assert checked >= 25


# -- CORS ------------------------------------------------------------------------------------


def _preflight(api: Api, origin: str, method: str = "POST") -> Any:
    return api.request("OPTIONS", f"{API}/entities", headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    })


def test_without_allowed_origins_no_response_carries_cors_headers(api: Api) -> None:
    token = api.new_user()
    preflight = _preflight(api, ORIGIN)
    assert "access-control-allow-origin" not in preflight.headers
    listed = api.get(f"{API}/entities", token=token, headers={"Origin": ORIGIN})
    assert listed.status_code == 200
    assert not any(name.startswith("access-control-") for name in listed.headers)


def test_an_allowed_origin_gets_preflights_answered_and_may_read_the_api_headers(http_database: Any) -> None:
    with make_api(http_database, cors_origins=(ORIGIN,)) as api:
        token = api.new_user()
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            preflight = _preflight(api, ORIGIN, method)
            assert preflight.status_code == 204, preflight.text
            assert preflight.headers["access-control-allow-origin"] == ORIGIN
            assert method in {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}
            allowed_headers = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
            assert {"authorization", "content-type"} <= allowed_headers
            assert "access-control-allow-credentials" not in preflight.headers

        listed = api.get(f"{API}/entities", token=token, headers={"Origin": ORIGIN})
        assert listed.status_code == 200
        assert listed.headers["access-control-allow-origin"] == ORIGIN
        exposed = {h.strip().lower() for h in listed.headers["access-control-expose-headers"].split(",")}
        assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after", "x-request-id"} <= exposed


def test_another_origin_gets_no_cors_permission(http_database: Any) -> None:
    with make_api(http_database, cors_origins=(ORIGIN,)) as api:
        token = api.new_user()
        for other in ("https://evil.example.com", "https://app.example.com.evil.example", "http://app.example.com"):
            preflight = _preflight(api, other)
            assert "access-control-allow-origin" not in preflight.headers, other
            listed = api.get(f"{API}/entities", token=token, headers={"Origin": other})
            assert "access-control-allow-origin" not in listed.headers, other


# -- health under the API prefix -------------------------------------------------------------


def test_health_probes_answer_under_the_api_prefix_budgeted_and_documented(api: Api) -> None:
    for path in (f"{API}/health", f"{API}/health/ready"):
        response = api.get(path)
        assert (response.status_code, response.json()) == (200, {"status": "ok"}), path
        assert "RateLimit-Remaining" in response.headers
    paths = _document(api)["paths"]
    assert {f"{API}/health", f"{API}/health/ready"} <= set(paths)
    assert "/health" not in paths and "/health/ready" not in paths
    assert api.get("/health/ready").status_code == 200


# -- the documentation page --------------------------------------------------------------------


def test_every_docs_page_allows_nothing_from_elsewhere_and_runs_no_inline_script(api: Api) -> None:
    assert "default-src 'none'" in DOCS_CSP and "http" not in DOCS_CSP and "unsafe" not in DOCS_CSP
    for path in ("/docs", "/schema", "/schema/swagger"):
        page = api.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-security-policy"] == DOCS_CSP
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page.text, re.DOTALL)
        assert scripts and all('src="/docs/assets/' in attributes and not body.strip() for attributes, body in scripts)
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(source.startswith("/docs/assets/") for source in sources), sources
        for source in sources:
            asset = api.get(source)
            assert asset.status_code == 200, source
            assert asset.content
    assert api.get("/docs/assets/swagger-editor-bundle.js").status_code == 404
    for page in ("/schema/scalar", "/schema/redoc", "/schema/rapidoc", "/schema/elements"):
        assert api.get(page).status_code == 404, page
