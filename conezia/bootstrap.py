"""The composition root: the one place where adapters are chosen and wired to the core."""

from __future__ import annotations

import gc
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from conezia.adapters.blobs import FilesystemBlobStore, MemoryBlobStore
from conezia.adapters.mail import FileOutbox, MemoryOutbox
from conezia.adapters.push import LoggingPush
from conezia.adapters.recurrence import DateutilRecurrence
from conezia.adapters.security import AesGcmCipher, Argon2Hasher, HmacBlindIndex
from conezia.adapters.sniffing import MagicTypeDetector
from conezia.adapters.system import SystemClock, SystemSecrets, UUIDv7Generator
from conezia.adapters.throttle import MemoryLoginThrottle
from conezia.core.deps import Deps, Mailer, Push
from conezia.core.events import Event
from conezia.core.messagebus import MessageBus
from conezia.core.ports import BlobStore, Clock, IdGenerator, UnitOfWork
from conezia.core.services.activity import subscribe_activity_log

from .keys import KeyRing, load_keys
from .settings import Settings

if TYPE_CHECKING:
    from litestar import Litestar

__all__ = ["Backend", "app_from_env", "build_deps", "create_app", "open_backend", "settle_garbage_collector"]


@attrs.define
class Backend:
    """Where the rows live: ``"memory"`` or a PostgreSQL database.

    Attributes:
        uow: a fresh unit of work per call, publishing its events to the bus given.
        aclose: releases the backend's resources (the connection pool), on the
            event loop that used them.
        database: the :class:`MemoryStore` or :class:`PostgresDatabase` itself.
    """

    kind: str
    uow: Callable[[MessageBus], UnitOfWork]
    aclose: Callable[[], Awaitable[None]]
    database: Any = None


async def _nothing_to_close() -> None:
    return None


def open_backend(target: str, *, pool_size: int = 10) -> Backend:
    """``"memory"`` or a PostgreSQL URL. Opens no connection: the pool opens on first use."""
    if target == "memory":
        from conezia.adapters.memory import MemoryStore, MemoryUnitOfWork

        store = MemoryStore()
        return Backend(
            kind="memory", uow=lambda bus: MemoryUnitOfWork(store, bus), aclose=_nothing_to_close, database=store
        )
    from conezia.adapters.postgres import PostgresDatabase

    database = PostgresDatabase(target, pool_size=pool_size)
    return Backend(kind="postgres", uow=database.unit_of_work, aclose=database.close, database=database)


def build_deps(
    settings: Settings,
    *,
    keys: KeyRing,
    backend: Backend,
    mailer: Mailer | None = None,
    push: Push | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    blobs: BlobStore | None = None,
) -> Deps:
    """Wire the core's ports to the real adapters, and the activity log to the core's events.

    Attachments' files go to ``blobs``, by default memory for the memory backend and the
    data folder's ``attachments`` otherwise.
    """
    clock = clock or SystemClock()
    ids = ids or UUIDv7Generator()
    bus = MessageBus()
    if settings.activity_log:
        subscribe_activity_log(bus, clock=clock, ids=ids)
    unit_of_work = backend.uow
    return Deps(
        uow=lambda: unit_of_work(bus),
        bus=bus,
        clock=clock,
        ids=ids,
        secrets=SystemSecrets(),
        hasher=Argon2Hasher(max_concurrent=settings.max_concurrent_hashes, profile=settings.password_profile),
        cipher=AesGcmCipher(keys.encryption_keys, keys.active_key_id),
        blind_index=HmacBlindIndex(keys.blind_index_key),
        login_throttle=MemoryLoginThrottle(
            max_failures=settings.login_max_failures, window=float(settings.login_window)
        ),
        mailer=mailer or (MemoryOutbox() if backend.kind == "memory" else FileOutbox(settings.data_dir / "outbox")),
        recurrence=DateutilRecurrence(),
        push=push or LoggingPush(),
        blobs=blobs or (
            MemoryBlobStore(clock.now) if backend.kind == "memory" else FilesystemBlobStore(settings.attachments_dir)
        ),
        detector=MagicTypeDetector(),
        default_phone_region=settings.default_phone_region,
    )


def create_app(
    settings: Settings,
    *,
    keys: KeyRing | None = None,
    backend: Backend | None = None,
    deps: Deps | None = None,
    env: Mapping[str, str] | None = None,
) -> Litestar:
    """Build the HTTP application. Nothing connects before it starts (then its role check, once), nor its pool before the first request.

    Args:
        settings: ``settings.database_url`` must be set (``"memory"`` or PostgreSQL),
            unless a ``backend`` or ready ``deps`` are given. An app that opens its own
            PostgreSQL backend checks its role at startup and fails as a superuser
            unless ``settings.allow_superuser``.
    """
    from conezia.adapters.http import HttpConfig, SessionCache, make_app

    on_shutdown: list[Callable[[], object]] = []
    on_startup: list[Callable[[], Awaitable[None]]] = []
    if deps is None:
        if backend is None:
            if not settings.database_url:
                raise ValueError("settings.database_url is required (a PostgreSQL URL or 'memory')")
            backend = open_backend(settings.database_url, pool_size=settings.pool_size)
            # the pool opens on the server's event loop at the first request and closes on it
            on_shutdown.append(backend.aclose)
            if backend.kind == "postgres" and not settings.allow_superuser:
                from .least_privilege import server_role_check

                on_startup.append(server_role_check(settings.database_url))
        keys = keys or load_keys(os.environ if env is None else env, settings.resolved_key_file)
        deps = build_deps(settings, keys=keys, backend=backend)
    config = HttpConfig(
        rate_limits=dict(settings.rate_limits),
        rate_window=settings.rate_window,
        max_body_bytes=settings.max_body_bytes,
        debug=settings.debug,
        session_cache_seconds=settings.session_cache_seconds,
        trusted_proxies=settings.trusted_proxies,
        cors_origins=settings.cors_origins,
        cors_allow_credentials=settings.cors_allow_credentials,
    )
    sessions = SessionCache(config.session_cache_seconds, wall_clock=deps.clock.now)
    # a change to an account, once committed, drops its remembered sessions in this process
    deps.bus.subscribe_after_commit(Event, sessions.on_account_event)
    app = make_app(deps, config=config, sessions=sessions, on_shutdown=on_shutdown)
    app.on_startup.extend(on_startup)  # the server refuses a superuser role (README: Least privilege)
    return app


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
