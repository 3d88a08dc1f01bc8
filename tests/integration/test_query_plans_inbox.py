"""The feed's pages read in order from an index and stop (as tests/integration/test_query_plans.py checks for the
other tables): all of a user's notifications newest first, the unread ones, the read ones, after a cursor."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from conezia.adapters.postgres.inbox import notification_list_statement
from conezia.adapters.postgres.migrator import apply_migrations
from conezia.adapters.postgres.urls import connect_kwargs
from conezia.core.pagination import PageRequest
from conezia.embedded import create_database, drop_database
from tests.integration.test_query_plans import assert_reads_a_page

__all__: list[str] = []

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
OWNER = uuid.UUID(int=1)
USERS = [OWNER, *(uuid.UUID(int=100 + n) for n in range(20))]
PER_USER = 1_000
PAGE = PageRequest(limit=50)
AFTER = PageRequest(limit=50, after=(T0 + dt.timedelta(minutes=500), uuid.UUID(int=0)))


@pytest.fixture(scope="module")
def connection(database_server_url: str) -> Iterator[psycopg.Connection[Any]]:
    name = f"conezia_inbox_plans_{uuid.uuid4().hex[:12]}"
    url = create_database(database_server_url, name)
    try:
        apply_migrations(url)
        with psycopg.connect(**connect_kwargs(url), autocommit=True) as connection:
            with connection.cursor() as cursor:
                with cursor.copy("COPY users (id, email) FROM STDIN") as copy:
                    for user in USERS:
                        copy.write_row((user, f"{user.hex}@example.com"))
                with cursor.copy("COPY notifications (user_id, kind, title, due_at, read_at, inserted_at) FROM STDIN") as copy:
                    for user in USERS:
                        for n in range(PER_USER):
                            at = T0 + dt.timedelta(minutes=n)
                            copy.write_row((user, "reminder", "t", at, at if n % 10 else None, at))
                cursor.execute("ANALYZE")
            yield connection
    finally:
        drop_database(database_server_url, name)


CASES = {
    "the feed": (None, PAGE, "notifications_user_id_inserted_at_index"),
    "the feed after a cursor": (None, AFTER, "notifications_user_id_inserted_at_index"),
    "the unread ones": (True, PAGE, "notifications_unread_user_id_inserted_at_index"),
    "the unread ones after a cursor": (True, AFTER, "notifications_unread_user_id_inserted_at_index"),
    "the read ones after a cursor": (False, AFTER, "notifications_user_id_inserted_at_index"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_page_of_the_feed_reads_its_rows_in_order_from_an_index_and_stops(
    connection: psycopg.Connection[Any], case: str
) -> None:
    unread, page, index = CASES[case]
    statement, params = notification_list_statement(OWNER, unread, page)
    assert_reads_a_page(connection, statement, params, index, case, cursor=r"ROW\(inserted_at, id\) <")
