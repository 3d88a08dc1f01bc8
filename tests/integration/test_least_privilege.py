"""Least privilege: the owner migrates, the application role only reads and writes rows, no superuser serves."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import make_url

from conezia.adapters.postgres.urls import connect_kwargs, with_role
from conezia.bootstrap import create_app
from conezia.embedded import drop_database
from conezia.keys import create_key_file
from conezia.least_privilege import SuperuserRefused
from conezia.settings import Settings
from tests.database_fixtures import LeastPrivilegeDatabase, drop_roles, unique_roles

SCHEMA_CHANGES = [
    "CREATE TABLE intruder (id int)",
    "CREATE TEMPORARY TABLE intruder (id int)",
    "CREATE INDEX intruder ON users (created_at)",
    "DROP TABLE entity_tags",
    "ALTER TABLE users ADD COLUMN intruder text",
    "ALTER TABLE users DROP CONSTRAINT users_pkey",
    "TRUNCATE users CASCADE",
    "COMMENT ON TABLE users IS 'intruder'",
    "CREATE SCHEMA intruder",
    "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE EXTENSION IF NOT EXISTS hstore",
    "CREATE ROLE intruder",
    "ALTER ROLE CURRENT_USER SUPERUSER",
    "ALTER ROLE CURRENT_USER BYPASSRLS",
    "CREATE DATABASE intruder",
]


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conezia.cli", *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120, check=False,
    )


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(**connect_kwargs(url), autocommit=True)


@pytest.mark.parametrize("statement", SCHEMA_CHANGES)
def test_the_application_role_may_not_change_the_schema(least_privilege_database: LeastPrivilegeDatabase, statement: str) -> None:
    with connect(least_privilege_database.app_url) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute(statement)


def test_the_application_role_is_no_superuser_and_cannot_bypass_row_security(least_privilege_database: LeastPrivilegeDatabase) -> None:
    with connect(least_privilege_database.app_url) as connection:
        row = connection.execute(
            "SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, has_schema_privilege('public', 'CREATE'),"
            " has_database_privilege(current_database(), 'TEMPORARY')"
            " FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert row == (False, False, False, False, False, False)


def test_tables_a_later_migration_adds_are_readable_and_writable_by_the_application_role(
    least_privilege_database: LeastPrivilegeDatabase,
) -> None:
    table = f"later_{uuid.uuid4().hex[:8]}"
    with connect(least_privilege_database.owner_url) as owner:
        owner.execute(f"CREATE TABLE {table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)")
    try:
        with connect(least_privilege_database.app_url) as app:
            app.execute(f"INSERT INTO {table} (note) VALUES ('written by the app')")
            app.execute(f"UPDATE {table} SET note = note || '!'")
            assert app.execute(f"SELECT note FROM {table}").fetchall() == [("written by the app!",)]
            app.execute(f"DELETE FROM {table}")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(f"DROP TABLE {table}")
    finally:
        with connect(least_privilege_database.owner_url) as owner:
            owner.execute(f"DROP TABLE {table}")


@pytest.fixture
def external_database(database_server_url: str) -> Iterator[tuple[str, str]]:
    """(database name, role suffix) for ``conezia db init-roles``; both are dropped afterwards."""
    name = f"conezia_test_{uuid.uuid4().hex[:16]}"
    roles = unique_roles()
    try:
        yield name, roles.owner.removeprefix("conezia_owner_")
    finally:
        drop_database(database_server_url, name)
        drop_roles(database_server_url, roles)


def test_init_roles_creates_both_roles_once_prints_their_urls_and_the_owner_migrates_for_the_app(
    database_server_url: str, external_database: tuple[str, str], tmp_path: Path
) -> None:
    name, suffix = external_database
    owner, app = f"conezia_owner_{suffix}", f"conezia_app_{suffix}"
    args = ("db", "init-roles", "--admin-url", database_server_url, "--database", name, "--owner-role", owner, "--app-role", app)
    env = {"CONEZIA_DATA_DIR": str(tmp_path)}
    first = run_cli(*args, env=env)
    assert first.returncode == 0, first.stderr
    assert f"created role {owner}" in first.stderr and f"created role {app}" in first.stderr
    assert f"created database {name}, owned by {owner}" in first.stderr
    urls = dict(line.split("=", 1) for line in first.stdout.splitlines())
    assert set(urls) == {"CONEZIA_DATABASE_URL", "CONEZIA_MIGRATION_DATABASE_URL"}
    assert make_url(urls["CONEZIA_DATABASE_URL"]).password  # generated, shown once
    assert (make_url(urls["CONEZIA_DATABASE_URL"]).username, make_url(urls["CONEZIA_DATABASE_URL"]).database) == (app, name)

    again = run_cli(*args, env=env)
    assert again.returncode == 0, again.stderr
    assert "created" not in again.stderr and f"role {app} exists already" in again.stderr
    assert all(make_url(url).password is None for url in dict(line.split("=", 1) for line in again.stdout.splitlines()).values())

    # the owner migrates; the app role serves the rows; migrating as the app role is refused, saying what to do
    env.update(urls)
    assert run_cli("migrate", "apply", env=env).returncode == 0
    as_app = run_cli("migrate", "apply", env={**env, "CONEZIA_MIGRATION_DATABASE_URL": urls["CONEZIA_DATABASE_URL"]})
    assert "database is up to date" in as_app.stderr  # nothing to do needs no DDL
    with connect(urls["CONEZIA_DATABASE_URL"]) as connection:
        assert connection.execute("SELECT current_user, count(*) FROM users").fetchone() == (app, 0)
    rolled = run_cli("migrate", "rollback", env={**env, "CONEZIA_MIGRATION_DATABASE_URL": urls["CONEZIA_DATABASE_URL"]})
    assert rolled.returncode != 0 and "Traceback" not in rolled.stderr
    assert "CONEZIA_MIGRATION_DATABASE_URL" in rolled.stderr


def test_the_server_refuses_to_start_as_a_superuser_and_says_what_to_do(migrated_database_url: str, tmp_path: Path) -> None:
    create_key_file(tmp_path / "keys.json")
    env = {"CONEZIA_DATABASE_URL": migrated_database_url, "CONEZIA_DATA_DIR": str(tmp_path), "CONEZIA_PORT": "1"}
    refused = run_cli("serve", env=env)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "superuser" in refused.stderr
    assert "conezia db init-roles" in refused.stderr and "CONEZIA_ALLOW_SUPERUSER=true" in refused.stderr


def _health(settings: Settings, key_file: Path) -> int:
    with TestClient(create_app(settings, env={"CONEZIA_KEY_FILE": str(key_file)})) as client:
        return client.get("/health/ready").status_code


def test_an_app_over_a_superuser_fails_at_startup_unless_allowed(
    migrated_database_url: str, least_privilege_database: LeastPrivilegeDatabase, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys.json"
    create_key_file(key_file)
    superuser = Settings(database_url=migrated_database_url, key_file=key_file, password_profile="test")
    # Litestar's lifespan hands the startup hook's error back inside an exception group
    with pytest.RaisesGroup(pytest.RaisesExc(SuperuserRefused, match="CONEZIA_ALLOW_SUPERUSER"), flatten_subgroups=True):
        _health(superuser, key_file)
    assert _health(Settings(database_url=migrated_database_url, key_file=key_file, allow_superuser=True), key_file) == 200
    assert _health(Settings(database_url=least_privilege_database.app_url, key_file=key_file), key_file) == 200


def test_the_allow_superuser_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({"CONEZIA_ALLOW_SUPERUSER": "true"}).allow_superuser
    assert not Settings.from_env({}).allow_superuser
    url = with_role("postgresql://postgres@127.0.0.1/conezia", "conezia_owner")
    assert Settings.from_env({"CONEZIA_MIGRATION_DATABASE_URL": url}).migration_database_url == url
