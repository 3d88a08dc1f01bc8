"""The two baselines ``make bench`` compares the real server with.

Served by granian exactly like ``conezia serve`` (ASGI, uvloop, same worker count):

* ``GET /hello`` returns ``{"hello": "world"}``: what Litestar plus granian cost at all.
* ``GET /entities/{owner_id}/{entity_id}`` runs the SELECT of one entity row that the API's
  GET-one needs (by id AND owner_id, every column the API returns) through a psycopg
  ``AsyncConnectionPool`` in autocommit mode and returns the row as JSON: what one database
  round trip costs without the core, SQLAlchemy or authentication. This is the shape the API
  has (async handlers over one async pool), so every target is judged against it.

Configuration comes from the environment, because granian builds the app in each worker:
``BENCH_DATABASE_URL`` (a SQLAlchemy or libpq PostgreSQL URL; the embedded server's
``postgresql+psycopg://...?host=/socket/dir`` form works) and ``BENCH_POOL_SIZE``
(default 10: at most that many connections, like the real server's one pool, which has no overflow).

Run by hand::

    BENCH_DATABASE_URL=... granian --interface asgi --loop uvloop --factory bench.baseline_app:create_app
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final

from litestar import Litestar, get
from litestar.exceptions import NotFoundException
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

__all__ = ["ENTITY_COLUMNS", "SELECT_ENTITY", "conninfo_from_url", "create_app"]

ENTITY_COLUMNS: Final = (
    "id", "owner_id", "type", "name", "description", "avatar_url", "metadata",
    "last_interaction_at", "archived_at", "inserted_at", "updated_at",
)
SELECT_ENTITY: Final = f"SELECT {', '.join(ENTITY_COLUMNS)} FROM entities WHERE id = %s AND owner_id = %s"


def conninfo_from_url(url: str) -> str:
    """A libpq connection string for a SQLAlchemy-style or libpq-style PostgreSQL URL.

    Args:
        url: e.g. ``postgresql+psycopg://postgres:@/conezia?host=%2Ftmp%2Fpg``.

    Raises:
        ValueError: if it is not a PostgreSQL URL.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {url.split('@')[-1]!r}")
    # libpq parses the URI itself (percent-decoding the socket directory) once the
    # SQLAlchemy driver suffix is gone.
    return make_conninfo(f"postgresql://{rest}")


def create_app(env: Mapping[str, str] | None = None) -> Litestar:
    """Build the baseline app (a granian factory; reads ``BENCH_*`` from the environment)."""
    env = os.environ if env is None else env
    url = env.get("BENCH_DATABASE_URL")
    if not url:
        raise RuntimeError("BENCH_DATABASE_URL is not set (bench.run sets it to the embedded PostgreSQL)")
    size = int(env.get("BENCH_POOL_SIZE") or 10)
    pool: AsyncConnectionPool = AsyncConnectionPool(
        conninfo_from_url(url),
        min_size=size,
        max_size=size,
        kwargs={"autocommit": True, "row_factory": dict_row},
        open=False,
    )

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await pool.open(wait=True, timeout=30)
        try:
            yield
        finally:
            await pool.close()

    @get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @get("/entities/{owner_id:uuid}/{entity_id:uuid}")
    async def one_entity(owner_id: uuid.UUID, entity_id: uuid.UUID) -> dict[str, Any]:
        async with pool.connection() as conn:
            cursor = await conn.execute(SELECT_ENTITY, (entity_id, owner_id))
            row = await cursor.fetchone()
        if row is None:
            raise NotFoundException("entity not found")
        return row

    return Litestar(route_handlers=[hello, one_entity], lifespan=[lifespan])
