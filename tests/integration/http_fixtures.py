"""Fixtures and helpers for the HTTP API tests: a real PostgreSQL, a client, a mailbox, a clock.

Test modules import the fixtures they use from here (pytest finds fixtures in a
test module's namespace).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import attrs
import msgspec
import pytest
from httpx import Response
from litestar.testing import TestClient
from sqlalchemy import select

from conezia.adapters.mail import MemoryOutbox
from conezia.adapters.postgres import tables
from conezia.bootstrap import Backend, build_deps, create_app, open_backend
from conezia.core.deps import Deps
from conezia.keys import KeyRing
from conezia.settings import Settings

__all__ = [
    "API",
    "PASSWORD",
    "Api",
    "MutableClock",
    "api",
    "database_rows",
    "decoded",
    "http_backend",
    "make_api",
    "random_keys",
]

API = "/api/v1"
PASSWORD = "Analytical-Engine-1"
S = TypeVar("S")


def random_keys() -> KeyRing:
    """Fresh encryption and blind-index keys, never written anywhere."""
    return KeyRing.generate("test")


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


@pytest.fixture(scope="session")
def http_backend(migrated_database_url: str) -> Iterator[Backend]:
    """One PostgreSQL backend (and pool) for the session's HTTP tests."""
    backend = open_backend(migrated_database_url, pool_size=4)
    try:
        yield backend
    finally:
        backend.close()


def database_rows(backend: Backend) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: equal snapshots mean nothing changed."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    with backend.database.engine.connect() as connection:
        for table in tables.metadata.sorted_tables:
            rows = [tuple(row) for row in connection.execute(select(table))]
            snapshot[table.name] = sorted(rows, key=repr)
    return snapshot


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
        backend: the database.
        seen: (method, path, response) of every request made, for whole-session checks.
    """

    client: TestClient[Any]
    outbox: MemoryOutbox
    clock: MutableClock
    deps: Deps
    backend: Backend
    seen: list[tuple[str, str, Response]] = attrs.Factory(list)

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


@contextmanager
def make_api(backend: Backend, **settings: Any) -> Iterator[Api]:
    """A fresh app over an emptied database (emptied again afterwards), with settings overridden for the test."""
    backend.database.truncate_all()
    config = Settings(**{"password_profile": "test", "database_url": "unused", **settings})
    outbox = MemoryOutbox()
    clock = MutableClock()
    deps = build_deps(config, keys=random_keys(), backend=backend, mailer=outbox, clock=clock)
    app = create_app(config, deps=deps)
    try:
        with TestClient(app) as client:
            yield Api(client=client, outbox=outbox, clock=clock, deps=deps, backend=backend)
    finally:
        backend.database.truncate_all()


@pytest.fixture
def api(http_backend: Backend) -> Iterator[Api]:
    """The API with default settings over an empty database."""
    with make_api(http_backend) as instance:
        yield instance
