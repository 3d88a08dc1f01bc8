"""The async pool behind the hot entity routes lives and dies with the app's event loop."""

from __future__ import annotations

import time

import psycopg
from litestar.testing import TestClient

from conezia.adapters.postgres.async_entities import APPLICATION_NAME
from conezia.bootstrap import Backend, build_deps, create_app
from conezia.settings import Settings
from tests.integration.http_fixtures import API, PASSWORD, http_backend, random_keys  # noqa: F401 - fixtures


def _async_sessions(backend: Backend) -> int:
    url = backend.database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as connection:
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
    http_backend.database.truncate_all()
    settings = Settings(password_profile="test", database_url="unused")
    app = create_app(settings, deps=build_deps(settings, keys=random_keys(), backend=http_backend))
    before = _async_sessions(http_backend)
    try:
        with TestClient(app) as client:
            client.post(f"{API}/auth/register", json={"email": "ada@example.com", "password": PASSWORD})
            token = client.post(f"{API}/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.json()['token']}"}
            assert _async_sessions(http_backend) == before, "nothing connects before a hot route is used"

            created = client.post(f"{API}/entities", headers=headers, json={"type": "person", "name": "Grace"})
            assert created.status_code == 201
            assert client.get(f"{API}/entities/{created.json()['id']}", headers=headers).status_code == 200
            assert _async_sessions(http_backend) > before

        assert _settled_async_sessions(http_backend, before) == before, "the pool's sessions end with the app"
    finally:
        http_backend.database.truncate_all()
