"""Fakes and the ``deps`` fixture shared by the unit tests: the core over the in-memory adapter."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid

import pytest

from conezia.adapters.blobs import MemoryBlobStore
from conezia.adapters.mail import MemoryOutbox
from conezia.adapters.memory import MemoryStore, MemoryUnitOfWork
from conezia.adapters.push import MemoryPush
from conezia.adapters.recurrence import DateutilRecurrence
from conezia.adapters.security import AesGcmCipher, Argon2Hasher, HmacBlindIndex
from conezia.adapters.sniffing import MagicTypeDetector
from conezia.adapters.system import SystemSecrets
from conezia.adapters.throttle import MemoryLoginThrottle
from conezia.core.deps import Deps
from conezia.core.messagebus import MessageBus
from conezia.core.services.activity import subscribe_activity_log

T0 = dt.datetime(2026, 1, 17, 9, 30, 0, 250_000, tzinfo=dt.timezone.utc)


class FakeClock:
    def __init__(self, now: dt.datetime = T0) -> None:
        self.current = now

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


class SequentialIds:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=next(self._counter))


HASHER = Argon2Hasher(profile="test")


def make_deps(clock: FakeClock | None = None, *, activity_log: bool = True) -> Deps:
    """The core over a fresh memory store, wired as the composition root wires it."""
    store = MemoryStore()
    clock = clock or FakeClock()
    ids = SequentialIds()
    bus = MessageBus()
    if activity_log:
        subscribe_activity_log(bus, clock=clock, ids=ids)
    return Deps(
        uow=lambda: MemoryUnitOfWork(store, bus),
        bus=bus,
        clock=clock,
        ids=ids,
        secrets=SystemSecrets(),
        hasher=HASHER,
        cipher=AesGcmCipher({"k1": os.urandom(32)}, "k1"),
        blind_index=HmacBlindIndex(os.urandom(32)),
        login_throttle=MemoryLoginThrottle(max_failures=5, window=900),
        mailer=MemoryOutbox(),
        recurrence=DateutilRecurrence(),
        push=MemoryPush(),
        blobs=MemoryBlobStore(clock.now),
        detector=MagicTypeDetector(),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def deps(clock: FakeClock) -> Deps:
    return make_deps(clock)
