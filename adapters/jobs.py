"""The job queue: procrastinate over psycopg 3, and the worker's periodic tasks.

Procrastinate keeps its jobs in PostgreSQL (its schema is migration 0015b), so any
number of workers on any number of hosts share them: a periodic task is deferred
once per tick whichever worker defers it (a unique row per task and timestamp),
each job is run by one worker, and jobs under one ``lock`` run one at a time.
Webhooks and imports will be tasks of the same app.

The core knows nothing of this module: a task only awaits a use-case it is given.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from conezia.adapters.postgres.urls import connect_kwargs

if TYPE_CHECKING:
    import procrastinate

__all__ = ["DELIVER_NOTIFICATIONS", "build_job_app", "valid_schedule", "worker_name", "worker_options"]

DELIVER_NOTIFICATIONS: Final = "conezia.deliver_notifications"
_PERIODIC_ID: Final = "deliver-notifications"
_log: Final = logging.getLogger("conezia.worker")


def valid_schedule(schedule: str) -> bool:
    """Whether ``schedule`` is a cron expression procrastinate takes (5 fields, or 6 with seconds last)."""
    import croniter

    return bool(croniter.croniter.is_valid(schedule))


def worker_name() -> str:
    """This worker's name in procrastinate's table of workers and in its logs: host and process."""
    return f"{socket.gethostname()}-{os.getpid()}"


def build_job_app(
    database_url: str,
    *,
    schedule: str,
    deliver: Callable[[], Awaitable[None]],
    pool_size: int = 3,
) -> procrastinate.App:
    """The procrastinate app of the worker, on its own small connection pool.

    Args:
        database_url: the application role's URL (the worker needs no DDL).
        schedule: cron expression of the delivery task (``* * * * *``: every minute;
            a sixth field is seconds, for tests).
        deliver: what the delivery task runs (it logs what it did: counts, no personal data).
        pool_size: connections of procrastinate's own pool (one of them listens for new jobs).
    """
    import procrastinate  # imported here: reading the settings needs only valid_schedule
    from procrastinate.psycopg_connector import PsycopgConnector

    connector = PsycopgConnector(
        conninfo="", kwargs=connect_kwargs(database_url), min_size=1, max_size=pool_size, name="conezia-jobs"
    )
    app = procrastinate.App(connector=connector)

    # queueing_lock: at most one run waits in the queue; lock: runs never overlap, across every worker
    @app.periodic(cron=schedule, periodic_id=_PERIODIC_ID)
    @app.task(name=DELIVER_NOTIFICATIONS, queueing_lock=DELIVER_NOTIFICATIONS, lock=DELIVER_NOTIFICATIONS)
    async def deliver_notifications(timestamp: int) -> None:
        _log.debug("delivering due notifications (tick %s)", timestamp)
        await deliver()

    return app


def worker_options(*, name: str, install_signal_handlers: bool) -> dict[str, Any]:
    """How each Conezia worker runs: successful jobs are deleted (a tick a minute would pile up),
    failed ones stay for inspection; a stop waits up to 30 s for a running job."""
    return {
        "name": name,
        "install_signal_handlers": install_signal_handlers,
        "delete_jobs": "successful",
        "shutdown_graceful_timeout": 30.0,
        "concurrency": 1,
    }
