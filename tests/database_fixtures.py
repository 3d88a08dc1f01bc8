"""Fixtures for tests that need a real PostgreSQL server.

Set ``CONEZIA_TEST_DATABASE_URL`` to the URL of a database on an existing
server (its role must be allowed to create databases) to test against that
server; otherwise an embedded PostgreSQL is started for the test session.

``tests/conftest.py`` imports these once so that every test directory shares
one server per session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from conezia.adapters.postgres.migrator import apply_migrations
from conezia.embedded import (
    EmbeddedPostgres,
    create_database,
    drop_database,
    sqlalchemy_url,
)

__all__ = [
    "database_server_url",
    "fresh_database_url",
    "migrated_database_url",
]


@pytest.fixture(scope="session")
def database_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLAlchemy URL of a maintenance database on the test server."""
    configured = os.environ.get("CONEZIA_TEST_DATABASE_URL")
    if configured:
        yield sqlalchemy_url(configured)
        return
    server = EmbeddedPostgres()
    server.start(tmp_path_factory.mktemp("pgdata"))
    try:
        yield server.server_url
    finally:
        server.stop()


def _unique_database_name() -> str:
    return f"conezia_test_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def fresh_database_url(database_server_url: str) -> Iterator[str]:
    """SQLAlchemy URL of a new, empty database, dropped after the test."""
    name = _unique_database_name()
    url = create_database(database_server_url, name)
    try:
        yield url
    finally:
        drop_database(database_server_url, name)


@pytest.fixture(scope="session")
def migrated_database_url(database_server_url: str) -> Iterator[str]:
    """SQLAlchemy URL of a database with every migration applied, shared by the session."""
    name = _unique_database_name()
    url = create_database(database_server_url, name)
    try:
        apply_migrations(url)
        yield url
    finally:
        drop_database(database_server_url, name)
