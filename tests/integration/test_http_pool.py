"""The app's one connection pool opens on the server's event loop at the first request and closes with the app."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
from litestar.testing import TestClient

from conezia.adapters.postgres.migrator import apply_migrations
from conezia.bootstrap import create_app
from conezia.settings import Settings
from tests.integration.http_fixtures import API, PASSWORD, libpq_url, random_keys

# The name the PostgreSQL adapter gives its sessions.
APPLICATION_NAME = "conezia"
POOL_SIZE = 3


def _sessions(probe: psycopg.Connection[Any]) -> int:
    row = probe.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
        (APPLICATION_NAME,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _settled(probe: psycopg.Connection[Any], expected: int) -> int:
    """The count once it reaches ``expected`` (a closed session's server process ends a moment later)."""
    deadline = time.monotonic() + 5
    while (count := _sessions(probe)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


def test_the_apps_one_pool_connects_at_the_first_request_and_its_sessions_end_at_shutdown(
    fresh_database_url: str, tmp_path: Path
) -> None:
    apply_migrations(fresh_database_url)
    settings = Settings(
        database_url=fresh_database_url, data_dir=tmp_path, pool_size=POOL_SIZE, password_profile="test",
        allow_superuser=True,  # the test server's superuser; the role check has its own tests
    )
    app = create_app(settings, keys=random_keys())
    with psycopg.connect(libpq_url(fresh_database_url), autocommit=True) as probe:
        with TestClient(app) as client:
            assert _sessions(probe) == 0, "nothing connects before the first request"
            registered = client.post(f"{API}/auth/register", json={"email": "ada@example.com", "password": PASSWORD})
            assert registered.status_code == 201, registered.text
            assert _sessions(probe) >= 1

            login = client.post(f"{API}/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            entity = client.post(f"{API}/entities", headers=headers, json={"type": "person", "name": "Grace"})
            assert client.get(f"{API}/entities/{entity.json()['id']}", headers=headers).status_code == 200
            assert client.get(f"{API}/entities", headers=headers).status_code == 200
            assert client.post(f"{API}/tags", headers=headers, json={"name": "friends"}).status_code == 201
            assert client.get("/health/ready").status_code == 200
            # every route, hot or not, draws on the same pool
            assert 1 <= _sessions(probe) <= POOL_SIZE

        assert _settled(probe, 0) == 0, "the pool's sessions end when the app shuts down"
