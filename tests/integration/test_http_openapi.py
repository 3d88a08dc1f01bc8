"""The API describes itself (OpenAPI, interactive docs) and answers health probes."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.integration.http_fixtures import API, Api, api, http_database

__all__ = ["api", "http_database", "resolved"]

def resolved(document: dict[str, Any], node: Any, within: frozenset[str] = frozenset()) -> Any:
    """``node`` with every ``$ref`` into the document's components replaced by what it names.

    A reference back into a component being resolved (a recursive schema) stays a reference.
    """
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name in within:
                return node
            return resolved(document, document["components"]["schemas"][name], within | {name})
        return {key: resolved(document, value, within) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved(document, item, within) for item in node]
    return node


PUBLIC_OPERATIONS = {
    ("post", f"{API}/auth/register"),
    ("post", f"{API}/auth/login"),
    ("post", f"{API}/auth/confirm-email"),
    ("post", f"{API}/auth/password-reset/request"),
    ("post", f"{API}/auth/password-reset/confirm"),
    ("get", f"{API}/health"),
    ("get", f"{API}/health/ready"),
}


def test_the_openapi_document_describes_every_route_its_bodies_and_the_bearer_scheme(api: Api) -> None:
    response = api.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Conezia API"
    assert document["info"]["version"] == "1"
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "A session token from `POST /api/v1/auth/login`.",
    }

    documented = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    served = {
        (method.lower(), route.path.replace(":uuid", ""))
        for route in api.client.app.routes
        if route.path.startswith(API)
        for method in route.methods  # type: ignore[attr-defined]
        if method not in ("OPTIONS", "HEAD")
    }
    assert served <= documented

    for method, path in served:
        operation = document["paths"][path][method]
        if (method, path) in PUBLIC_OPERATIONS:
            assert "security" not in operation, path
        else:
            assert operation["security"] == [{"bearer": []}], path
            assert "401" in operation["responses"], path

    create_entity = document["paths"][f"{API}/entities"]["post"]
    body = create_entity["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/EntityCreate"}
    schema = resolved(document, body["content"]["application/json"]["schema"])
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"type", "name"}
    assert set(schema["properties"]["type"]["enum"]) >= {"person", "organization"}
    assert {"description", "avatar_url", "metadata", "last_interaction_at"} <= set(schema["properties"])
    assert set(create_entity["responses"]) >= {"201", "401", "422", "429"}
    problem = create_entity["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert problem["$ref"].endswith("/Problem")

    created = create_entity["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/EntityOut"}

    group_body = document["paths"][f"{API}/groups"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    group_rules = resolved(document, group_body)["properties"]["rules"]
    assert "tags" in str(group_rules)


def test_the_interactive_documentation_is_served_at_docs(api: Api) -> None:
    docs = api.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in docs.text.lower()
    assert "<title>Conezia API</title>" in docs.text
    assert 'data-openapi-url="/schema/openapi.json"' in docs.text  # the page fetches the document


def test_health_probes_answer_without_authentication(api: Api) -> None:
    live = api.get("/health")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    ready = api.get("/health/ready")
    assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
    assert "RateLimit-Limit" not in live.headers
    assert live.headers["X-Request-ID"]


def test_options_on_every_path_allows_exactly_the_methods_the_document_lists(api: Api) -> None:
    document = api.get("/schema/openapi.json").json()
    checked = 0
    for path, item in document["paths"].items():
        documented = {method.upper() for method in item if method in ("get", "post", "put", "patch", "delete")}
        url = re.sub(r"\{\w+\}", lambda _: str(uuid.uuid4()), path)
        response = api.request("OPTIONS", url)
        assert response.status_code == 204, (path, response.text)
        allowed = {method.strip() for method in response.headers["Allow"].split(",")}
        assert allowed == documented | {"OPTIONS"} | ({"HEAD"} if "GET" in documented else set()), path
        checked += 1
    assert checked >= 30
