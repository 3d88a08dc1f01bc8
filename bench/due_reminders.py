"""Due reminders at scale: the core's ``due_notifications`` against the bare SQL it runs.

Run with ``python -m bench.due_reminders`` (it starts its own embedded PostgreSQL in a
temporary folder), or as part of ``make bench`` on the bench's PostgreSQL (pseudo-scenario
``due-reminders``; ``BENCH_DUE_REMINDERS=0`` skips it). In a database of its own it copies
1,000 users (timezones around the world; most with quiet hours, some crossing midnight;
some with email or push turned off) and 100,000 reminders (75 % due, some snoozed past now
and so due again, some snoozed into the future, some due later, some completed: the
partial index of errata A2 leaves those out), runs ``VACUUM ANALYZE``, then times, at one
fixed moment:

* **core**: :func:`conezia.core.services.due_notifications` over the PostgreSQL adapter
  (one pool, as the worker has), walking every batch by ``next_cursor``: the query, the
  domain objects, and each reminder's plan (channels, quiet hours in the user's timezone);
* **bare**: the same statement, taken from the repository's :func:`due_statement` so the two
  cannot drift, run by plain psycopg (async, binary results, the server's session
  settings) with the same batch size, fetching every row and nothing more.

Both walks must see exactly the reminders the seed made due. Each is repeated
(``BENCH_DUE_REPEATS``, after one unmeasured walk each) and the medians are reported:
wall time, rows/s, and core / bare. Nothing is asserted on timings.

Environment: ``BENCH_DUE_USERS`` (1000), ``BENCH_DUE_COUNT`` (100000), ``BENCH_DUE_REPEATS`` (3).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs
import psycopg

from bench.scenarios import BenchError, _env_int
from conezia.adapters.postgres.migrator import apply_migrations
from conezia.adapters.postgres.reminders import due_statement
from conezia.adapters.postgres.urls import connect_kwargs
from conezia.bootstrap import build_deps, open_backend
from conezia.core.pagination import PageRequest, decode_cursor
from conezia.core.services import due_notifications
from conezia.core.services.reminders import DUE_BATCH
from conezia.embedded import EmbeddedPostgres, create_database, drop_database
from conezia.keys import KeyRing
from conezia.settings import Settings

__all__ = [
    "DATABASE",
    "NAME",
    "DueConfig",
    "DueResult",
    "expected_due",
    "format_due",
    "main",
    "reminder_rows",
    "run_due_reminders",
    "user_rows",
]

#: The pseudo-scenario's name in BENCH_ONLY and in results/latest.json.
NAME: Final = "due-reminders"
#: The database it seeds, next to the bench's own on the same server.
DATABASE: Final = "bench_due_reminders"

TIMEZONES: Final = (
    "UTC", "Europe/Paris", "Europe/London", "America/New_York", "America/Los_Angeles", "America/Sao_Paulo",
    "Asia/Tokyo", "Asia/Kolkata", "Asia/Shanghai", "Australia/Sydney", "Pacific/Auckland", "Africa/Lagos",
)
CHANNEL_SETS: Final = (("in_app",), ("in_app", "email"), ("in_app", "email", "push"), ("in_app", "push"))
# What a reminder is at the measured moment, and how many in a hundred are so.
DUE, SNOOZED_PAST, SNOOZED_FUTURE, LATER, COMPLETED = "due", "snoozed-past", "snoozed-future", "later", "completed"
MIX: Final = ((DUE, 70), (SNOOZED_PAST, 5), (SNOOZED_FUTURE, 5), (LATER, 10), (COMPLETED, 10))

UserRow = tuple[uuid.UUID, str, str, str]
ReminderRow = tuple[uuid.UUID, uuid.UUID, str, str, dt.datetime, str, dt.datetime | None, dt.datetime | None,
                    str | None, dt.datetime, dt.datetime]


def _say(message: str) -> None:
    print(f"[due-reminders] {message}", flush=True)


@attrs.frozen
class DueConfig:
    """What the due-reminders measurement does (see the module's docstring for the variables)."""

    enabled: bool = True
    users: int = 1_000
    reminders: int = 100_000
    repeats: int = 3

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DueConfig:
        """Read ``BENCH_DUE_*``; raises :class:`BenchError` naming a malformed one."""
        env = os.environ if env is None else env
        flag = env.get("BENCH_DUE_REMINDERS", "").strip().lower()
        if flag not in ("", "0", "1", "false", "true", "no", "yes", "off", "on"):
            raise BenchError(f"BENCH_DUE_REMINDERS must be 0 or 1, got {flag!r}", "unset it, or 0 to skip")
        return cls(
            enabled=flag not in ("0", "false", "no", "off"),
            users=_env_int(env, "BENCH_DUE_USERS", 1_000, 1),
            reminders=_env_int(env, "BENCH_DUE_COUNT", 100_000, 1),
            repeats=_env_int(env, "BENCH_DUE_REPEATS", 3, 1),
        )

    def wanted(self, only: Sequence[str]) -> bool:
        """Whether this run measures it: unless turned off, when BENCH_ONLY is unset or names it."""
        return self.enabled and (not only or NAME in only)


def user_rows(count: int) -> Iterator[UserRow]:
    """``count`` users ``(id, email, timezone, notification_preferences as JSON)``; seeded.

    Six in ten have quiet hours from 22:00 to 07:00 (across midnight), one and a half an
    afternoon window; one in ten turned email off, one in twenty push. None turned in_app off,
    so every due reminder yields at least one notification to send now.
    """
    rng = random.Random(15)
    for i in range(count):
        draw = rng.random()
        quiet = ("22:00", "07:00") if draw < 0.6 else ("13:00", "14:30") if draw < 0.75 else (None, None)
        prefs = {"email": rng.random() >= 0.1, "push": rng.random() >= 0.05, "in_app": True,
                 "quiet_hours_start": quiet[0], "quiet_hours_end": quiet[1]}
        yield (uuid.UUID(int=rng.getrandbits(128), version=4), f"due-{i:05d}@example.com",
               TIMEZONES[i % len(TIMEZONES)], json.dumps(prefs))


def _kind(rng: random.Random) -> str:
    draw = rng.randrange(100)
    for kind, share in MIX:
        if draw < share:
            return kind
        draw -= share
    raise AssertionError("MIX adds up to 100")  # pragma: no cover


def reminder_rows(user_ids: Sequence[uuid.UUID], count: int, now: dt.datetime) -> Iterator[ReminderRow]:
    """``count`` reminders spread evenly over the users, in the proportions of :data:`MIX` at ``now``.

    Rows are ``(id, user_id, type, title, due_at, notification_channels (an array literal),
    snoozed_until, completed_at, recurrence_rule (JSON or None), inserted_at, updated_at)``;
    seeded. Due ones fell due up to 30 days before ``now``.
    """
    rng = random.Random(16)
    day = dt.timedelta(days=1)
    for i in range(count):
        kind = _kind(rng)
        past = now - day * 30 * rng.random() - dt.timedelta(seconds=1)
        due_at, snoozed, completed = past, None, None
        if kind == SNOOZED_PAST:
            snoozed = now - dt.timedelta(minutes=rng.randrange(1, 600))
        elif kind == SNOOZED_FUTURE:
            snoozed = now + dt.timedelta(minutes=rng.randrange(1, 6000))
        elif kind == LATER:
            due_at = now + day * 60 * rng.random() + dt.timedelta(seconds=1)
        elif kind == COMPLETED:
            completed = past + dt.timedelta(hours=1)
        channels = CHANNEL_SETS[rng.randrange(len(CHANNEL_SETS))]
        rule = json.dumps({"freq": "monthly", "interval": 1}) if rng.random() < 0.1 else None
        created = min(due_at, now) - day
        yield (uuid.UUID(int=rng.getrandbits(128), version=4), user_ids[i % len(user_ids)],
               "follow_up" if rule is None else "custom", f"Due bench {i:06d}", due_at,
               "{" + ",".join(channels) + "}", snoozed, completed, rule, created, created)


def expected_due(rows: Sequence[ReminderRow], now: dt.datetime) -> int:
    """How many of the rows are due at ``now``: not completed, due, not snoozed past ``now``."""
    return sum(1 for row in rows if row[7] is None and row[4] <= now and (row[6] is None or row[6] <= now))


def seed(connection: Any, config: DueConfig, now: dt.datetime) -> int:
    """COPY the users and reminders into the migrated database; returns how many are due at ``now``."""
    users = list(user_rows(config.users))
    rows = list(reminder_rows([u[0] for u in users], config.reminders, now))
    with connection.cursor() as cursor:
        with cursor.copy("COPY users (id, email, timezone, notification_preferences) FROM STDIN") as copy:
            for user in users:
                copy.write_row(user)
        with cursor.copy(
            "COPY reminders (id, user_id, type, title, due_at, notification_channels, snoozed_until, completed_at,"
            " recurrence_rule, inserted_at, updated_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
    connection.execute("VACUUM ANALYZE users, reminders")
    return expected_due(rows, now)


@attrs.frozen
class DueResult:
    """Medians of the walks; ``ratio`` is core / bare wall time (1.0: the core costs nothing over the SQL)."""

    users: int
    reminders: int
    due: int
    batch: int
    batches: int
    core_s: float
    bare_s: float
    core_samples: tuple[float, ...] = ()
    bare_samples: tuple[float, ...] = ()
    notifications: int = 0
    held: int = 0

    @property
    def ratio(self) -> float:
        return self.core_s / self.bare_s if self.bare_s else float("inf")

    def rows_per_s(self, seconds: float) -> float:
        return self.due / seconds if seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        """The figures as a JSON-ready dict."""
        return {
            **attrs.asdict(self),
            "core_rows_per_s": round(self.rows_per_s(self.core_s), 1),
            "bare_rows_per_s": round(self.rows_per_s(self.bare_s), 1),
            "core_over_bare": round(self.ratio, 3),
        }


def format_due(result: DueResult) -> str:
    """The section printed after the HTTP table."""
    head = (f"Due reminders: {result.due:,} due of {result.reminders:,} reminders across {result.users:,} users,"
            f" {result.batches} batches of {result.batch}; medians of {len(result.core_samples) or 1} walks")
    rows = [
        f"  {'':<44}{'wall':>10}{'rows/s':>12}",
        f"  {'core due_notifications (query, objects, plan)':<44}{result.core_s * 1000:>8.0f} ms"
        f"{result.rows_per_s(result.core_s):>12,.0f}",
        f"  {'bare SQL (the same statement, plain psycopg)':<44}{result.bare_s * 1000:>8.0f} ms"
        f"{result.rows_per_s(result.bare_s):>12,.0f}",
        f"  core / bare: {result.ratio:.2f}x the time ({result.notifications:,} notifications to send now,"
        f" {result.held:,} held back by quiet hours)",
    ]
    return "\n".join([head, *rows])


async def _walk_core(deps: Any, now: dt.datetime, batch: int) -> tuple[int, int, int, int]:
    """Every batch through the core: (reminders, batches, notifications sent now, held)."""
    seen = batches = sent = held = 0
    cursor: str | None = None
    while True:
        # the worker's batches are larger than an API page may be, so not PageRequest.parse
        page = PageRequest(limit=batch, after=None if cursor is None else decode_cursor(cursor))
        found = await due_notifications(deps, now, page)
        batches += 1
        ids = {n.reminder.id for n in found.send} | {h.notification.reminder.id for h in found.held}
        seen, sent, held = seen + len(ids), sent + len(found.send), held + len(found.held)
        cursor = found.next_cursor
        if cursor is None:
            return seen, batches, sent, held


async def _walk_bare(connection: Any, now: dt.datetime, batch: int) -> tuple[int, int]:
    """Every batch through the repository's statement on plain psycopg: (rows, batches)."""
    rows = batches = 0
    after: tuple[dt.datetime, uuid.UUID] | None = None
    key: tuple[int, int] | None = None
    while True:
        prepared, params = due_statement(now, PageRequest(limit=batch, after=after))
        cursor = await connection.execute(prepared.sql, prepared.parameters(params), binary=True)
        found = await cursor.fetchall()
        batches += 1
        rows += min(len(found), batch)
        if len(found) <= batch:
            return rows, batches
        if key is None:
            names = [column.name for column in cursor.description]
            key = names.index("due_at"), names.index("id")
        last = found[batch - 1]
        after = (last[key[0]], last[key[1]])


async def _measure(url: str, config: DueConfig, now: dt.datetime, due: int) -> DueResult:
    backend = open_backend(url, pool_size=2)
    deps = build_deps(Settings(password_profile="test"), keys=KeyRing.generate(), backend=backend)
    bare = await psycopg.AsyncConnection.connect(**connect_kwargs(url), autocommit=True)
    core_times: list[float] = []
    bare_times: list[float] = []
    try:
        for repeat in range(config.repeats + 1):
            started = time.perf_counter()
            seen, batches, sent, held = await _walk_core(deps, now, DUE_BATCH)
            core = time.perf_counter() - started
            started = time.perf_counter()
            rows, bare_batches = await _walk_bare(bare, now, DUE_BATCH)
            bare_s = time.perf_counter() - started
            if not seen == rows == due or batches != bare_batches:
                raise BenchError(
                    f"the walks disagree: the core saw {seen:,} due reminders in {batches} batches, the bare "
                    f"query {rows:,} in {bare_batches}, and the seed made {due:,} due",
                    "adapters/postgres/reminders.py's due query or core/notifications.py's plan changed",
                )
            if repeat:  # the first of each is a warm-up: caches, prepared statements, the pool
                core_times.append(core)
                bare_times.append(bare_s)
            _say(f"  {'warm-up' if not repeat else f'walk {repeat}/{config.repeats}'}: core {core * 1000:.0f} ms,"
                 f" bare {bare_s * 1000:.0f} ms ({rows:,} rows, {batches} batches)")
    finally:
        await bare.close()
        await backend.aclose()
    return DueResult(
        users=config.users, reminders=config.reminders, due=due, batch=DUE_BATCH, batches=batches,
        core_s=round(statistics.median(core_times), 4), bare_s=round(statistics.median(bare_times), 4),
        core_samples=tuple(round(t, 4) for t in core_times), bare_samples=tuple(round(t, 4) for t in bare_times),
        notifications=sent, held=held,
    )


def run_due_reminders(server_url: str, config: DueConfig, database: str = DATABASE) -> DueResult:
    """Seed a database of its own on the server (superuser URL) and measure; see the module's docstring.

    The database is made afresh (dropped first if it exists) and left for the caller to drop.
    """
    drop_database(server_url, database)
    url = create_database(server_url, database)
    apply_migrations(url)
    now = dt.datetime.now(dt.timezone.utc)
    _say(f"copying {config.users:,} users and {config.reminders:,} reminders into {database} ...")
    started = time.monotonic()
    with psycopg.connect(**connect_kwargs(url), autocommit=True) as connection:
        due = seed(connection, config, now)
    _say(f"  done in {time.monotonic() - started:.1f} s (then VACUUM ANALYZE); {due:,} are due")
    _say(f"walking every batch, core then bare, {config.repeats} time(s) after a warm-up ...")
    return asyncio.run(_measure(url, config, now, due))


def main() -> int:
    """Standalone: its own embedded PostgreSQL in a temporary folder, stopped at the end."""
    config = DueConfig.from_env()
    with tempfile.TemporaryDirectory(prefix="conezia-due-") as folder:
        server = EmbeddedPostgres()
        _say(f"starting an embedded PostgreSQL in {folder} ...")
        server.start(Path(folder) / "pg")
        try:
            result = run_due_reminders(server.server_url, config)
        finally:
            server.stop()
    print(format_due(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
