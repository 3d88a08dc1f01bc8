"""`conezia run` on a fresh data folder, as a user starts it: its roles, its log, its backups.

Each server here is the real command (a subprocess) with its own embedded
PostgreSQL, whatever ``CONEZIA_TEST_DATABASE_URL`` says: the log and the
backup tools under test are the embedded server's.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx
import psycopg
import pytest

from conezia.embedded import EmbeddedPostgres
from tests.database_fixtures import beside_pytest_tmp

API = "/api/v1"
PASSWORD = "Analytical-Engine-1"
SSN = "078-05-1120"
PROVIDER_TOKEN = "ya29.provider-access-token-for-the-backup-test"
PROVIDER_REFRESH = "1//provider-refresh-token-for-the-backup-test"
_OURS = ("CONEZIA_DATABASE_URL", "CONEZIA_MIGRATION_DATABASE_URL", "CONEZIA_ALLOW_SUPERUSER", "CONEZIA_KEYS", "CONEZIA_KEY_FILE")


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _OURS and not k.startswith("GRANIAN_")}
    return {**env, "CONEZIA_DATA_DIR": str(data_dir), "CONEZIA_PASSWORD_PROFILE": "test", **extra}


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conezia.cli", *args],
        env=cli_env(data_dir), capture_output=True, text=True, timeout=300, check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@attrs.define
class Running:
    """A `conezia run` process, its data folder and an HTTP client on it."""

    data_dir: Path
    client: httpx.Client

    def superuser(self) -> psycopg.Connection[tuple[object, ...]]:
        url = run_cli("db", "url", "--role", "superuser", data_dir=self.data_dir).stdout.strip()
        return psycopg.connect(url, autocommit=True)

    def log(self) -> str:
        return (self.data_dir / "postgres" / "log").read_text(errors="replace")

    def token(self, email: str) -> str:
        answer = self.client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["token"])


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    """`conezia run` on a fresh data folder (it starts the embedded PostgreSQL, migrates and serves)."""
    with beside_pytest_tmp("conezia-run-") as folder, ConeziaRun(folder / "data") as server:
        yield server


@pytest.fixture
def second_data_dir() -> Iterator[Path]:
    with beside_pytest_tmp("conezia-restored-") as folder:
        data_dir = folder / "restored"
        try:
            yield data_dir
        finally:
            EmbeddedPostgres.stop_dir(data_dir / "postgres")


class ConeziaRun:
    """Start `conezia run` on ``data_dir``; stop it (and its PostgreSQL) on exit."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.env = env

    def __enter__(self) -> Running:
        port = free_port()
        self.errors = (self.data_dir.parent / f"{self.data_dir.name}-stderr.txt").open("w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "conezia.cli", "run"], env=cli_env(self.data_dir, CONEZIA_PORT=str(port), **self.env),
            stdout=subprocess.DEVNULL, stderr=self.errors,
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        deadline = time.monotonic() + 120  # a wait for startup, not an assertion about speed
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"conezia run did not start: {self._stderr()}")
            time.sleep(0.2)
        return Running(data_dir=self.data_dir, client=self.client)

    def _answers(self) -> bool:
        try:
            return self.client.get("/health").status_code == 200
        except httpx.TransportError:
            return False

    def _stderr(self) -> str:
        self.errors.seek(0)
        return self.errors.read()

    def __exit__(self, *_: object) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            self.returncode = self.process.wait(timeout=60)
        EmbeddedPostgres.stop_dir(self.data_dir / "postgres")
        self.errors.close()


def test_the_embedded_server_serves_as_the_application_role_and_migrates_as_the_owner(running: Running) -> None:
    assert running.client.post(f"{API}/auth/register", json={"email": "roles@example.com", "password": PASSWORD}).status_code == 201
    with running.superuser() as connection:
        serving = connection.execute(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'conezia' AND datname = 'conezia'"
        ).fetchall()
        owners = connection.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        ).fetchall()
        powers = connection.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'conezia_app'").fetchone()
    assert serving == [("conezia_app",)]
    assert owners == [("conezia_owner",)]
    assert powers == (False, False)


