"""The OpenAPI document states what the core enforces, read from the core's declarations, under natural names."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conezia.core import shapes
from conezia.core.accounts import AUTH_PROVIDER, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, USER
from conezia.core.attachments import ALLOWED_MIME_TYPES, MAX_SIZE
from conezia.core.entities import ENTITY, RELATIONSHIP
from conezia.core.identifiers import IDENTIFIER, SSN_RE
from conezia.core.organizing import GROUP, TAG
from conezia.core.pagination import MAX_PAGE_SIZE
from conezia.core.validation import valid_timezones
from tests.integration.http_fixtures import API, Api, api, http_database
from tests.integration.test_http_openapi import resolved

__all__ = ["api", "http_database"]

# Each request body and the shape its fields are declared in.
BODY_SHAPES: list[tuple[str, shapes.Shape]] = [
    ("RegisterRequest", USER), ("ProfileUpdate", USER), ("PasswordResetRequest", USER),
    ("AuthProviderLink", AUTH_PROVIDER), ("EntityCreate", ENTITY), ("EntityUpdate", ENTITY),
    ("RelationshipCreate", RELATIONSHIP), ("RelationshipUpdate", RELATIONSHIP),
    ("IdentifierCreate", IDENTIFIER), ("IdentifierUpdate", IDENTIFIER), ("DuplicateQuery", IDENTIFIER),
    ("TagCreate", TAG), ("TagUpdate", TAG), ("GroupCreate", GROUP), ("GroupUpdate", GROUP),
]
FORMATS = {shapes.EMAIL: "email", shapes.URL: "uri", shapes.DATETIME: "date-time", shapes.DATE: "date"}


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    response = api.get("/schema/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null arm of ``X | None``."""
    arms = [arm for arm in schema.get("anyOf", ()) if arm.get("type") != "null"]
    return arms[0] if len(arms) == 1 else schema


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def test_operation_ids_are_short_camel_case_verbs_and_schema_names_are_short(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", operation_id), operation_id
        assert len(operation_id) < 40, operation_id
    assert {"createEntity", "listEntities", "showEntity", "updateEntity"} <= set(ids)
    names = set(document["components"]["schemas"])
    assert all(len(name) < 40 and re.fullmatch(r"[A-Z][A-Za-z]+", name) for name in names), sorted(names)
    assert {"EntityCreate", "EntityOut", "IdentifierOut", "EntityPage", "Problem"} <= names


def test_every_request_body_is_a_named_component_required_when_it_has_a_required_field(
    document: dict[str, Any],
) -> None:
    bodies = [operation["requestBody"] for _, _, operation in _operations(document) if "requestBody" in operation]
    # an attachment's upload is the file itself, in any allowed type (see the next test)
    bodies = [body for body in bodies if "application/pdf" not in body["content"]]
    assert len(bodies) >= 20
    for body in bodies:
        assert set(body["content"]) == {"application/json"}
        ref = body["content"]["application/json"]["schema"]["$ref"]
        assert ref.startswith("#/components/schemas/")
        component = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert body["required"] is bool(component.get("required")), ref
    assert {body["required"] for body in bodies} == {True, False}


def test_an_upload_is_documented_as_the_raw_file_in_each_allowed_type(document: dict[str, Any]) -> None:
    body = document["paths"]["/api/v1/attachments"]["post"]["requestBody"]

    assert body["required"] is True
    assert set(body["content"]) == set(ALLOWED_MIME_TYPES)
    assert {tuple(sorted(media["schema"].items())) for media in body["content"].values()} == {
        (("format", "binary"), ("maxLength", MAX_SIZE), ("type", "string"))}


def test_a_download_is_documented_as_the_file_in_its_own_type(document: dict[str, Any]) -> None:
    responses = document["paths"]["/api/v1/attachments/{attachment_id}/content"]["get"]["responses"]

    for status in ("200", "206"):
        assert set(responses[status]["content"]) == set(ALLOWED_MIME_TYPES)
        assert {media["schema"]["format"] for media in responses[status]["content"].values()} == {"binary"}
    assert responses["416"]["content"].keys() == {"application/problem+json"}


@pytest.mark.parametrize(("component", "shape"), BODY_SHAPES, ids=[name for name, _ in BODY_SHAPES])
def test_body_fields_carry_the_limits_and_choices_the_core_declares(
    document: dict[str, Any], component: str, shape: shapes.Shape
) -> None:
    schema = resolved(document, document["components"]["schemas"][component])
    declared = [name for name in schema["properties"] if name in shape]
    assert declared, component
    for name in declared:
        spec, field = shape[name], _plain(schema["properties"][name])
        if spec.choices:
            assert set(field["enum"]) == set(spec.choices), (component, name)
        elif spec.kind == shapes.TIMEZONE:
            assert set(field["enum"]) == set(valid_timezones())
        elif spec.kind in (shapes.TEXT, shapes.EMAIL, shapes.URL):
            assert field.get("maxLength") == spec.max_length, (component, name)
            assert field.get("minLength") == spec.min_length, (component, name)
            assert "pattern" in field, (component, name)
        if spec.kind == shapes.INTEGER:
            assert (field.get("minimum"), field.get("maximum")) == (spec.minimum, spec.maximum), (component, name)
        if spec.kind in FORMATS:
            assert field.get("format") == FORMATS[spec.kind], (component, name)
        if spec.kind == shapes.BOOLEAN:
            assert field["type"] == "boolean"
    creating = component.endswith(("Create", "Request", "Link", "Query"))
    expected = {name for name in declared if shape[name].required and creating}
    assert set(schema.get("required", ())) & set(shape.inputs) == expected, component


def test_rules_a_shape_cannot_hold_are_stated_too(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    password = resolved(document, schemas["RegisterRequest"])["properties"]["password"]
    assert (password["minLength"], password["maxLength"]) == (MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH)
    for good in ("Analytical-Engine-1", "aB3xxxxx"):
        assert re.search(password["pattern"], good)
    for bad in ("analytical-engine-1", "ANALYTICAL-1", "Analytical-Engine", "Analytical-Engine-1\x00"):
        assert not re.search(password["pattern"], bad)

    by_type = {rule["if"]["properties"]["type"]["const"]: rule["then"]["properties"]["value"]
               for rule in schemas["IdentifierCreate"]["allOf"]}
    assert by_type["ssn"]["pattern"] == SSN_RE.pattern
    assert by_type["email"]["format"] == "email"

    url = _plain(resolved(document, schemas["EntityCreate"])["properties"]["avatar_url"])
    for good in ("https://example.com/a.png", "http://x.io", "HTTPS://x.io:8080/a?b#c"):
        assert re.search(url["pattern"], good)
    for bad in ("ftp://x.io", "javascript:alert(1)", "https://", "https://a b.io", "http://x.io/\x01"):
        assert not re.search(url["pattern"], bad), bad

    name = resolved(document, schemas["EntityCreate"])["properties"]["name"]
    assert not re.search(name["pattern"], "   ") and not re.search(name["pattern"], "A\x00")
    assert re.search(name["pattern"], " Ada ")

    smart = resolved(document, schemas["GroupCreate"])
    assert smart["if"]["properties"]["is_smart"]["const"] is True and smart["then"]["required"] == ["rules"]


def test_query_parameters_state_their_choices_and_bounds(document: dict[str, Any]) -> None:
    def parameters(path: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p["schema"] for p in document["paths"][f"{API}{path}"]["get"]["parameters"]}

    entities = parameters("/entities")
    assert re.fullmatch(entities["type"]["pattern"], "person,organization")
    assert not re.fullmatch(entities["type"]["pattern"], "robot")
    for name, choices in (
        ("type", ENTITY["type"].choices),
        ("relationship_type", RELATIONSHIP["type"].choices),
        ("relationship_status", RELATIONSHIP["status"].choices),
    ):
        assert all(re.fullmatch(entities[name]["pattern"], choice) for choice in choices)
    assert set(entities["archived"]["enum"]) == {"true", "false", "all"}
    assert (entities["limit"]["minimum"], entities["limit"]["maximum"]) == (1, MAX_PAGE_SIZE)
    assert all(schema["type"] in ("string", "integer") for schema in entities.values())
    assert set(parameters("/relationships")["status"]["enum"]) == set(RELATIONSHIP["status"].choices)
