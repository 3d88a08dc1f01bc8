"""The background worker, wired: procrastinate's worker running the core's delivery of due reminders.

``conezia worker`` runs :func:`run_worker` in the foreground (SIGTERM or Ctrl-C stop
it gracefully: a running delivery finishes first); ``conezia run`` runs one in a
thread of its own beside the server (:class:`WorkerThread`). Any number may run
at once, on any number of hosts, against one database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable
from typing import Final

import anyio

from conezia.adapters.jobs import build_job_app, worker_name, worker_options
from conezia.core import services

from .bootstrap import build_deps, open_backend
from .keys import load_keys
from .settings import Settings

__all__ = ["WorkerThread", "run_worker"]

_log: Final = logging.getLogger("conezia.worker")


async def run_worker(
    settings: Settings,
    database_url: str,
    *,
    install_signal_handlers: bool = True,
    on_started: Callable[[], None] | None = None,
) -> None:
    """Run one worker until it is stopped (a signal, or cancelling this coroutine).

    Args:
        database_url: the application role's URL.
        install_signal_handlers: stop gracefully on SIGINT and SIGTERM (main thread only).
        on_started: called once the worker's pools are open, before it takes jobs.
    """
    keys = load_keys(os.environ, settings.resolved_key_file)
    backend = open_backend(database_url, pool_size=2)
    deps = build_deps(settings, keys=keys, backend=backend)

    async def deliver() -> None:
        report = await services.deliver_notifications(deps)
        # a line when something happened; a quiet minute says nothing
        level = logging.INFO if report.total or report.failed else logging.DEBUG
        _log.log(level, "due notifications: %s", report.summary())

    app = build_job_app(database_url, schedule=settings.worker_schedule, deliver=deliver)
    name = worker_name()
    options = worker_options(name=name, install_signal_handlers=install_signal_handlers)
    try:
        async with app.open_async():
            _log.info("worker %s started: delivering due notifications on schedule %r", name, settings.worker_schedule)
            if on_started is not None:
                on_started()
            running = asyncio.ensure_future(app.run_worker_async(**options))
            try:
                await asyncio.shield(running)
            except asyncio.CancelledError:
                # procrastinate stops gracefully when its task is cancelled once: a running delivery
                # finishes and the worker unregisters; shielded from a caller that cancels again (anyio)
                running.cancel()
                with anyio.CancelScope(shield=True), contextlib.suppress(asyncio.CancelledError):
                    await running
                raise
    finally:
        with anyio.CancelScope(shield=True):
            await backend.aclose()
        _log.info("worker %s stopped", name)


class WorkerThread:
    """A worker on an event loop of its own, in a thread, beside a server that owns the main thread.

    :meth:`stop` cancels it, which procrastinate turns into a graceful stop (a running
    delivery finishes, the worker unregisters), and waits for the thread.
    """

    def __init__(self, settings: Settings, database_url: str) -> None:
        self._settings = settings
        self._url = database_url
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="conezia-worker", daemon=True)

    def start(self, timeout: float = 30.0) -> None:
        """Start the worker and wait until it takes jobs (or failed, see :attr:`error`)."""
        self._thread.start()
        self._started.wait(timeout)

    def _main(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            self._task = loop.create_task(
                run_worker(self._settings, self._url, install_signal_handlers=False, on_started=self._started.set)
            )
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except BaseException as error:  # reported by the owner of the thread
            self.error = error
            _log.error("the background worker stopped on an error: %s", type(error).__name__)
        finally:
            self._started.set()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self, timeout: float = 45.0) -> None:
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(task.cancel)
        self._thread.join(timeout)
