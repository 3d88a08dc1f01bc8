"""The command line and the embedding API, against a real PostgreSQL."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import conezia
from conezia.core.errors import NotFoundError, ValidationError
from conezia.keys import create_key_file
from conezia.settings import Settings
from tests.threads import create_from_threads

SETTINGS = Settings(password_profile="test", pool_size=3)


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conezia.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_applies_everything_on_an_empty_database_and_reports_status(fresh_database_url: str, tmp_path: Path) -> None:
    env = {"CONEZIA_DATABASE_URL": fresh_database_url, "CONEZIA_DATA_DIR": str(tmp_path)}
    applied = run_cli("migrate", "apply", env=env)
    assert applied.returncode == 0, applied.stderr
    assert "19 migration(s) applied" in applied.stderr

    status = run_cli("migrate", "status", env=env)
    lines = status.stdout.splitlines()
    assert len(lines) == 19 and all(line.startswith("applied") for line in lines)

    rolled = run_cli("migrate", "rollback", "--count", "2", env=env)
    assert rolled.returncode == 0, rolled.stderr
    status = run_cli("migrate", "status", env=env).stdout.splitlines()
    assert [line.split()[0] for line in status] == ["applied"] * 17 + ["pending"] * 2


def test_keys_init_creates_an_owner_only_file_once_and_rotate_keeps_old_keys(tmp_path: Path) -> None:
    env = {"CONEZIA_DATA_DIR": str(tmp_path)}
    assert run_cli("keys", "init", env=env).returncode == 0
    path = tmp_path / "keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = json.loads(path.read_text())
    again = run_cli("keys", "init", env=env)
    assert "never overwritten" in again.stderr
    assert json.loads(path.read_text()) == first
    assert run_cli("keys", "rotate", env=env).returncode == 0
    rotated = json.loads(path.read_text())
    assert rotated["active_key_id"] != first["active_key_id"]
    assert set(first["encryption_keys"]) < set(rotated["encryption_keys"])


def test_an_administrator_changes_a_users_tier_from_the_command_line(migrated_database_url: str, tmp_path: Path) -> None:
    create_key_file(tmp_path / "keys.json")
    env = {"CONEZIA_DATABASE_URL": migrated_database_url, "CONEZIA_DATA_DIR": str(tmp_path), "CONEZIA_PASSWORD_PROFILE": "test"}
    with conezia.open(migrated_database_url, key_file=tmp_path / "keys.json", settings=SETTINGS) as crm:
        user = crm.register(email="tier-test@example.com", password="Passw0rd-ok")
        done = run_cli("admin", "set-tier", "tier-test@example.com", "professional", env=env)
        assert done.returncode == 0, done.stderr
        assert crm.as_user(user.id).profile().tier == "professional"
    missing = run_cli("admin", "set-tier", "nobody@example.com", "professional", env=env)
    assert missing.returncode != 0 and "no user with email" in missing.stderr


def test_a_missing_key_file_is_a_clear_error_not_a_traceback(migrated_database_url: str, tmp_path: Path) -> None:
    env = {"CONEZIA_DATABASE_URL": migrated_database_url, "CONEZIA_DATA_DIR": str(tmp_path / "empty")}
    result = run_cli("admin", "set-tier", "a@b.co", "free", env=env)
    assert result.returncode != 0
    assert "conezia keys init" in result.stderr and "Traceback" not in result.stderr


def test_the_embedding_api_works_over_postgresql_and_keeps_users_apart(migrated_database_url: str, tmp_path: Path) -> None:
    create_key_file(tmp_path / "keys.json")
    with conezia.open(migrated_database_url, key_file=tmp_path / "keys.json", settings=SETTINGS) as crm:
        crm.register(email="embed-a@example.com", password="Passw0rd-ok")
        crm.register(email="embed-b@example.com", password="Passw0rd-ok")
        a = crm.authenticate(crm.log_in("embed-a@example.com", "Passw0rd-ok").token)
        b = crm.authenticate(crm.log_in("embed-b@example.com", "Passw0rd-ok").token)

        grace = a.create_entity(type="person", name="Grace Hopper")
        ssn = a.add_identifier(grace.id, type="ssn", value="123-45-6789")
        assert ssn.value is None
        assert a.reveal_identifier(ssn.id) == "123-45-6789"
        assert [e.name for e in a.entities().items] == ["Grace Hopper"]
        assert b.entities().items == []
        with pytest.raises(NotFoundError):
            b.entity(grace.id)
        with pytest.raises(NotFoundError):
            b.reveal_identifier(ssn.id)
        with pytest.raises(ValidationError) as info:
            a.create_entity(type="robot", name="")
        assert set(info.value.errors) == {"type", "name"}
        assert [e.name for e in a.entities().items] == ["Grace Hopper"]


def test_the_sync_api_serves_eight_threads_at_once_over_one_small_pool(migrated_database_url: str, tmp_path: Path) -> None:
    create_key_file(tmp_path / "keys.json")
    with conezia.open(migrated_database_url, key_file=tmp_path / "keys.json", settings=SETTINGS) as crm:
        user = crm.register(email="threads@example.com", password="Passw0rd-ok")
        me = crm.as_user(user.id)
        failures, expected = create_from_threads(me, threads=8, each=5)
        assert failures == []
        assert {e.name for e in me.entities(limit=200).items} == expected


def test_a_store_opened_on_a_fresh_database_migrates_it_first(fresh_database_url: str, tmp_path: Path) -> None:
    create_key_file(tmp_path / "keys.json")
    with conezia.open(fresh_database_url, key_file=tmp_path / "keys.json", settings=SETTINGS) as crm:
        user = crm.register(email="fresh@example.com", password="Passw0rd-ok")
        assert crm.as_user(user.id).profile().email == "fresh@example.com"
    status = run_cli("migrate", "status", env={"CONEZIA_DATABASE_URL": fresh_database_url, "CONEZIA_DATA_DIR": str(tmp_path)})
    assert status.stdout and all(line.startswith("applied") for line in status.stdout.splitlines())


@pytest.mark.anyio
async def test_the_async_api_works_over_postgresql_and_keeps_users_apart(migrated_database_url: str, tmp_path: Path) -> None:
    create_key_file(tmp_path / "keys.json")
    async with conezia.open_async(migrated_database_url, key_file=tmp_path / "keys.json", settings=SETTINGS) as crm:
        await crm.register(email="async-a@example.com", password="Passw0rd-ok")
        await crm.register(email="async-b@example.com", password="Passw0rd-ok")
        a = await crm.authenticate((await crm.log_in("async-a@example.com", "Passw0rd-ok")).token)
        b = await crm.authenticate((await crm.log_in("async-b@example.com", "Passw0rd-ok")).token)
        grace = await a.create_entity(type="person", name="Grace Hopper", description="Compiler pioneer")
        await a.update_entity(grace.id, name="Rear Admiral Grace Hopper")
        assert (await a.entity(grace.id)).description == "Compiler pioneer"  # only the given field changed
        with pytest.raises(NotFoundError):
            await b.entity(grace.id)
        with pytest.raises(ValidationError) as info:
            await a.set_relationship(grace.id, type="nemesis", health_threshold_days=0)
        assert set(info.value.errors) == {"type", "health_threshold_days"}
        assert (await b.entities()).items == []


def test_a_database_that_cannot_be_reached_is_a_clear_error_not_a_traceback(migrated_database_url: str, tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    missing = make_url(migrated_database_url).set(database="conezia_no_such_database").render_as_string(hide_password=False)
    result = run_cli("migrate", "status", env={"CONEZIA_DATABASE_URL": missing, "CONEZIA_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "cannot use the database" in result.stderr and "CONEZIA_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
