"""``conezia activity purge``: apply the activity log's retention, in batches, with progress."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable

from conezia.core.services.activity import DEFAULT_PURGE_BATCH

from .settings import Settings

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("activity", help="the activity log")
    parser.add_argument("action", choices=("purge",))
    parser.add_argument(
        "--older-than-days", type=int, default=None,
        help="delete rows older than this many days (default: CONEZIA_ACTIVITY_RETENTION_DAYS)",
    )
    parser.add_argument("--batch-size", type=int, default=DEFAULT_PURGE_BATCH, help="rows per transaction")


def run(settings: Settings, args: argparse.Namespace, database: Callable[[], tuple[str, Callable[[], None]]]) -> None:
    """Delete every user's rows past retention; ``database()`` gives the URL and how to let it go."""
    days = args.older_than_days if args.older_than_days is not None else settings.activity_retention_days
    if days is None:
        raise SystemExit(
            "conezia: activity log rows are kept forever; pass --older-than-days N, "
            "or set CONEZIA_ACTIVITY_RETENTION_DAYS"
        )
    if days < 1 or args.batch_size < 1:
        raise SystemExit("conezia: --older-than-days and --batch-size must be at least 1")
    url, release = database()
    try:
        deleted = asyncio.run(_purge(settings, url, days, args.batch_size))
    finally:
        release()
    print(f"conezia: deleted {deleted} activity log row(s) older than {days} day(s)", file=sys.stderr, flush=True)


async def _purge(settings: Settings, url: str, days: int, batch_size: int) -> int:
    from conezia.core import services

    from .api import open_async

    def progress(total: int) -> None:
        print(f"conezia: purging activity older than {days} day(s): {total} row(s) deleted so far",
              file=sys.stderr, flush=True)

    async with open_async(url, migrate=False, settings=settings) as crm:
        return await services.purge_activity(
            crm.deps, dt.timedelta(days=days), batch_size=batch_size, progress=progress
        )
