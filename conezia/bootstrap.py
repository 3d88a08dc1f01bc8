"""The composition root: the one place where adapters are chosen and wired to the core."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from conezia.adapters.mail import FileOutbox, MemoryOutbox
from conezia.adapters.security import AesGcmCipher, Argon2Hasher, HmacBlindIndex
from conezia.adapters.system import SystemClock, SystemSecrets, UUIDv7Generator
from conezia.adapters.throttle import MemoryLoginThrottle
from conezia.core.deps import Deps, Mailer
from conezia.core.ports import AsyncEntities, Clock, IdGenerator, UnitOfWork

from .keys import KeyRing, load_keys
from .settings import Settings

if TYPE_CHECKING:
    from litestar import Litestar

__all__ = ["Backend", "app_from_env", "build_deps", "create_app", "open_backend", "settle_garbage_collector"]


@runtime_checkable
class Closable(Protocol):
    """An adapter holding resources of an event loop (an async pool) until closed on it."""

    async def close(self) -> None: ...


@attrs.define
class Backend:
    """Where the rows live: ``"memory"`` or a PostgreSQL database."""

    kind: str
    uow: Callable[[], UnitOfWork]
    close: Callable[[], None]
    async_entities: Callable[[], AsyncEntities]
    database: Any = None


def open_backend(target: str, *, pool_size: int = 10) -> Backend:
    """``"memory"`` or a PostgreSQL URL. Creates a pool but opens no connection yet."""
    if target == "memory":
        from conezia.adapters.memory import MemoryAsyncEntities, MemoryStore, MemoryUnitOfWork

        store = MemoryStore()
        return Backend(
            kind="memory",
            uow=lambda: MemoryUnitOfWork(store),
            close=lambda: None,
            async_entities=lambda: MemoryAsyncEntities(store),
            database=store,
        )
    from conezia.adapters.postgres import PostgresDatabase

    # No overflow: connections opened beyond the pool are closed on return, and a new
    # PostgreSQL session per request costs more than waiting for a pooled one.
    database = PostgresDatabase(target, pool_size=pool_size, max_overflow=0)
    return Backend(
        kind="postgres",
        uow=database.unit_of_work,
        close=database.close,
        async_entities=database.async_entities,
        database=database,
    )


def build_deps(
    settings: Settings,
    *,
    keys: KeyRing,
    backend: Backend,
    mailer: Mailer | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
) -> Deps:
    """Wire the core's ports to the real adapters."""
    return Deps(
        uow=backend.uow,
        clock=clock or SystemClock(),
        ids=ids or UUIDv7Generator(),
        secrets=SystemSecrets(),
        hasher=Argon2Hasher(max_concurrent=settings.max_concurrent_hashes, profile=settings.password_profile),
        cipher=AesGcmCipher(keys.encryption_keys, keys.active_key_id),
        blind_index=HmacBlindIndex(keys.blind_index_key),
        login_throttle=MemoryLoginThrottle(
            max_failures=settings.login_max_failures, window=float(settings.login_window)
        ),
        mailer=mailer or (MemoryOutbox() if backend.kind == "memory" else FileOutbox(settings.data_dir / "outbox")),
        default_phone_region=settings.default_phone_region,
        # a new port per Deps: its pool lives on the event loop of the app that opens it
        async_entities=backend.async_entities(),
    )


def create_app(
    settings: Settings,
    *,
    keys: KeyRing | None = None,
    backend: Backend | None = None,
    deps: Deps | None = None,
    env: Mapping[str, str] | None = None,
) -> Litestar:
    """Build the HTTP application. Nothing connects until the first request.

    Args:
        settings: ``settings.database_url`` must be set (``"memory"`` or PostgreSQL),
            unless a ``backend`` or ready ``deps`` are given.
    """
    from conezia.adapters.http import HttpConfig, make_app

    on_shutdown: list[Callable[[], object]] = []
    if deps is None:
        if backend is None:
            if not settings.database_url:
                raise ValueError("settings.database_url is required (a PostgreSQL URL or 'memory')")
            backend = open_backend(settings.database_url, pool_size=settings.pool_size)
            on_shutdown.append(backend.close)
        keys = keys or load_keys(os.environ if env is None else env, settings.resolved_key_file)
        deps = build_deps(settings, keys=keys, backend=backend)
    if isinstance(deps.async_entities, Closable):
        # its pool opens on the server's event loop at first use and must close on it, before the engine
        on_shutdown.insert(0, deps.async_entities.close)
    config = HttpConfig(
        rate_limits=dict(settings.rate_limits),
        rate_window=settings.rate_window,
        max_body_bytes=settings.max_body_bytes,
        debug=settings.debug,
        session_cache_seconds=settings.session_cache_seconds,
        password_threads=settings.max_concurrent_hashes,
    )
    return make_app(deps, config=config, on_shutdown=on_shutdown)


def app_from_env() -> Litestar:
    """Factory for the ASGI server (``granian --factory conezia.bootstrap:app_from_env``).

    The server process is ours alone, so it also tunes the garbage collector at startup.
    """
    app = create_app(Settings.from_env())
    app.on_startup.append(settle_garbage_collector)
    return app


def settle_garbage_collector() -> None:
    """Keep CPython's cyclic garbage collector away from what lives as long as the server.

    Everything imported and built before serving (modules, routes, compiled
    statements) is frozen out of the collector's sight, and young objects are
    collected less often. A page of 50 entities allocates thousands of
    short-lived objects, which with the defaults set off a collection every
    few requests, each walking the whole heap now and then: measured, this
    setting took a third off the CPU per listed page and most of the p99
    latency. Reference counting still frees almost everything at once; only
    cycles wait longer. Not for embedding programs: their process is theirs to tune.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
