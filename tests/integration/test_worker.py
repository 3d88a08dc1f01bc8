"""The background worker on PostgreSQL: procrastinate's real workers, as the least-privileged app role.

Schedules tick every second (a sixth cron field), so nothing waits a minute.
"""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import psycopg
import pytest

from conezia.adapters.mail import FileOutbox
from conezia.adapters.postgres import PostgresDatabase
from conezia.adapters.postgres.urls import connect_kwargs
from conezia.adapters.push import MemoryPush
from conezia.bootstrap import Backend, build_deps
from conezia.core import services
from conezia.keys import create_key_file, load_keys
from conezia.settings import Settings
from conezia.worker import WorkerThread, run_worker
from tests.database_fixtures import LeastPrivilegeDatabase

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

EVERY_SECOND = "* * * * * *"
CHANNELS = ["in_app", "email", "push"]


def _sql(url: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(**connect_kwargs(url), autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def _empty(url: str) -> None:
    _sql(url, "DELETE FROM users")
    _sql(url, "DELETE FROM procrastinate_periodic_defers")
    _sql(url, "DELETE FROM procrastinate_jobs")


def _due_reminders(url: str, count: int, channels: list[str]) -> list[uuid.UUID]:
    """``count`` reminders of one user, due a minute ago (stored as an import would: errata C6)."""
    user = uuid.uuid4()
    _sql(url, "INSERT INTO users (id, email) VALUES (%s, %s)", user, f"{user.hex[:8]}@example.com")
    ids = [uuid.uuid4() for _ in range(count)]
    for n, reminder in enumerate(ids):
        _sql(url, "INSERT INTO reminders (id, user_id, type, title, due_at, notification_channels)"
                  " VALUES (%s, %s, 'custom', %s, now() - interval '1 minute', %s)",
             reminder, user, f"Private title {n}", channels)
    return ids


def _delivered(url: str) -> list[tuple[uuid.UUID, str]]:
    rows = _sql(url, "SELECT reminder_id, channel FROM notification_deliveries WHERE delivered_at IS NOT NULL")
    return sorted((row[0], row[1]) for row in rows)


def _feed(url: str) -> list[uuid.UUID]:
    return sorted(row[0] for row in _sql(url, "SELECT reminder_id FROM notifications"))


def _mails(folder: Path) -> list[uuid.UUID]:
    found = []
    for path in (folder / "outbox").glob("*-reminder.eml"):
        message = email.message_from_bytes(path.read_bytes())
        found.append(uuid.UUID(message["X-Conezia-Reminder"]))
    return sorted(found)


@pytest.fixture
def worker_settings(least_privilege_database: LeastPrivilegeDatabase, tmp_path: Path) -> Settings:
    create_key_file(tmp_path / "keys.json")
    _empty(least_privilege_database.owner_url)
    return Settings(
        database_url=least_privilege_database.app_url, data_dir=tmp_path, worker_schedule=EVERY_SECOND,
    )


async def _until(condition: Any, within: float = 20.0) -> None:
    """Poll the database until ``condition()`` holds (the workers are elsewhere: nothing to wait on)."""
    with anyio.fail_after(within):
        while not condition():  # noqa: ASYNC110
            await anyio.sleep(0.1)


async def test_two_real_workers_notify_each_due_occurrence_exactly_once(
    worker_settings: Settings, least_privilege_database: LeastPrivilegeDatabase
) -> None:
    url = least_privilege_database.app_url
    reminders = _due_reminders(least_privilege_database.owner_url, 5, CHANNELS)
    expected = sorted((r, c) for r in reminders for c in CHANNELS)

    async with anyio.create_task_group() as group:
        for _ in range(2):
            group.start_soon(lambda: run_worker(worker_settings, url, install_signal_handlers=False))
        await _until(lambda: len(_delivered(url)) >= len(expected))
        await anyio.sleep(2.5)  # more ticks, on both workers: nothing more is delivered
        group.cancel_scope.cancel()

    assert _delivered(url) == expected
    assert _feed(url) == sorted(reminders)
    assert _mails(worker_settings.data_dir) == sorted(reminders)
    # both workers registered and unregistered with procrastinate; the ticks' jobs ran and were deleted
    assert _sql(url, "SELECT count(*) FROM procrastinate_workers") == [(0,)]
    assert _sql(url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'") == [(0,)]


async def test_a_worker_restarted_later_delivers_what_fell_due_meanwhile_and_nothing_twice(
    worker_settings: Settings, least_privilege_database: LeastPrivilegeDatabase
) -> None:
    url, owner = least_privilege_database.app_url, least_privilege_database.owner_url
    first = _due_reminders(owner, 2, ["in_app"])
    worker = WorkerThread(worker_settings, url)
    worker.start()
    assert worker.error is None
    await _until(lambda: len(_delivered(url)) == 2)
    worker.stop()

    second = _due_reminders(owner, 2, ["in_app"])
    again = WorkerThread(worker_settings, url)
    again.start()
    await _until(lambda: len(_delivered(url)) == 4)
    await anyio.sleep(1.5)
    again.stop()
    assert _feed(url) == sorted(first + second)


@pytest.fixture
async def two_cores(least_privilege_database: LeastPrivilegeDatabase, tmp_path: Path) -> AsyncIterator[list[Any]]:
    """Two cores over two pools of one database, as two workers on two hosts would be."""
    create_key_file(tmp_path / "keys.json")
    _empty(least_privilege_database.owner_url)
    settings = Settings(database_url=least_privilege_database.app_url, data_dir=tmp_path)
    keys = load_keys({}, tmp_path / "keys.json")
    databases = [PostgresDatabase(least_privilege_database.app_url, pool_size=4) for _ in range(2)]
    cores = [
        build_deps(settings, keys=keys, backend=Backend("postgres", db.unit_of_work, db.close, db),
                   mailer=FileOutbox(tmp_path / "outbox"), push=MemoryPush())
        for db in databases
    ]
    try:
        yield cores
    finally:
        for db in databases:
            await db.close()


async def test_the_use_case_run_by_two_workers_at_once_on_postgresql_delivers_each_once(
    two_cores: list[Any], least_privilege_database: LeastPrivilegeDatabase, tmp_path: Path
) -> None:
    reminders = _due_reminders(least_privilege_database.owner_url, 30, CHANNELS)
    reports: list[Any] = []

    async def run(deps: Any) -> None:
        reports.append(await services.deliver_notifications(deps, batch_size=7))

    async with anyio.create_task_group() as group:
        for deps in two_cores:
            group.start_soon(run, deps)

    assert sum(report.total for report in reports) == 90 and sum(r.failed for r in reports) == 0
    assert _delivered(least_privilege_database.app_url) == sorted((r, c) for r in reminders for c in CHANNELS)
    assert _mails(tmp_path) == sorted(reminders)
    pushed = [m.reminder_id for deps in two_cores for m in deps.push.messages]
    assert sorted(pushed) == sorted(reminders)


def test_conezia_worker_starts_delivers_and_stops_cleanly_on_sigterm(
    worker_settings: Settings, least_privilege_database: LeastPrivilegeDatabase
) -> None:
    url = least_privilege_database.app_url
    [reminder] = _due_reminders(least_privilege_database.owner_url, 1, ["in_app", "email"])
    env = {**os.environ, "CONEZIA_DATABASE_URL": url, "CONEZIA_DATA_DIR": str(worker_settings.data_dir),
           "CONEZIA_WORKER_SCHEDULE": EVERY_SECOND}
    process = subprocess.Popen(
        [sys.executable, "-m", "conezia.cli", "worker"], env=env, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(_delivered(url)) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert _delivered(url) == sorted([(reminder, "email"), (reminder, "in_app")])
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=45)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "started" in stderr and "stopped" in stderr and "delivered: email 1, in_app 1" in stderr
    assert "Private title" not in stderr and "@example.com" not in stderr
    assert _mails(worker_settings.data_dir) == [reminder]


def test_conezia_worker_refuses_a_superuser_role(database_server_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "CONEZIA_DATABASE_URL": database_server_url, "CONEZIA_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "conezia.cli", "worker"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode != 0 and "superuser" in done.stderr

