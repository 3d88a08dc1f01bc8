"""``conezia worker``, and the worker ``conezia run`` runs beside the server."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import sys

from .settings import Settings
from .worker import WorkerThread, run_worker

__all__ = ["run_in_foreground", "start_beside_server", "stop_beside_server"]


def _log_to_stderr() -> None:
    """The worker's progress lines (counts and ids, never a title or an address) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("conezia: %(message)s"))
    for name in ("conezia.worker", "conezia.push"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if not any(getattr(h, "_conezia", False) for h in logger.handlers):
            handler._conezia = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
            logger.propagate = False
    logging.getLogger("procrastinate").setLevel(logging.WARNING)


def _refuse_superuser(settings: Settings, url: str) -> None:
    if not settings.allow_superuser:
        from .least_privilege import check_server_role

        check_server_role(url)  # the worker runs under the server's rule (README: Least privilege)


def run_in_foreground(settings: Settings, url: str) -> None:
    """Run a worker until SIGTERM or Ctrl-C, which stop it gracefully."""
    _refuse_superuser(settings, url)
    _log_to_stderr()
    asyncio.run(run_worker(settings, url))


def start_beside_server(settings: Settings, url: str) -> WorkerThread:
    """A worker in a thread of this process, for ``conezia run`` (``CONEZIA_RUN_WORKER=false``: none)."""
    _refuse_superuser(settings, url)
    _log_to_stderr()
    # the server's processes must not be forked from a process running the worker's event loop and pools
    multiprocessing.set_start_method("spawn", force=True)
    worker = WorkerThread(settings, url)
    worker.start()
    if worker.error is not None:
        raise SystemExit(f"conezia: the background worker could not start: {worker.error}")
    return worker


def stop_beside_server(worker: WorkerThread) -> None:
    worker.stop()
