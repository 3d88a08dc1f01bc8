"""The ``uow_factory`` fixture: every contract test runs on each backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from conezia.adapters.memory import MemoryStore, MemoryUnitOfWork
from conezia.core.ports import UnitOfWork

if TYPE_CHECKING:
    from conezia.adapters.postgres import PostgresDatabase

__all__ = ["postgres_database", "uow_factory"]


@pytest.fixture(scope="session")
def postgres_database(migrated_database_url: str) -> Iterator[PostgresDatabase]:
    """One connection pool over the session's migrated database."""
    from conezia.adapters.postgres import PostgresDatabase

    database = PostgresDatabase(migrated_database_url)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
def uow_factory(request: pytest.FixtureRequest) -> Callable[[], UnitOfWork]:
    """A zero-argument callable returning a fresh unit of work over an empty database."""
    if request.param == "memory":
        store = MemoryStore()
        return lambda: MemoryUnitOfWork(store)
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    database.truncate_all()
    return database.unit_of_work
