"""How the activity log behaves at 10 million rows: insert and read cost, against an empty table.

Run with ``python -m bench.activity_volume`` (``ACTIVITY_ROWS`` sets the size; default
10,000,000). It starts an embedded PostgreSQL in a temporary folder, migrates, and
measures, with the repository's own statements, in the same run:

* inserting one row (the statement every change adds) into an empty table, into one
  of 100,000 rows and into one of ``ACTIVITY_ROWS`` rows, each spread over a year and
  1,000 users (a user has 100, then 10,000 rows);
* reading the newest page of 50 of one user, a page half a year back (by cursor), and
  one resource's history of 50 rows, at 100,000 rows and at ``ACTIVITY_ROWS``.

It prints each figure and its ratio to the 100,000-row figure. Nothing is asserted:
the README reports the result and what it means for partitioning.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from conezia.adapters.postgres.activity import ACTIVITY, activity_list_statement
from conezia.adapters.postgres.migrator import apply_migrations
from conezia.adapters.postgres.urls import connect_kwargs
from conezia.core.activity import ActivityFilter
from conezia.core.pagination import PageRequest
from conezia.embedded import EmbeddedPostgres, create_database

USERS = 1_000
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def _say(message: str) -> None:
    print(f"[activity-volume] {message}", flush=True)


def _time(run: Callable[[], Any], repeat: int = 2_000) -> float:
    """Median microseconds per call, over ``repeat`` calls after 100 to warm up."""
    for _ in range(100):
        run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        run()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1_000


def _measure(connection: psycopg.Connection[Any], user: uuid.UUID, resource: uuid.UUID) -> dict[str, float]:
    insert = ACTIVITY.insert

    def add() -> None:
        with connection.transaction():
            connection.execute(insert.sql, {
                "id": uuid.uuid4(), "user_id": user, "action": "update", "resource_type": "entity",
                "resource_id": uuid.uuid4(), "metadata": psycopg.types.json.Jsonb({"fields": ["name"]}),
                "ip_address": "203.0.113.9", "user_agent": "bench", "inserted_at": dt.datetime.now(dt.UTC),
            })

    def page(criteria: ActivityFilter, request: PageRequest) -> Callable[[], None]:
        statement, params = activity_list_statement(user, criteria, request)
        return lambda: connection.execute(statement.sql, statement.parameters(params)).fetchall()

    deep = PageRequest(limit=50, after=(T0 + dt.timedelta(days=180), uuid.UUID(int=0)))
    return {
        "insert one row": _time(add),
        "newest page of 50": _time(page(ActivityFilter(), PageRequest(limit=50))),
        "page of 50, half a year back": _time(page(ActivityFilter(), deep)),
        "one resource's history": _time(page(ActivityFilter(resource_id=resource), PageRequest(limit=50))),
    }


def _fill(connection: psycopg.Connection[Any], rows: int, resource: uuid.UUID) -> None:
    """``rows`` rows over a year, spread over ``USERS`` users; one resource of user 1 has a history of 50."""
    _say(f"filling activity_logs with {rows:,} rows over {USERS:,} users (takes a few minutes) ...")
    started = time.monotonic()
    chunk = 1_000_000
    for first in range(0, rows, chunk):
        count = min(chunk, rows - first)
        connection.execute(
            """
            INSERT INTO activity_logs (user_id, action, resource_type, resource_id, metadata, inserted_at)
            SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(n %% %(users)s + 1), 12, '0'))::uuid,
                   (ARRAY['create','update','delete','view','login','logout'])[n %% 6 + 1],
                   (ARRAY['entity','tag','group','user','relationship'])[n %% 5 + 1],
                   CASE WHEN n %% 1000 = 0 AND n < 50000 THEN %(resource)s::uuid ELSE gen_random_uuid() END,
                   '{"fields": ["name"]}'::jsonb,
                   %(t0)s::timestamptz + make_interval(secs => n::float8 * 31536000 / %(rows)s)
            FROM generate_series(%(first)s, %(last)s) AS n
            """,
            {"users": USERS, "resource": resource, "t0": T0, "rows": rows, "first": first, "last": first + count - 1},
        )
        _say(f"  {first + count:,} of {rows:,} rows ({time.monotonic() - started:.0f} s)")
    connection.execute("ANALYZE activity_logs")


SMALL = 100_000


def _database(server: EmbeddedPostgres, name: str) -> psycopg.Connection[Any]:
    url = create_database(server.server_url, name)
    apply_migrations(url)
    connection = psycopg.connect(**connect_kwargs(url), autocommit=True)
    connection.execute(
        "INSERT INTO users (id, email) SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(n), 12, '0'))::uuid,"
        " 'u' || n || '@example.com' FROM generate_series(1, %(users)s) AS n", {"users": USERS},
    )
    return connection


def main() -> None:
    rows = int(os.environ.get("ACTIVITY_ROWS", "10000000"))
    user, resource = uuid.UUID(int=1), uuid.uuid4()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="conezia-activity-") as folder:
        server = EmbeddedPostgres()
        _say(f"starting an embedded PostgreSQL in {folder} ...")
        server.start(Path(folder) / "pg")
        try:
            for label, count in (("empty", 0), (f"{SMALL:,} rows", SMALL), (f"{rows:,} rows", rows)):
                with _database(server, f"activity_{count}") as connection:
                    if count:
                        _fill(connection, count, resource)
                        size = connection.execute(
                            "SELECT pg_size_pretty(pg_total_relation_size('activity_logs'))"
                        ).fetchone()
                        _say(f"activity_logs at {count:,} rows: {size[0] if size else '?'} with its indexes")
                    _say(f"measuring at {label} ...")
                    results[label] = _measure(connection, user, resource)
        finally:
            server.stop()
    small, big = results[f"{SMALL:,} rows"], results[f"{rows:,} rows"]
    _say(f"insert one row: empty {results['empty']['insert one row']:.1f} µs, at {SMALL:,} rows "
         f"{small['insert one row']:.1f} µs, at {rows:,} rows {big['insert one row']:.1f} µs")
    for name in small:
        _say(f"{name:32} at {SMALL:,} rows {small[name]:8.1f} µs   at {rows:,} rows {big[name]:8.1f} µs   "
             f"ratio {big[name] / small[name]:.2f}")


if __name__ == "__main__":
    main()
