"""`conezia run` runs a background worker beside the server (unless told not to), and stops it with the server."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from tests.integration.test_embedded_default import API, PASSWORD, ConeziaRun, Running


def _a_reminder_due_in_a_moment(running: Running) -> dict[str, str]:
    email = "worker@example.com"
    assert running.client.post(f"{API}/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
    headers = {"Authorization": f"Bearer {running.token(email)}"}
    due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    created = running.client.post(f"{API}/reminders", headers=headers, json={
        "type": "custom", "title": "Water the plants", "due_at": due.isoformat(),
    })
    assert created.status_code == 201, created.text
    return headers


def test_conezia_run_delivers_due_reminders_in_process_and_stops_cleanly(tmp_path: Path) -> None:
    run = ConeziaRun(tmp_path / "data", CONEZIA_WORKER_SCHEDULE="* * * * * *")
    with run as running:
        headers = _a_reminder_due_in_a_moment(running)
        deadline = time.monotonic() + 30
        while not (feed := running.client.get(f"{API}/notifications", headers=headers).json()["data"]):
            assert time.monotonic() < deadline, "the in-process worker delivered nothing"
            time.sleep(0.3)
        assert [entry["title"] for entry in feed] == ["Water the plants"]
    assert run.returncode == 0
    log = (tmp_path / "data-stderr.txt").read_text()
    assert "worker" in log and "started" in log and "stopped" in log
    assert "Water the plants" not in log and "worker@example.com" not in log


def test_conezia_run_without_a_worker_delivers_nothing(tmp_path: Path) -> None:
    with ConeziaRun(tmp_path / "data", CONEZIA_RUN_WORKER="false", CONEZIA_WORKER_SCHEDULE="* * * * * *") as running:
        headers = _a_reminder_due_in_a_moment(running)
        time.sleep(4)
        assert running.client.get(f"{API}/notifications", headers=headers).json()["data"] == []
    assert "started" not in (tmp_path / "data-stderr.txt").read_text()
