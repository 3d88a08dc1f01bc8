"""The timeline's lists read their pages in order from an index and stop (as tests/integration/test_query_plans.py
checks for the other tables): interactions newest first, conversations, a conversation's messages."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from conezia.adapters.postgres._prepared import Prepared
from conezia.adapters.postgres.migrator import apply_migrations
from conezia.adapters.postgres.timeline import (
    conversation_list_statement,
    interaction_list_statement,
    message_list_statement,
)
from conezia.adapters.postgres.urls import connect_kwargs
from conezia.core.pagination import PageRequest
from conezia.embedded import create_database, drop_database
from tests.integration.test_query_plans import assert_reads_a_page

__all__: list[str] = []

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
OWNER = uuid.UUID(int=1)
ENTITY = uuid.UUID(int=2)  # the owner's entity with many interactions and conversations
CONVERSATION = uuid.UUID(int=3)  # the owner's conversation with many messages
OTHERS = [uuid.UUID(int=100 + n) for n in range(10)]
ENTITIES = 200  # per user
INTERACTIONS = 20  # per entity
CONVERSATIONS = 5  # per entity
MESSAGES = 10_000  # in CONVERSATION
PAGE = PageRequest(limit=50)
AFTER = (T0 + dt.timedelta(minutes=20), uuid.UUID(int=0))  # within every list: rows before and after it


def _load(connection: psycopg.Connection[Any]) -> None:
    with connection.cursor() as cursor:
        with cursor.copy("COPY users (id, email) FROM STDIN") as copy:
            for user in (OWNER, *OTHERS):
                copy.write_row((user, f"{user.hex}@example.com"))
        entities = [
            (ENTITY if (user, n) == (OWNER, 0) else uuid.uuid4(), user) for user in (OWNER, *OTHERS) for n in range(ENTITIES)
        ]
        with cursor.copy("COPY entities (id, owner_id, type, name) FROM STDIN") as copy:
            for entity, user in entities:
                copy.write_row((entity, user, "person", "e"))
        with cursor.copy("COPY interactions (user_id, entity_id, type, content, occurred_at) FROM STDIN") as copy:
            for entity, user in entities:
                for n in range(INTERACTIONS * (10 if entity == ENTITY else 2)):
                    copy.write_row((user, entity, "note", "x", T0 + dt.timedelta(minutes=n)))
        conversations = []
        with cursor.copy(
            "COPY conversations (id, user_id, entity_id, channel, is_archived, inserted_at) FROM STDIN"
        ) as copy:
            for entity, user in entities:
                for n in range(CONVERSATIONS * (10 if entity == ENTITY else 1)):
                    conversation = CONVERSATION if (entity, n) == (ENTITY, 0) else uuid.uuid4()
                    conversations.append((conversation, user, entity))
                    copy.write_row((conversation, user, entity, "email", n % 7 == 6, T0 + dt.timedelta(minutes=n)))
        with cursor.copy(
            "COPY communications (conversation_id, user_id, entity_id, channel, direction, content, sent_at)"
            " FROM STDIN"
        ) as copy:
            for conversation, user, entity in conversations:
                for n in range(MESSAGES if conversation == CONVERSATION else 3):
                    copy.write_row((conversation, user, entity, "email", "inbound", "x", T0 + dt.timedelta(seconds=n)))
        cursor.execute("ANALYZE")


@pytest.fixture(scope="module")
def connection(database_server_url: str) -> Iterator[psycopg.Connection[Any]]:
    name = f"conezia_timeline_plans_{uuid.uuid4().hex[:12]}"
    url = create_database(database_server_url, name)
    try:
        apply_migrations(url)
        with psycopg.connect(**connect_kwargs(url), autocommit=True) as connection:
            _load(connection)
            yield connection
    finally:
        drop_database(database_server_url, name)


def _after(page: PageRequest = PAGE) -> PageRequest:
    return PageRequest(limit=page.limit, after=AFTER)


Case = Callable[[], tuple[Prepared, dict[str, Any]]]
PAGED: dict[str, tuple[Case, str, str]] = {
    "the user's interactions, newest first": (
        lambda: interaction_list_statement(OWNER, None, PAGE), "interactions_user_id_occurred_at_id_index", "occurred_at",
    ),
    "the user's interactions after a cursor": (
        lambda: interaction_list_statement(OWNER, None, _after()), "interactions_user_id_occurred_at_id_index",
        "occurred_at",
    ),
    "an entity's interactions": (
        lambda: interaction_list_statement(OWNER, ENTITY, PAGE), "interactions_entity_id_occurred_at_id_index",
        "occurred_at",
    ),
    "an entity's interactions after a cursor": (
        lambda: interaction_list_statement(OWNER, ENTITY, _after()), "interactions_entity_id_occurred_at_id_index",
        "occurred_at",
    ),
    "the user's conversations": (
        lambda: conversation_list_statement(OWNER, None, None, PAGE), "conversations_user_id_inserted_at_id_index",
        "inserted_at",
    ),
    "the user's live conversations after a cursor": (
        lambda: conversation_list_statement(OWNER, None, False, _after()),
        "conversations_user_id_inserted_at_id_index", "inserted_at",
    ),
    "the user's archived conversations": (
        lambda: conversation_list_statement(OWNER, None, True, PAGE),
        "conversations_archived_user_id_inserted_at_id_index", "inserted_at",
    ),
    "an entity's conversations after a cursor": (
        lambda: conversation_list_statement(OWNER, ENTITY, None, _after()),
        "conversations_entity_id_inserted_at_id_index", "inserted_at",
    ),
    "a conversation's messages": (
        lambda: message_list_statement(OWNER, CONVERSATION, PAGE), "communications_conversation_id_sent_at_id_index",
        "sent_at",
    ),
    "a conversation's messages after a cursor": (
        lambda: message_list_statement(OWNER, CONVERSATION, _after()),
        "communications_conversation_id_sent_at_id_index", "sent_at",
    ),
}


@pytest.mark.parametrize("case", list(PAGED))
def test_a_timeline_page_reads_its_rows_in_order_from_an_index_and_stops(
    connection: psycopg.Connection[Any], case: str
) -> None:
    build, index, key = PAGED[case]
    statement, params = build()
    assert_reads_a_page(connection, statement, params, index, case, cursor=rf"ROW\({key}, id\) [<>]")
