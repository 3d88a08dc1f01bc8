"""A parent's attachments are read in order from that parent's index and the page stops there
(as tests/integration/test_query_plans.py checks for the other lists), however many files the owner has."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from conezia.adapters.postgres.attachments import attachment_list_statement
from conezia.adapters.postgres.migrator import apply_migrations
from conezia.adapters.postgres.urls import connect_kwargs
from conezia.core.attachments import Parents
from conezia.core.pagination import PageRequest
from conezia.embedded import create_database, drop_database
from tests.integration.test_query_plans import assert_reads_a_page

__all__: list[str] = []

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
OWNER = uuid.UUID(int=1)
ENTITY = uuid.UUID(int=2)  # with many attachments
INTERACTION = uuid.UUID(int=3)
OTHERS = [uuid.UUID(int=100 + n) for n in range(5)]
ENTITIES = 200
PAGE = PageRequest(limit=50)
AFTER = (T0 + dt.timedelta(minutes=100), uuid.UUID(int=0))


def _load(connection: psycopg.Connection[Any]) -> None:
    digest = "0" * 64
    with connection.cursor() as cursor:
        with cursor.copy("COPY users (id, email) FROM STDIN") as copy:
            for user in (OWNER, *OTHERS):
                copy.write_row((user, f"{user.hex}@example.com"))
        entities = [(ENTITY if (user, n) == (OWNER, 0) else uuid.uuid4(), user)
                    for user in (OWNER, *OTHERS) for n in range(ENTITIES)]
        with cursor.copy("COPY entities (id, owner_id, type, name) FROM STDIN") as copy:
            for entity, user in entities:
                copy.write_row((entity, user, "person", "e"))
        cursor.execute(
            "INSERT INTO interactions (id, user_id, entity_id, type, content) VALUES (%s, %s, %s, 'note', 'x')",
            (INTERACTION, OWNER, ENTITY),
        )
        with cursor.copy(
            "COPY attachments (user_id, entity_id, interaction_id, filename, mime_type, size_bytes, storage_key,"
            " sha256, inserted_at) FROM STDIN"
        ) as copy:
            for entity, user in entities:
                for n in range(500 if entity == ENTITY else 20):
                    copy.write_row((user, entity, INTERACTION if entity == ENTITY and n % 2 else None, "f.pdf",
                                    "application/pdf", 10, f"{user}/{uuid.uuid4().hex}", digest,
                                    T0 + dt.timedelta(minutes=n)))
        cursor.execute("ANALYZE")


@pytest.fixture(scope="module")
def connection(database_server_url: str) -> Iterator[psycopg.Connection[Any]]:
    name = f"conezia_attachment_plans_{uuid.uuid4().hex[:12]}"
    url = create_database(database_server_url, name)
    try:
        apply_migrations(url)
        with psycopg.connect(**connect_kwargs(url), autocommit=True) as connection:
            _load(connection)
            yield connection
    finally:
        drop_database(database_server_url, name)


CASES = {
    "an entity's attachments": (Parents(entity_id=ENTITY), PAGE, "attachments_entity_id_index"),
    "an entity's attachments after a cursor": (
        Parents(entity_id=ENTITY), PageRequest(limit=50, after=AFTER), "attachments_entity_id_index"),
    "an interaction's attachments": (Parents(interaction_id=INTERACTION), PAGE, "attachments_interaction_id_index"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_parents_attachments_are_read_in_order_from_its_index_and_the_page_stops(
    connection: psycopg.Connection[Any], case: str
) -> None:
    parent, page, index = CASES[case]
    statement, params = attachment_list_statement(OWNER, parent, page)
    assert_reads_a_page(connection, statement, params, index, case, cursor=r"ROW\(inserted_at, id\) >")
