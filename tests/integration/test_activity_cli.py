"""``conezia activity purge``: retention from the command line, in batches, with progress."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import psycopg
import pytest

from conezia.adapters.postgres.migrator import apply_migrations
from conezia.adapters.postgres.urls import connect_kwargs
from conezia.keys import create_key_file
from tests.integration.test_cli_and_embedding import run_cli

pytestmark = pytest.mark.integration


def _fill(url: str) -> uuid.UUID:
    user = uuid.uuid4()
    with psycopg.connect(**connect_kwargs(url), autocommit=True) as connection:
        connection.execute("INSERT INTO users (id, email) VALUES (%s, 'purge@example.com')", (user,))
        connection.execute(
            "INSERT INTO activity_logs (user_id, action, resource_type, inserted_at)"
            " SELECT %s, 'login', 'user', now() - make_interval(days => n) FROM generate_series(1, 120) AS n",
            (user,),
        )
    return user


def _left(url: str) -> int:
    with psycopg.connect(**connect_kwargs(url)) as connection:
        row = connection.execute("SELECT count(*) FROM activity_logs").fetchone()
    assert row is not None
    return int(row[0])


def test_purge_deletes_rows_past_retention_in_batches_and_says_how_far_it_got(
    fresh_database_url: str, tmp_path: Path
) -> None:
    apply_migrations(fresh_database_url)
    _fill(fresh_database_url)
    create_key_file(tmp_path / "keys.json")
    env = {"CONEZIA_DATABASE_URL": fresh_database_url, "CONEZIA_DATA_DIR": str(tmp_path),
           "CONEZIA_ACTIVITY_RETENTION_DAYS": "90"}

    done = run_cli("activity", "purge", "--batch-size", "10", env=env)

    assert done.returncode == 0, done.stderr
    assert _left(fresh_database_url) == 89  # days 1 to 89 are younger than 90 days
    progress = [int(n) for n in re.findall(r"(\d+) row\(s\) deleted so far", done.stderr)]
    assert progress == [10, 20, 30, 31]
    assert "deleted 31 activity log row(s) older than 90 day(s)" in done.stderr

    shorter = run_cli("activity", "purge", "--older-than-days", "30", env=env)
    assert shorter.returncode == 0, shorter.stderr
    assert _left(fresh_database_url) == 29


def test_purge_without_a_retention_says_what_to_set(fresh_database_url: str, tmp_path: Path) -> None:
    apply_migrations(fresh_database_url)
    env = {"CONEZIA_DATABASE_URL": fresh_database_url, "CONEZIA_DATA_DIR": str(tmp_path)}
    result = run_cli("activity", "purge", env=env)
    assert result.returncode != 0
    assert "CONEZIA_ACTIVITY_RETENTION_DAYS" in result.stderr and "Traceback" not in result.stderr


def test_the_embedding_api_reads_back_what_a_user_did_on_postgresql(migrated_database_url: str, tmp_path: Path) -> None:
    import conezia
    from conezia.settings import Settings

    create_key_file(tmp_path / "keys.json")
    settings = Settings(password_profile="test", pool_size=2)
    with conezia.open(migrated_database_url, key_file=tmp_path / "keys.json", settings=settings) as crm:
        crm.register(email="embed-log@example.com", password="Passw0rd-ok")
        me = crm.authenticate(crm.log_in("embed-log@example.com", "Passw0rd-ok").token)
        grace = me.create_entity(type="person", name="Grace Hopper")
        me.update_entity(grace.id, description="Compiler pioneer")
        link = me.link_auth_provider(provider="google", provider_uid="g-1", provider_token="ya29.secret")
        assert me.reveal_provider_tokens(link.id)["provider_token"] == "ya29.secret"
        me.unlink_auth_provider(link.id)

        rows = [(r.action, r.resource_type, r.metadata.get("operation"), r.metadata.get("fields"))
                for r in me.activity().items]
        assert rows[:5] == [
            ("update", "user", "unlink_provider", ["auth_providers"]),
            ("view", "user", "reveal", None),
            ("update", "user", "link_provider", ["auth_providers"]),
            ("update", "entity", None, ["description"]),
            ("create", "entity", None, None),
        ]
        assert "ya29.secret" not in str([r.metadata for r in me.activity().items])
