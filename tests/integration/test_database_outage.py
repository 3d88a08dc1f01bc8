"""The database going away under load: 503 problems with Retry-After, never a 500, nothing acknowledged lost.

Each test runs its own embedded PostgreSQL (never the shared test server), and
the real app on a real pool, driven by 16 concurrent clients on the app's event
loop, while the server is restarted or every session of the app is terminated.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import attrs
import httpx
import psycopg
import pytest

from conezia.adapters.mail import MemoryOutbox
from conezia.adapters.postgres import PostgresDatabase
from conezia.adapters.postgres.migrator import apply_migrations
from conezia.bootstrap import Backend, build_deps, create_app
from conezia.embedded import EmbeddedPostgres
from conezia.settings import Settings
from tests.database_fixtures import beside_pytest_tmp
from tests.integration.http_fixtures import API, PASSWORD, libpq_url, random_keys

pytestmark = pytest.mark.anyio

CLIENTS = 16
# bounds, not assertions: the load stops by itself
REQUESTS_BEFORE, REQUESTS_AFTER, MAX_REQUESTS = 400, 400, 20_000
LOAD_BOUND_SECONDS = 240


@attrs.define
class Server:
    """An embedded PostgreSQL of the test's own, which the test may stop and start."""

    data_dir: Path
    embedded: EmbeddedPostgres = attrs.Factory(EmbeddedPostgres)
    url: str = ""

    def start(self) -> None:
        self.url = self.embedded.start(self.data_dir)

    def stop(self) -> None:
        self.embedded.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    def terminate_app_sessions(self) -> int:
        with psycopg.connect(libpq_url(self.url), autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'conezia' AND pid <> pg_backend_pid()"
            ).fetchall()
        return len(rows)

    def entity_ids(self) -> set[str]:
        with psycopg.connect(libpq_url(self.url), autocommit=True) as probe:
            return {str(row[0]) for row in probe.execute("SELECT id FROM entities")}


@pytest.fixture
def server() -> Iterator[Server]:
    with beside_pytest_tmp("conezia-outage-") as folder:
        own = Server(folder / "pgdata")
        own.start()
        try:
            apply_migrations(own.embedded.owner_url)  # the schema owner migrates; the app connects as its own role
            yield own
        finally:
            own.stop()


@pytest.fixture
async def client(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    """The real app over a real pool on the embedded server, served on this test's event loop.

    httpx's ASGI transport calls the app as an ASGI server does, each request a task
    on the one loop (Litestar's test clients run the app in a thread of their own, one
    request at a time).
    """
    settings = Settings(
        password_profile="test", database_url="unused", rate_limits=dict.fromkeys(
            ("free", "personal", "professional", "enterprise"), 10_000_000),
    )
    database = PostgresDatabase(server.url, pool_size=4, checkout_timeout=20.0)
    backend = Backend(kind="postgres", uow=database.unit_of_work, aclose=database.close, database=database)
    deps = build_deps(settings, keys=random_keys(), backend=backend, mailer=MemoryOutbox())
    app = create_app(settings, deps=deps)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as http:
            yield http
    finally:
        await database.close()


@attrs.define
class Load:
    """What the clients saw, and a signal when as many answers as awaited have come."""

    answers: list[httpx.Response] = attrs.Factory(list)
    created: set[str] = attrs.Factory(set)
    _target: int = 0
    _reached: asyncio.Event = attrs.Factory(asyncio.Event)

    def count(self) -> int:
        return len(self.answers)

    def record(self, response: httpx.Response) -> None:
        self.answers.append(response)
        if self.count() >= self._target:
            self._reached.set()

    async def until(self, count: int) -> None:
        """Wait until ``count`` answers have come."""
        self._target = count
        if self.count() < count:
            self._reached.clear()
            await self._reached.wait()


async def _log_in(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    registered = await client.post(f"{API}/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    login = await client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def _run_load(client: httpx.AsyncClient, disturb: Callable[[], Awaitable[None]]) -> Load:
    """16 clients reading and creating until ``disturb`` has run and as many requests again have passed."""
    headers = [await _log_in(client, f"load-{n}@example.com") for n in range(CLIENTS)]
    load, stop = Load(), asyncio.Event()

    async def one_client(n: int) -> None:
        i = 0
        while not stop.is_set() and load.count() < MAX_REQUESTS:
            i += 1
            if i % 2:
                response = await client.get(f"{API}/entities", headers=headers[n], params={"limit": 5})
            else:
                response = await client.post(
                    f"{API}/entities", headers=headers[n], json={"type": "person", "name": f"P{n}-{i}"}
                )
                if response.status_code == 201:
                    load.created.add(response.json()["id"])
            load.record(response)

    async def conductor() -> None:
        await load.until(REQUESTS_BEFORE)
        await disturb()
        await load.until(load.count() + REQUESTS_AFTER)
        stop.set()

    async with asyncio.timeout(LOAD_BOUND_SECONDS):
        await asyncio.gather(conductor(), *(one_client(n) for n in range(CLIENTS)))
    return load


def _assert_outage_handled(load: Load, caplog: pytest.LogCaptureFixture, server: Server) -> None:
    statuses = [r.status_code for r in load.answers]
    assert set(statuses) <= {200, 201, 503}, sorted(set(statuses))
    failed = [r for r in load.answers if r.status_code == 503]
    for response in failed:
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["status"] == 503
    # one warning line per failure, and no error or traceback from anyone
    unavailable = [r for r in caplog.records if r.name.startswith("conezia") and r.levelno >= logging.WARNING]
    assert len(unavailable) == len(failed), [r.getMessage() for r in unavailable]
    assert all("database unavailable" in r.getMessage() for r in unavailable)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    # nothing acknowledged was lost
    assert load.created <= server.entity_ids()
    # the load did go on after the disturbance, and succeeded again
    assert statuses[-CLIENTS:].count(503) < CLIENTS


async def test_restarting_the_database_under_load_answers_only_503_problems_and_loses_nothing_acknowledged(
    client: httpx.AsyncClient, server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    async def restart() -> None:
        await asyncio.to_thread(server.restart)

    with caplog.at_level(logging.INFO):
        load = await _run_load(client, restart)
    _assert_outage_handled(load, caplog, server)


async def test_terminating_every_session_of_the_app_under_load_answers_only_503_problems_and_loses_nothing(
    client: httpx.AsyncClient, server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    async def terminate() -> None:
        for _ in range(5):
            assert await asyncio.to_thread(server.terminate_app_sessions) >= 0
            await asyncio.sleep(0.05)

    with caplog.at_level(logging.INFO):
        load = await _run_load(client, terminate)
    _assert_outage_handled(load, caplog, server)


async def test_readiness_answers_503_with_retry_after_while_the_database_is_down_and_200_once_it_is_back(
    client: httpx.AsyncClient, server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await client.get("/health/ready")).status_code == 200
    await asyncio.to_thread(server.stop)
    with caplog.at_level(logging.INFO):
        down = await client.get("/health/ready")
    assert down.status_code == 503, down.text
    assert down.headers["content-type"] == "application/problem+json"
    assert int(down.headers["retry-after"]) >= 1
    assert [r.levelname for r in caplog.records if r.name.startswith("conezia")] == ["WARNING"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]

    await asyncio.to_thread(server.start)
    for _ in range(60):  # the pool reconnects with a backoff of a few seconds
        if (await client.get("/health/ready")).status_code == 200:
            break
        await asyncio.sleep(0.5)
    assert (await client.get("/health/ready")).status_code == 200
