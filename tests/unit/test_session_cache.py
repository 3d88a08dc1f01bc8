"""The HTTP adapter's short memory of verified sessions."""

from __future__ import annotations

import datetime as dt
import uuid

from conezia.adapters.http.sessions import SessionCache
from conezia.core.accounts import User

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)


def a_user() -> User:
    return User(id=uuid.uuid4(), email="a@b.co", inserted_at=NOW, updated_at=NOW)


class Clocks:
    def __init__(self) -> None:
        self.mono = 100.0
        self.wall = NOW


def make(ttl: float = 5.0) -> tuple[SessionCache, Clocks]:
    clocks = Clocks()
    cache = SessionCache(ttl, monotonic=lambda: clocks.mono, wall_clock=lambda: clocks.wall)
    return cache, clocks


def test_a_verified_session_is_remembered_for_the_ttl_only() -> None:
    cache, clocks = make(ttl=5)
    user = a_user()
    cache.put("tok", user, NOW + dt.timedelta(days=60))
    assert cache.get("tok") is user
    assert cache.get("other") is None
    clocks.mono += 5
    assert cache.get("tok") is None


def test_a_session_is_never_remembered_past_its_own_expiry() -> None:
    cache, clocks = make(ttl=5)
    cache.put("tok", a_user(), NOW + dt.timedelta(seconds=1))
    clocks.wall = NOW + dt.timedelta(seconds=1)
    assert cache.get("tok") is None


def test_forgetting_a_user_drops_all_of_their_sessions_and_no_one_elses() -> None:
    cache, _ = make()
    ada, bob = a_user(), a_user()
    later = NOW + dt.timedelta(days=1)
    cache.put("a1", ada, later)
    cache.put("a2", ada, later)
    cache.put("b1", bob, later)
    cache.forget_user(ada.id)
    assert (cache.get("a1"), cache.get("a2"), cache.get("b1")) == (None, None, bob)


def test_a_zero_ttl_remembers_nothing() -> None:
    cache, _ = make(ttl=0)
    cache.put("tok", a_user(), NOW + dt.timedelta(days=1))
    assert cache.get("tok") is None


def test_the_oldest_entries_are_dropped_beyond_the_maximum() -> None:
    clocks = Clocks()
    cache = SessionCache(5, max_entries=2, monotonic=lambda: clocks.mono, wall_clock=lambda: clocks.wall)
    later = NOW + dt.timedelta(days=1)
    for name in ("t1", "t2", "t3"):
        cache.put(name, a_user(), later)
    assert cache.get("t1") is None and cache.get("t2") is not None and cache.get("t3") is not None
