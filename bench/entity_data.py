"""The big owner's rows of ``make bench``, copied straight into ``entities``, and the plain connection for it."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any, Final

__all__ = ["BIG_HISTORY_DAYS", "ENTITY_TYPES", "big_rows", "connect"]

ENTITY_TYPES: Final = ("person", "organization", "service", "thing", "animal", "abstract")
# The big owner's entities were inserted over this many days before the run.
BIG_HISTORY_DAYS: Final = 3 * 365


def connect(url: str) -> Any:
    """A plain autocommit psycopg connection for setting up and restoring (not for measuring)."""
    import psycopg

    from bench.baseline_app import conninfo_from_url

    return psycopg.connect(conninfo_from_url(url), autocommit=True)


def big_rows(owner_id: str, count: int, now: dt.datetime) -> Iterator[tuple[str, str, str, dt.datetime, dt.datetime]]:
    """``count`` entities of one owner, inserted over :data:`BIG_HISTORY_DAYS`, oldest first.

    Rows are ``(owner_id, type, name, inserted_at, updated_at)``; seeded, so every run lists
    the same pages.
    """
    rng = random.Random(6)
    start = now - dt.timedelta(days=BIG_HISTORY_DAYS)
    step = dt.timedelta(days=BIG_HISTORY_DAYS) / count
    for i in range(count):
        kind = ENTITY_TYPES[rng.randrange(len(ENTITY_TYPES))]
        inserted = start + step * i + dt.timedelta(seconds=rng.random() * step.total_seconds())
        updated = min(now, inserted + dt.timedelta(days=rng.random() * 60)) if rng.random() < 0.3 else inserted
        yield owner_id, kind, f"Big {kind} {i:05d}", inserted, updated
