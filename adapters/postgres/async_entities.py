"""The async entity port over an async psycopg pool, with the repositories' own statements."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any, Final

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Dialect, Table

from conezia.core.entities import Entity
from conezia.core.organizing import EntityFilter
from conezia.core.pagination import Page, PageRequest

from ._base import Prepared, driver_error, owned_values
from ._json import configure_json
from .contacts import ENTITY_FIELDS, GET_ENTITY, INSERT_ENTITY, entity_list_statement, entity_page
from .tables import entities

__all__ = ["APPLICATION_NAME", "PostgresAsyncEntities"]

APPLICATION_NAME: Final = "conezia (async)"


class PostgresAsyncEntities:
    """:class:`~conezia.core.ports.AsyncEntities` on an ``AsyncConnectionPool``.

    It runs the very statements :class:`~conezia.adapters.postgres.PostgresEntityRepository`
    runs, compiled by SQLAlchemy once, so the two cannot drift; each call is one
    statement in autocommit mode, and errors become the same core errors.

    The pool opens on the event loop of the first call and belongs to it: call
    :meth:`close` on that loop before it ends.

    Args:
        connect_args: keyword arguments for ``psycopg.connect``.
        dialect: the SQLAlchemy dialect that compiles the statements.
        pool_size: the most connections the pool holds.
    """

    def __init__(self, connect_args: Mapping[str, Any], *, dialect: Dialect, pool_size: int) -> None:
        # named, so that the pool's sessions are told apart in pg_stat_activity
        self._connect_args = {"application_name": APPLICATION_NAME, **connect_args, "autocommit": True}
        self._dialect = dialect
        self._pool_size = pool_size
        # the pool, once the first call has started opening it (concurrent first calls share it)
        self._opening: asyncio.Future[AsyncConnectionPool] | None = None

    async def close(self) -> None:
        """Close the pool and its connections; the next call opens a new one."""
        opening, self._opening = self._opening, None
        if opening is not None:
            pool = await opening
            await pool.close()

    async def get(self, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Entity | None:
        rows = await self._run(GET_ENTITY, {"b_id": entity_id, "b_owner_id": owner_id})
        return Entity(*rows[0]) if rows else None

    async def list(self, owner_id: uuid.UUID, criteria: EntityFilter, page: PageRequest) -> Page[Entity]:
        statement, params = entity_list_statement(owner_id, criteria, page)
        return entity_page(await self._run(statement, params), page)

    async def add(self, entity: Entity) -> None:
        await self._run(INSERT_ENTITY, owned_values(ENTITY_FIELDS, entity), entities)

    async def _run(
        self, prepared: Prepared, params: dict[str, Any], table: Table | None = None
    ) -> list[tuple[Any, ...]]:
        sql, defaults = prepared.compiled(self._dialect, params)
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open_pool())
        pool = await self._opening
        async with pool.connection() as connection:
            try:
                # binary results: timestamps and UUIDs load faster than from text
                cursor = await connection.execute(
                    sql, {**defaults, **params} if defaults else params, binary=True
                )
                return await cursor.fetchall() if prepared.returns_rows else []
            except psycopg.Error as error:
                # a broken connection is discarded by the pool when it comes back
                raise driver_error(error, sql, params, table, lost=connection.broken) from error

    async def _open_pool(self) -> AsyncConnectionPool:
        pool = AsyncConnectionPool(
            kwargs=self._connect_args,
            min_size=1,
            max_size=self._pool_size,
            configure=_configure,
            open=False,
            # waiting longer for a connection than a client waits for an answer helps no one
            timeout=10.0,
            name="conezia-async",
        )
        await pool.open()
        return pool


async def _configure(connection: psycopg.AsyncConnection[Any]) -> None:
    # The same decoding and encoding as the synchronous engine's connections.
    configure_json(connection)