def test_unique_violations_leave_no_email_or_tag_name_in_the_database_log(running: Running) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    tag = f"tag-{uuid.uuid4().hex[:8]}"
    client = running.client
    assert client.post(f"{API}/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
    assert client.post(f"{API}/auth/register", json={"email": email, "password": PASSWORD}).status_code == 409
    headers = {"Authorization": f"Bearer {running.token(email)}"}
    assert client.post(f"{API}/tags", json={"name": tag}, headers=headers).status_code == 201
    assert client.post(f"{API}/tags", json={"name": tag}, headers=headers).status_code == 409
    log = running.log()
    assert "duplicate key value violates unique constraint" in log  # the violations did reach the log
    assert email not in log and tag not in log
    assert "DETAIL" not in log and "STATEMENT" not in log


def _populate(running: Running) -> dict[str, object]:
    """A user with an entity, an SSN and a linked sign-in; what the API shows of them."""
    email = f"grace-{uuid.uuid4().hex[:8]}@example.com"
    client = running.client
    assert client.post(f"{API}/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
    headers = {"Authorization": f"Bearer {running.token(email)}"}
    grace = client.post(f"{API}/entities", json={"type": "person", "name": "Grace Hopper"}, headers=headers).json()
    ssn = client.post(f"{API}/entities/{grace['id']}/identifiers", json={"type": "ssn", "value": SSN}, headers=headers)
    assert ssn.status_code == 201, ssn.text
    linked = client.post(
        f"{API}/me/auth-providers", headers=headers,
        json={"provider": "google", "provider_uid": "uid-1", "provider_token": PROVIDER_TOKEN,
              "provider_refresh_token": PROVIDER_REFRESH},
    )
    assert linked.status_code == 201, linked.text
    return {"email": email, "ssn_id": ssn.json()["id"], "provider_id": linked.json()["id"], "entity": grace}


def _read_back(running: Running, seen: dict[str, object]) -> None:
    headers = {"Authorization": f"Bearer {running.token(str(seen['email']))}"}
    client = running.client
    assert client.post(f"{API}/identifiers/{seen['ssn_id']}/reveal", headers=headers).json() == {"value": SSN}
    tokens = client.post(f"{API}/me/auth-providers/{seen['provider_id']}/reveal", headers=headers).json()
    assert tokens == {"provider_token": PROVIDER_TOKEN, "provider_refresh_token": PROVIDER_REFRESH}
    entity = seen["entity"]
    assert isinstance(entity, dict)
    assert client.get(f"{API}/entities/{entity['id']}", headers=headers).json() == entity


def test_a_dump_restored_into_a_new_data_folder_reads_back_every_secret(
    running: Running, second_data_dir: Path, tmp_path: Path
) -> None:
    seen = _populate(running)
    backup = tmp_path / "conezia.dump"
    dumped = run_cli("db", "dump", str(backup), data_dir=running.data_dir)
    assert dumped.returncode == 0, dumped.stderr
    assert "table 1 of " in dumped.stderr and "public.identifiers" in dumped.stderr
    assert SSN.encode() not in backup.read_bytes() and PROVIDER_TOKEN.encode() not in backup.read_bytes()

    # the key file is backed up separately, and comes along with the database
    second_data_dir.mkdir()
    shutil.copy(running.data_dir / "keys.json", second_data_dir / "keys.json")
    restored = run_cli("db", "restore", str(backup), data_dir=second_data_dir)
    assert restored.returncode == 0, restored.stderr
    assert "table 1 of " in restored.stderr

    again = run_cli("db", "restore", str(backup), data_dir=second_data_dir)
    assert again.returncode != 0 and "Traceback" not in again.stderr
    assert "not empty" in again.stderr and "--clean" in again.stderr
    cleaned = run_cli("db", "restore", "--clean", str(backup), data_dir=second_data_dir)
    assert cleaned.returncode == 0, cleaned.stderr

    with ConeziaRun(second_data_dir) as restored_server:
        _read_back(restored_server, seen)


def test_db_url_prints_a_url_psql_accepts(running: Running) -> None:
    url = run_cli("db", "url", data_dir=running.data_dir).stdout.strip()
    assert url.startswith("postgresql://conezia_app@/conezia?host=")
    psql = EmbeddedPostgres.bin_dir() / "psql"
    answer = subprocess.run([str(psql), url, "-Atc", "SELECT current_user"], capture_output=True, text=True, check=False, timeout=60)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "conezia_app"
