"""The PostgreSQL database: an engine with its connection pool, and units of work over it."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from . import tables
from ._json import configure_json
from .async_entities import PostgresAsyncEntities
from .unit_of_work import PostgresUnitOfWork
from .urls import engine_url

__all__ = ["PostgresDatabase", "engine_url"]

# Timestamps come back in UTC, and "+ n days" means n * 24 hours, as in Python.
_UTC_SESSION: Final = "-c TimeZone=UTC"


class PostgresDatabase:
    """Owns the engine; hands out one :class:`PostgresUnitOfWork` per use-case call.

    Creating it does not connect: the pool opens connections on first use.

    Args:
        url: Where the database is (see :func:`engine_url`).
        pool_size: Connections kept open in the pool.
        max_overflow: Connections opened beyond ``pool_size`` under load, closed when returned.

    Attributes:
        engine: The SQLAlchemy engine. Its connections are in autocommit mode
            (units of work send BEGIN themselves, at their first write): use
            :meth:`unit_of_work` for anything that needs a transaction.
    """

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 10) -> None:
        target = engine_url(url)
        options = target.query.get("options")
        if isinstance(options, tuple):
            options = " ".join(options)
        connect_args: dict[str, Any] = {
            "options": f"{options} {_UTC_SESSION}" if options else _UTC_SESSION,
        }
        self.engine: Engine = create_engine(
            target,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=False,
            # A unit of work always ends its own transaction (COMMIT or ROLLBACK); the pool's
            # extra reset on every return would only add work to each request.
            pool_reset_on_return=None,
            # Set once per pooled connection, not switched at every checkout.
            isolation_level="AUTOCOMMIT",
            connect_args=connect_args,
        )
        event.listen(self.engine, "connect", _configure_json)
        self._connect_args = connect_args
        self.pool_size = pool_size

    def driver_connect_args(self) -> dict[str, Any]:
        """Keyword arguments for ``psycopg.connect`` that reach this database with these session settings."""
        _, params = self.engine.dialect.create_connect_args(self.engine.url)
        params.pop("context", None)  # SQLAlchemy's own adapters; async connections configure theirs
        return {**params, **self._connect_args}

    def async_entities(self) -> PostgresAsyncEntities:
        """A new async entity port over this database, with its own pool (opened on first use)."""
        return PostgresAsyncEntities(
            self.driver_connect_args(), dialect=self.engine.dialect, pool_size=self.pool_size
        )

    def unit_of_work(self) -> PostgresUnitOfWork:
        """A new unit of work; entering it checks a connection out of the pool."""
        return PostgresUnitOfWork(self.engine)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def truncate_all(self) -> None:
        """Empty every table (for tests)."""
        preparer = self.engine.dialect.identifier_preparer
        names = ", ".join(preparer.format_table(table) for table in tables.metadata.sorted_tables)
        with self.engine.connect() as connection:
            connection.execute(text(f"TRUNCATE {names} CASCADE"))

    def ping(self) -> bool:
        """Whether the database answers a query."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except (SQLAlchemyError, OSError):
            return False
        return True


def _configure_json(dbapi_connection: Any, _record: Any) -> None:
    # jsonb read with msgspec on every path; prepared statements hand jsonb parameters
    # (metadata, settings, rules) to psycopg as dicts, which SQLAlchemy's own path never does.
    configure_json(dbapi_connection)
