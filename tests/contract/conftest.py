"""The ``uow_factory`` fixture: every contract test runs on each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

import pytest

from conezia.adapters.memory import MemoryStore, MemoryUnitOfWork
from conezia.core.ports import UnitOfWork

if TYPE_CHECKING:
    from conezia.adapters.postgres import PostgresDatabase

__all__ = ["empty_postgres", "postgres_database", "uow_factory"]

# every contract test is async, on the session's one event loop
pytestmark = pytest.mark.anyio


@pytest.fixture(scope="session")
async def postgres_database(migrated_database_url: str) -> AsyncIterator[PostgresDatabase]:
    """One connection pool over the session's migrated database, on the session's event loop."""
    from conezia.adapters.postgres import PostgresDatabase

    database = PostgresDatabase(migrated_database_url)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def empty_postgres(postgres_database: PostgresDatabase) -> PostgresDatabase:
    """The session's database, emptied for this test."""
    await postgres_database.truncate_all()
    return postgres_database


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
def uow_factory(request: pytest.FixtureRequest) -> Callable[[], UnitOfWork]:
    """A zero-argument callable returning a fresh unit of work over an empty database."""
    if request.param == "memory":
        store = MemoryStore()
        return lambda: MemoryUnitOfWork(store)
    # a sync fixture asks for the async one, which anyio runs on the session's loop
    database: PostgresDatabase = request.getfixturevalue("empty_postgres")
    return database.unit_of_work
