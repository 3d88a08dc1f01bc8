"""The ``uow_factory`` fixture: every contract test runs on each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

import pytest

from conezia.adapters.memory import MemoryStore, MemoryUnitOfWork
from conezia.core.ports import UnitOfWork

if TYPE_CHECKING:
    from conezia.adapters.postgres import PostgresDatabase

__all__ = ["postgres_database", "uow_factory"]

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


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
async def uow_factory(request: pytest.FixtureRequest) -> Callable[[], UnitOfWork]:
    """A zero-argument callable returning a fresh unit of work over an empty database."""
    if request.param == "memory":
        store = MemoryStore()
        return lambda: MemoryUnitOfWork(store)
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    await database.truncate_all()
    return database.unit_of_work
