"""The PostgreSQL database: one async connection pool, and units of work over it."""

from __future__ import annotations

import asyncio
import select
from typing import Any, Final

import psycopg
from psycopg_pool import AsyncConnectionPool

from conezia.core.messagebus import MessageBus

from . import tables
from ._json import configure_json
from ._lender import Lender
from ._recent import RecentRows
from .unit_of_work import PostgresUnitOfWork
from .urls import APPLICATION_NAME, connect_kwargs, engine_url

__all__ = ["APPLICATION_NAME", "PostgresDatabase", "engine_url"]

# Waiting longer for a connection than a client waits for an answer helps no one.
_CHECKOUT_TIMEOUT: Final = 10.0


class PostgresDatabase:
    """Owns one ``AsyncConnectionPool``; hands out one :class:`PostgresUnitOfWork` per use-case call.

    Creating it does not connect. The pool opens on the event loop of the first
    use (concurrent first uses share one opening) and belongs to that loop:
    call :meth:`close` on it before it ends; a later use opens a new pool.

    Its connections are in autocommit mode, UTC, named ``conezia`` in
    ``pg_stat_activity``, and read and write jsonb with msgspec. Units of work
    send BEGIN themselves, at their first write or locking read.

    Args:
        url: Where the database is (``postgresql://``, ``postgres://`` or
            ``postgresql+psycopg://``, unix-socket URLs included).
        pool_size: The most connections the pool holds; it keeps at least one.
        checkout_timeout: Seconds a unit of work waits for a connection (while the
            database is down or every connection is busy) before it raises
            :class:`~conezia.core.errors.UnavailableError`.

    Attributes:
        url: The URL it was given.
        pool_size: The most connections the pool holds.
    """

    def __init__(self, url: str, *, pool_size: int = 10, checkout_timeout: float = _CHECKOUT_TIMEOUT) -> None:
        if pool_size < 1:
            raise ValueError(f"pool_size must be at least 1, got {pool_size}")
        self.url = url
        self.pool_size = pool_size
        self.checkout_timeout = checkout_timeout
        self._connect_kwargs = connect_kwargs(url)
        # the pool, once the first use has started opening it, and the loop it belongs to
        self._opening: asyncio.Future[Lender] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # the rows an edit may start from without reading them (see RecentRows), for every unit of work here
        self.recent = RecentRows()

    def driver_connect_args(self) -> dict[str, Any]:
        """Keyword arguments for ``psycopg.connect`` that reach this database with these session settings."""
        return dict(self._connect_kwargs)

    def unit_of_work(self, bus: MessageBus | None = None) -> PostgresUnitOfWork:
        """A new unit of work, publishing its events to ``bus``; entering it checks a connection out of the pool."""
        return PostgresUnitOfWork(self.lender, self.recent, bus)

    async def pool(self) -> AsyncConnectionPool[Any]:
        """The open pool, opened now on the running loop if it is not yet."""
        return (await self.lender()).pool

    async def lender(self) -> Lender:
        """What lends the open pool's connections to units of work (see :class:`Lender`), opened now if need be."""
        opening = self._opening
        loop = asyncio.get_running_loop()
        if (
            opening is None
            or self._loop is not loop
            or (opening.done() and (opening.cancelled() or opening.exception() is not None))
        ):
            opening = self._start_opening()
        elif opening.done():
            return opening.result()  # open: no shield (a future per call) needed
        # shielded: one caller's cancellation must not cancel the opening the others wait for
        return await asyncio.shield(opening)

    async def close(self) -> None:
        """Close the pool and its connections; the next use opens a new one."""
        opening, self._opening, self._loop = self._opening, None, None
        if opening is not None:
            lender = await opening
            await lender.pool.close()

    async def truncate_all(self) -> None:
        """Empty every table (for tests)."""
        names = ", ".join(f'"{table.name}"' for table in tables.metadata.sorted_tables)
        self.recent = RecentRows()
        pool = await self.pool()
        async with pool.connection() as connection:
            await connection.execute(f"TRUNCATE {names} CASCADE")

    async def ping(self, *, wait: float = 5.0) -> bool:
        """Whether the database answers a query, waiting at most ``wait`` seconds for a connection."""
        try:
            pool = await self.pool()
            async with pool.connection(timeout=wait) as connection:
                await connection.execute("SELECT 1")
        except (psycopg.Error, OSError):  # the pool's timeout is a psycopg error too
            return False
        return True

    def _start_opening(self) -> asyncio.Future[Lender]:
        loop = asyncio.get_running_loop()
        if self._loop is not None and self._loop is not loop and not self._loop.is_closed():
            raise RuntimeError("the pool belongs to another running event loop; close it there first")
        # a pool left open on a loop that has ended cannot be closed any more: start over
        self._loop = loop
        self._opening = asyncio.ensure_future(self._open_pool())
        return self._opening

    async def _open_pool(self) -> Lender:
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            kwargs={**self._connect_kwargs, "autocommit": True},
            min_size=1,
            max_size=self.pool_size,
            configure=_configure,
            check=_still_open,
            open=False,
            timeout=self.checkout_timeout,
            name=APPLICATION_NAME,
        )
        await pool.open()
        return Lender(pool, self.pool_size, self.checkout_timeout)


async def _still_open(connection: psycopg.AsyncConnection[Any]) -> None:
    """Refuse to lend an idle connection the server has said goodbye on (the pool then lends another).

    An idle connection has nothing to read: if its socket is readable, the server
    terminated it or shut down, and sent its last message and closed. Looking
    costs one system call, where a test query would cost a round trip; it matters
    because a unit of work's first statement may be its only one, a write that is
    never sent twice.
    """
    if select.select([connection.pgconn.socket], [], [], 0)[0]:
        await connection.close()  # closed, the pool discards it and opens another; open, it would lend it again
        raise psycopg.OperationalError("the server closed this idle connection")


async def _configure(connection: psycopg.AsyncConnection[Any]) -> None:
    # jsonb read and written with msgspec, on every connection the pool opens
    configure_json(connection)
