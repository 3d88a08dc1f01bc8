"""A lost connection: a read runs once more on a fresh one, a write never does, and both end as UnavailableError.

Sessions are terminated with ``pg_terminate_backend``, in a database of the test's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest

from conezia.adapters.postgres import PostgresDatabase, PostgresUnitOfWork
from conezia.adapters.postgres.migrator import apply_migrations
from conezia.core.errors import UnavailableError
from tests.contract.builders import a_user
from tests.integration.http_fixtures import libpq_url

pytestmark = pytest.mark.anyio


@pytest.fixture
def admin(fresh_database_url: str) -> Iterator[psycopg.Connection[Any]]:
    apply_migrations(fresh_database_url)
    with psycopg.connect(libpq_url(fresh_database_url), autocommit=True) as connection:
        yield connection


@pytest.fixture
async def database(fresh_database_url: str, admin: psycopg.Connection[Any]) -> AsyncIterator[PostgresDatabase]:
    own = PostgresDatabase(fresh_database_url, pool_size=2)
    try:
        yield own
    finally:
        await own.close()


def _terminate(admin: psycopg.Connection[Any], pid: int | None = None) -> int:
    """End the app's sessions in this database (or the one with ``pid``); how many there were."""
    rows = admin.execute(
        # waits (up to 10 s) until each session has ended, so that its socket is closed
        "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'conezia' AND (%(pid)s::int IS NULL OR pid = %(pid)s::int)",
        {"pid": pid},
    ).fetchall()
    return len(rows)


def _users(admin: psycopg.Connection[Any]) -> int:
    row = admin.execute("SELECT count(*) FROM users").fetchone()
    assert row is not None
    return int(row[0])


def _backend_pid(uow: PostgresUnitOfWork) -> int:
    connection = uow._transaction.connection
    assert connection is not None
    return connection.info.backend_pid


async def _warm(database: PostgresDatabase) -> None:
    """Leave an idle connection in the pool."""
    async with database.unit_of_work() as uow:
        assert await uow.users.get(a_user().id) is None


async def test_a_read_whose_idle_connection_was_lost_runs_again_on_a_fresh_one(
    database: PostgresDatabase, admin: psycopg.Connection[Any]
) -> None:
    await _warm(database)
    assert _terminate(admin) >= 1
    async with database.unit_of_work() as uow:
        assert await uow.users.get(a_user().id) is None
        assert await uow.users.get(a_user().id) is None


async def test_an_idle_connection_the_server_closed_is_not_lent_and_a_write_commits_on_a_fresh_one(
    database: PostgresDatabase, admin: psycopg.Connection[Any]
) -> None:
    await _warm(database)
    assert _terminate(admin) >= 1
    user = a_user()
    async with database.unit_of_work() as uow:
        await uow.users.add(user)
        await uow.commit()  # the insert is the first statement: it must not go to the dead connection
    assert _users(admin) == 1


async def test_a_write_whose_connection_is_lost_is_not_retried_and_is_unavailable(
    database: PostgresDatabase, admin: psycopg.Connection[Any]
) -> None:
    # lost in the transaction the first write began
    async with database.unit_of_work() as uow:
        await uow.users.add(a_user())
        assert await uow.users.get(a_user().id) is None  # sends the insert after BEGIN
        assert _terminate(admin, _backend_pid(uow)) == 1
        with pytest.raises(UnavailableError):
            await uow.users.get(a_user().id)
    # lost before the commit that sends the writes, after a read outside any transaction
    async with database.unit_of_work() as uow:
        assert await uow.users.get(a_user().id) is None
        await uow.users.add(a_user())
        assert _terminate(admin, _backend_pid(uow)) == 1
        with pytest.raises(UnavailableError):
            await uow.commit()
    # lost in the transaction, before COMMIT
    async with database.unit_of_work() as uow:
        await uow.users.add(a_user())
        assert await uow.users.get(a_user().id) is None
        assert _terminate(admin, _backend_pid(uow)) == 1
        with pytest.raises(UnavailableError):
            await uow.commit()
    assert _users(admin) == 0, "nothing of any of them was written, nor written again"


async def test_a_unit_of_work_replaces_a_lost_connection_once_then_is_unavailable(
    database: PostgresDatabase, admin: psycopg.Connection[Any]
) -> None:
    async with database.unit_of_work() as uow:
        assert await uow.users.get(a_user().id) is None
        first = _backend_pid(uow)
        assert _terminate(admin, first) == 1
        assert await uow.users.get(a_user().id) is None  # run again on a fresh connection
        assert _backend_pid(uow) != first
        assert _terminate(admin, _backend_pid(uow)) == 1
        with pytest.raises(UnavailableError):
            await uow.users.get(a_user().id)
    await _warm(database)  # the pool lends live connections afterwards


async def test_an_unreachable_database_is_unavailable_once_no_connection_came_in_time() -> None:
    # nothing listens on port 1 of the loopback address
    database = PostgresDatabase("postgresql://postgres@127.0.0.1:1/nowhere", checkout_timeout=0.5)
    try:
        with pytest.raises(UnavailableError) as raised:
            async with database.unit_of_work() as uow:
                await uow.users.get(a_user().id)
        assert raised.value.cause == "PoolTimeout"
    finally:
        await database.close()


async def test_when_every_connection_is_lent_a_unit_of_work_waits_in_line_and_then_gets_one(
    migrated_database_url: str,
) -> None:
    database = PostgresDatabase(migrated_database_url, pool_size=1, checkout_timeout=5.0)
    try:
        holding = database.unit_of_work()
        await holding.__aenter__()
        await holding.users.get(a_user().id)  # the one connection is lent

        async def waiting() -> None:
            async with database.unit_of_work() as uow:
                assert await uow.users.get(a_user().id) is None

        waiter = asyncio.ensure_future(waiting())
        await asyncio.sleep(0.2)
        assert not waiter.done(), "the second unit of work waits for the connection"
        await holding.__aexit__(None, None, None)
        await asyncio.wait_for(waiter, 5.0)
    finally:
        await database.close()


async def test_a_unit_of_work_that_waited_in_line_past_the_checkout_timeout_is_unavailable(
    migrated_database_url: str,
) -> None:
    database = PostgresDatabase(migrated_database_url, pool_size=1, checkout_timeout=0.3)
    try:
        async with database.unit_of_work() as holding:
            await holding.users.get(a_user().id)
            with pytest.raises(UnavailableError) as raised:
                async with database.unit_of_work() as uow:
                    await uow.users.get(a_user().id)
            assert raised.value.cause == "PoolTimeout"
        async with database.unit_of_work() as uow:  # its place in line was given back
            assert await uow.users.get(a_user().id) is None
    finally:
        await database.close()
