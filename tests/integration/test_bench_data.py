"""What issue 8's bench writes straight into the tables is what the API would: valid rows, walked to the end.

Small sizes; nothing here times anything (``make bench`` does).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

import psycopg
import pytest

from bench import timeline_data
from bench.due_reminders import DueConfig, run_due_reminders
from conezia.adapters.postgres.urls import connect_kwargs
from conezia.bootstrap import build_deps, open_backend
from conezia.core import services
from conezia.core.pagination import PageRequest
from conezia.core.services.reminders import DUE_BATCH
from conezia.embedded import drop_database
from conezia.keys import KeyRing
from conezia.settings import Settings

__all__: list[str] = []


def test_the_due_reminders_measurement_sees_every_due_reminder_through_the_core_and_the_bare_sql(
    database_server_url: str,
) -> None:
    name = f"conezia_test_due_{uuid.uuid4().hex[:12]}"
    try:
        result = run_due_reminders(database_server_url, DueConfig(users=20, reminders=1_500, repeats=1), name)
    finally:
        drop_database(database_server_url, name)
    # both walks agreed with the seed, or run_due_reminders would have raised
    assert 1_000 < result.due < 1_200
    assert result.batches == math.ceil(result.due / DUE_BATCH) > 1
    assert result.notifications + result.held >= result.due  # every reminder notifies in_app at least
    assert result.core_s > 0 and result.bare_s > 0 and len(result.core_samples) == 1


def _owner(connection: psycopg.Connection[Any]) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    user = connection.execute(
        "INSERT INTO users (email) VALUES (%s) RETURNING id", (f"bench-{uuid.uuid4().hex[:8]}@example.com",)
    ).fetchone()
    assert user is not None
    entity = connection.execute(
        "INSERT INTO entities (owner_id, type, name) VALUES (%s, 'person', 'Bench') RETURNING id", (user[0],)
    ).fetchone()
    assert entity is not None
    conversation = connection.execute(
        "INSERT INTO conversations (user_id, entity_id, channel) VALUES (%s, %s, %s) RETURNING id",
        (user[0], entity[0], timeline_data.CHANNEL),
    ).fetchone()
    assert conversation is not None
    return user[0], entity[0], conversation[0]


@pytest.mark.anyio
async def test_copied_messages_page_in_order_through_the_core_and_restoring_undoes_logged_calls(
    migrated_database_url: str,
) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    with psycopg.connect(**connect_kwargs(migrated_database_url), autocommit=True) as connection:
        user_id, entity_id, conversation_id = _owner(connection)
        rows = list(timeline_data.message_rows(str(user_id), str(entity_id), str(conversation_id), 230, now))
        last = timeline_data.copy_messages(connection, iter(rows))
        assert last == rows[-1][7]
        before = timeline_data.snapshot(connection, str(user_id))

    backend = open_backend(migrated_database_url, pool_size=2)
    deps = build_deps(Settings(password_profile="test"), keys=KeyRing.generate(), backend=backend)
    try:
        contents: list[str] = []
        page = PageRequest(limit=timeline_data.PAGE_SIZE)
        while True:
            found = await services.list_messages(deps, user_id, conversation_id, page)
            contents += [message.content for message in found.items]
            if found.next_cursor is None:
                break
            page = PageRequest.parse(limit=timeline_data.PAGE_SIZE, cursor=found.next_cursor)
        assert contents == [row[5] for row in rows]
        # what log-interaction does between two restores
        await services.create_interaction(deps, user_id, entity_id, {"type": "call", "content": "x",
                                                                      "title": "Bench call 7"})
        kept = await services.create_interaction(deps, user_id, entity_id, {"type": "note", "content": "mine"})
    finally:
        await backend.aclose()

    with psycopg.connect(**connect_kwargs(migrated_database_url), autocommit=True) as connection:
        assert timeline_data.snapshot(connection, str(user_id)) != before
        timeline_data.restore(connection, str(user_id), before)
        assert timeline_data.snapshot(connection, str(user_id)) == before
        left = connection.execute("SELECT id FROM interactions WHERE user_id = %s", (user_id,)).fetchall()
        assert left == [(kept.id,)]
