"""The async pool behind the hot entity routes lives and dies with the app's event loop."""

from __future__ import annotations

import time

import psycopg

from conezia.adapters.postgres.async_entities import APPLICATION_NAME
from conezia.bootstrap import Backend
from tests.integration.http_fixtures import API, http_backend, make_api  # noqa: F401 - fixtures


def _async_sessions(backend: Backend) -> int:
    with psycopg.connect(**backend.database.driver_connect_args(), autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            (APPLICATION_NAME,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _settled_async_sessions(backend: Backend, expected: int) -> int:
    """The count once it reaches ``expected`` (a closed session's server process ends a moment later)."""
    deadline = time.monotonic() + 5
    while (count := _async_sessions(backend)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


def test_the_async_pool_opens_at_the_first_hot_request_and_closes_with_the_app(http_backend: Backend) -> None:
    before = _async_sessions(http_backend)
    with make_api(http_backend) as api:
        token = api.new_user("ada@example.com")
        assert _async_sessions(http_backend) == before, "nothing connects before a hot route is used"

        created = api.create("/entities", token, {"type": "person", "name": "Grace"})
        assert api.get(f"{API}/entities/{created['id']}", token=token).status_code == 200
        assert _async_sessions(http_backend) > before

    assert _settled_async_sessions(http_backend, before) == before, "the pool's sessions end with the app"
