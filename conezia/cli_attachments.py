"""``conezia attachments gc``: remove the files no live attachment holds, with progress."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable

from conezia.core.services.attachments import GarbageReport

from .settings import Settings

__all__ = ["DEFAULT_GRACE_MINUTES", "add_parser", "run"]

DEFAULT_GRACE_MINUTES = 60


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("attachments", help="attachments' files")
    parser.add_argument("action", choices=("gc",))
    parser.add_argument(
        "--grace-minutes", type=int, default=DEFAULT_GRACE_MINUTES,
        help=f"keep a file no row holds until it is this old: an upload in flight (default {DEFAULT_GRACE_MINUTES})",
    )


def run(settings: Settings, args: argparse.Namespace, database: Callable[[], tuple[str, Callable[[], None]]]) -> None:
    """Sweep the data folder's attachments against the rows; ``database()`` gives the URL and how to let it go."""
    if args.grace_minutes < 0:
        raise SystemExit("conezia: --grace-minutes must be 0 or more")
    url, release = database()
    try:
        report = asyncio.run(_collect(settings, url, args.grace_minutes))
    finally:
        release()
    print(
        f"conezia: attachments gc done: {report.scanned} file(s) seen, {report.kept} kept, "
        f"{report.removed} removed ({report.removed_bytes} bytes), {report.young} unclaimed but younger than "
        f"{args.grace_minutes} minute(s)",
        file=sys.stderr, flush=True,
    )


async def _collect(settings: Settings, url: str, grace_minutes: int) -> GarbageReport:
    from conezia.core import services

    from .api import open_async

    def progress(report: services.GarbageReport) -> None:
        print(f"conezia: attachments gc: {report.scanned} file(s) seen, {report.removed} removed so far",
              file=sys.stderr, flush=True)

    async with open_async(url, migrate=False, settings=settings) as crm:
        return await services.collect_garbage(
            crm.deps, grace=dt.timedelta(minutes=grace_minutes), progress=progress
        )
