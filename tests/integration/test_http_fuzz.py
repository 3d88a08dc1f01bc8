"""Arbitrary JSON never crashes the API and never half-writes: it is either accepted or a 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.http_fixtures import API, Api, TestDatabase, database_rows, http_database, make_api

__all__ = ["http_database"]

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)


def bodies(fields: list[str], samples: dict[str, list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects mixing known fields (with plausible and arbitrary values) and unknown ones."""
    value_for = {name: st.one_of(st.sampled_from(samples.get(name, [None])), json_values) for name in fields}
    known = st.fixed_dictionaries({}, optional=value_for)
    return st.one_of(known, st.dictionaries(st.text(max_size=12), json_values, max_size=4))


@pytest.fixture(scope="module")
def world(http_database: TestDatabase) -> Iterator[tuple[Api, str, str]]:
    with make_api(http_database) as api:
        token = api.new_user("fuzz@example.com")
        entity = api.create("/entities", token, {"type": "person", "name": "Fuzzy"})
        yield api, token, entity["id"]


CASES = {
    "entity": (
        "POST", "/entities",
        ["type", "name", "description", "avatar_url", "metadata", "last_interaction_at"],
        {"type": ["person", "robot"], "name": ["Ada", "", " "], "avatar_url": ["https://x.io/a.png", "ftp://x"],
         "last_interaction_at": ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00", "yesterday"]},
    ),
    "identifier": (
        "POST", "/entities/{entity}/identifiers",
        ["type", "value", "label", "is_primary", "verified_at"],
        {"type": ["phone", "email", "ssn", "website", "fax"], "value": ["+12025550123", "123-45-6789", "a@b.co", "x"],
         "is_primary": [True, False, "yes"]},
    ),
    "group": (
        "POST", "/groups",
        ["name", "description", "is_smart", "rules"],
        {"is_smart": [True, False], "rules": [{"type": "person"}, {"tags": []}, {"color": "red"}, {}],
         "name": ["g", ""]},
    ),
    "preferences": (
        "PATCH", "/me/preferences",
        ["settings", "notification_preferences"],
        {"notification_preferences": [{"quiet_hours_start": "22:00"}, {"quiet_hours_end": "25:00"}, {"sms": True}]},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_arbitrary_bodies_are_accepted_or_refused_with_a_4xx_and_refusals_change_nothing(
    world: tuple[Api, str, str], case: str
) -> None:
    api, token, entity_id = world
    method, path, fields, samples = CASES[case]
    url = f"{API}{path.format(entity=entity_id)}"

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=bodies(fields, samples))
    def check(body: dict[str, Any]) -> None:
        before = database_rows(api)
        response = api.request(method, url, token=token, json=body)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["status"] == response.status_code
            assert database_rows(api) == before

    check()
