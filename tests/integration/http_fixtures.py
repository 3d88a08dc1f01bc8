"""Fixtures and helpers for the HTTP API tests: a real PostgreSQL, a client, a mailbox, a clock.

Litestar's ``TestClient`` runs the app on an event loop of its own (a blocking
portal in a thread), so each app gets its own backend, opened on that loop at
its first request and closed at its shutdown, as in a server process. The
tests look at the rows through a separate plain psycopg connection.

Test modules import the fixtures they use from here (pytest finds fixtures in a
test module's namespace).

``CONEZIA_HTTP_TEST_BACKEND=memory`` runs the same tests on the memory backend
(quicker, and handy while the PostgreSQL adapter is in pieces).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import attrs
import msgspec
import psycopg
import pytest
from httpx import Response
from litestar.testing import TestClient
from psycopg import sql
from sqlalchemy.engine import make_url

from conezia.adapters.mail import MemoryOutbox
from conezia.bootstrap import Backend, build_deps, create_app, open_backend
from conezia.core.deps import Deps
from conezia.keys import KeyRing
from conezia.settings import Settings

__all__ = [
    "API",
    "PASSWORD",
    "Api",
    "MutableClock",
    "TestDatabase",
    "api",
    "database_rows",
    "decoded",
    "http_database",
    "libpq_url",
    "make_api",
    "random_keys",
]

API = "/api/v1"
PASSWORD = "Analytical-Engine-1"
S = TypeVar("S")
T = TypeVar("T")

Rows = dict[str, list[tuple[Any, ...]]]


def random_keys() -> KeyRing:
    """Fresh encryption and blind-index keys, never written anywhere."""
    return KeyRing.generate("test")


def libpq_url(database_url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL in the form libpq (``psycopg.connect``) takes."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class MutableClock:
    """The system time plus an offset that tests move forward."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return dt.datetime.now(dt.timezone.utc) + self.offset

    def advance(self, **delta: float) -> None:
        with self._lock:
            self.offset += dt.timedelta(**delta)


class TestDatabase:
    """Where the HTTP tests' apps keep their rows, and a plain connection to look at them.

    Args:
        target: ``"memory"`` or the URL of a migrated PostgreSQL database.
    """

    __test__ = False  # not a test class, whatever its name

    def __init__(self, target: str) -> None:
        self.target = target
        self._connection = None if target == "memory" else psycopg.connect(libpq_url(target), autocommit=True)
        self._tables: list[str] = []
        if self._connection is not None:
            # the application's tables, not yoyo's bookkeeping
            found = self._connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename NOT LIKE '%yoyo%' ORDER BY tablename"
            ).fetchall()
            self._tables = [name for (name,) in found]

    def rows(self, backend: Backend) -> Rows:
        """Every row of every table, in a stable order: equal snapshots mean nothing changed."""
        if self._connection is None:
            # deep copies: an equal later snapshot must mean equal rows, not the same objects
            tables = copy.deepcopy(backend.database.snapshot())
            return {name: sorted(tables.rows(name).items(), key=repr) for name in tables.schema}
        return {
            name: sorted(self._connection.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(name))), key=repr)
            for name in self._tables
        }

    def execute(self, statement: str) -> list[tuple[Any, ...]]:
        """Run SQL on the plain connection (PostgreSQL only); the rows it returns, if any."""
        assert self._connection is not None, "SQL needs the PostgreSQL backend"
        cursor = self._connection.execute(statement)
        return cursor.fetchall() if cursor.description else []

    def empty(self) -> None:
        """Empty every table (a memory backend starts empty anyway)."""
        if self._connection is not None and self._tables:
            names = sql.SQL(", ").join(sql.Identifier(name) for name in self._tables)
            self._connection.execute(sql.SQL("TRUNCATE {} CASCADE").format(names))

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@pytest.fixture(scope="session")
def http_database(request: pytest.FixtureRequest) -> Iterator[TestDatabase]:
    """The session's migrated PostgreSQL database (or memory, see the module's docstring)."""
    if os.environ.get("CONEZIA_HTTP_TEST_BACKEND") == "memory":
        target = "memory"
    else:
        target = request.getfixturevalue("migrated_database_url")
    database = TestDatabase(target)
    try:
        yield database
    finally:
        database.close()


def decoded(response: Response, shape: type[S]) -> S:
    """The response body decoded as a documented shape (unknown or missing fields fail)."""
    return msgspec.json.decode(response.content, type=shape)


@attrs.define
class Api:
    """A test client over the real app, remembering every response it got.

    Attributes:
        client: Litestar's test client.
        outbox: where the app's mail goes.
        clock: the app's clock.
        deps: the app's core dependencies.
        backend: the app's own backend (its pool lives on the client's event loop).
        database: the plain view of the rows.
        seen: (method, path, response) of every request made, for whole-session checks.
    """

    client: TestClient[Any]
    outbox: MemoryOutbox
    clock: MutableClock
    deps: Deps
    backend: Backend
    database: TestDatabase
    seen: list[tuple[str, str, Response]] = attrs.Factory(list)

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run an async use-case on the app's event loop (where its pool lives), from a sync test."""
        return self.client.blocking_portal.call(fn, *args)

    def request(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.request(method, path, headers=headers, **kwargs)
        self.seen.append((method, path, response))
        return response

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def register(self, email: str, password: str = PASSWORD, **fields: Any) -> dict[str, Any]:
        response = self.post(f"{API}/auth/register", json={"email": email, "password": password, **fields})
        assert response.status_code == 201, response.text
        return response.json()

    def log_in(self, email: str, password: str = PASSWORD) -> str:
        response = self.post(f"{API}/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    def new_user(self, email: str | None = None) -> str:
        """Register and log in someone; returns their bearer token."""
        address = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        self.register(address)
        return self.log_in(address)

    def mailed_token(self, kind: str, to: str) -> str:
        message = self.outbox.last(kind, to)
        assert message is not None, f"no {kind} message to {to}"
        return message.token

    def create(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post(f"{API}{path}", token=token, json=body)
        assert response.status_code == 201, response.text
        return response.json()


def database_rows(api: Api) -> Rows:
    """Every row the app's database holds, in a stable order (see :meth:`TestDatabase.rows`)."""
    return api.database.rows(api.backend)


@contextmanager
def make_api(database: TestDatabase, **settings: Any) -> Iterator[Api]:
    """A fresh app over an emptied database (emptied again afterwards), with settings overridden for the test.

    The app has a backend of its own whose pool opens on the client's event loop
    at the first request and closes when the app shuts down.
    """
    database.empty()
    # attachments' files go to a folder of the test's own, not ./var
    scratch = tempfile.mkdtemp(prefix="conezia-http-")
    config = Settings(**{"password_profile": "test", "database_url": "unused", "data_dir": Path(scratch), **settings})
    backend = open_backend(database.target, pool_size=4)
    outbox = MemoryOutbox()
    clock = MutableClock()
    deps = build_deps(config, keys=random_keys(), backend=backend, mailer=outbox, clock=clock)
    app = create_app(config, deps=deps)
    app.on_shutdown.append(backend.aclose)
    try:
        with TestClient(app) as client:
            yield Api(client=client, outbox=outbox, clock=clock, deps=deps, backend=backend, database=database)
    finally:
        database.empty()
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture
def api(http_database: TestDatabase) -> Iterator[Api]:
    """The API with default settings over an empty database."""
    with make_api(http_database) as instance:
        yield instance
