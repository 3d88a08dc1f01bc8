"""Opening a store: :func:`open_async` for asyncio programs, :func:`open` for everyone else."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Generator
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from anyio.from_thread import start_blocking_portal

from conezia.adapters.mail import MemoryOutbox
from conezia.core.deps import Mailer

from ..bootstrap import build_deps, open_backend
from ..keys import KeyRing, load_keys
from ..settings import Settings
from .aio import AsyncConezia
from .sync import Conezia

__all__ = ["AsyncOpening", "open", "open_async"]


async def connect(
    target: str,
    *,
    keys: KeyRing | None = None,
    key_file: str | Path | None = None,
    migrate: bool = True,
    mailer: Mailer | None = None,
    settings: Settings | None = None,
) -> AsyncConezia:
    """Migrate, load keys and build the async store; its pool opens at the first call, on this loop."""
    settings = settings or Settings.from_env()
    if target != "memory" and migrate:
        from conezia.adapters.postgres.migrator import apply_migrations

        # yoyo is synchronous and holds a lock while it works: off the loop
        await asyncio.to_thread(apply_migrations, target)
    if keys is None:
        if target == "memory":
            keys = KeyRing.generate("ephemeral")
        else:
            keys = load_keys(os.environ, Path(key_file) if key_file else settings.resolved_key_file)
    backend = open_backend(target, pool_size=settings.pool_size)
    deps = build_deps(settings, keys=keys, backend=backend, mailer=mailer or MemoryOutbox())
    return AsyncConezia(deps, backend)


class AsyncOpening:
    """What :func:`open_async` returns: ``await`` it, or use it with ``async with`` (which also closes)."""

    def __init__(self, opener: Callable[[], Awaitable[AsyncConezia]]) -> None:
        self._opener = opener
        self._opened: AsyncConezia | None = None

    def __await__(self) -> Generator[object, None, AsyncConezia]:
        return self._opener().__await__()

    async def __aenter__(self) -> AsyncConezia:
        self._opened = await self._opener()
        return self._opened

    async def __aexit__(self, *exc_info: object) -> None:
        if self._opened is not None:
            opened, self._opened = self._opened, None
            await opened.aclose()


def open_async(
    target: str = "memory",
    *,
    keys: KeyRing | None = None,
    key_file: str | Path | None = None,
    migrate: bool = True,
    mailer: Mailer | None = None,
    settings: Settings | None = None,
) -> AsyncOpening:
    """Open Conezia for an asyncio program: ``async with conezia.open_async(url) as crm: ...``.

    The arguments are those of :func:`open`. Pending migrations run in a worker
    thread, so the loop keeps serving. The store's connection pool belongs to
    the loop that first uses it: close the store (``await crm.aclose()``, or
    leave the ``async with``) on that loop.
    """
    return AsyncOpening(partial(
        connect, target, keys=keys, key_file=key_file, migrate=migrate, mailer=mailer, settings=settings
    ))


def open(  # noqa: A001 - the natural name for "open a Conezia store"
    target: str = "memory",
    *,
    keys: KeyRing | None = None,
    key_file: str | Path | None = None,
    migrate: bool = True,
    mailer: Mailer | None = None,
    settings: Settings | None = None,
) -> Conezia:
    """Open Conezia over the in-memory store or a PostgreSQL database, for synchronous code.

    The store runs on a private event loop in a background thread; every call
    is handed to it and waited for. So it works in plain scripts, from several
    threads at once, and inside a program whose own event loop is running.

    Args:
        target: ``"memory"`` or a PostgreSQL URL (``postgresql://...``).
        keys: encryption and blind-index keys. Default: for ``"memory"`` fresh
            random keys; for PostgreSQL ``CONEZIA_KEYS`` or the key file.
        key_file: where to read keys from (default ``CONEZIA_KEY_FILE`` or ``var/keys.json``).
        migrate: apply pending migrations first (PostgreSQL only).
        mailer: where confirmation and reset tokens go (default: an in-memory outbox,
            readable as ``crm.outbox``).
        settings: everything else; default :meth:`Settings.from_env`.
    """
    stack = ExitStack()
    portal = stack.enter_context(start_blocking_portal(name="conezia-loop"))
    try:
        crm = portal.call(partial(
            connect, target, keys=keys, key_file=key_file, migrate=migrate, mailer=mailer, settings=settings
        ))
    except BaseException:
        stack.close()
        raise
    return Conezia(portal, crm, stack.close)
