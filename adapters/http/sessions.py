"""A short-lived, per-process memory of verified sessions.

Verifying a bearer token costs a database read (a round trip to PostgreSQL) on
every request. Remembering the answer for a few seconds removes both from the
hot path. What it costs: with several server processes, a session ended in one
process is still accepted by the others for at most ``ttl`` seconds. The process
that ends a session forgets it at once: :meth:`SessionCache.on_account_event` is
subscribed (by the composition root) to the core's events after commit, and any
change to an account (log out, password change or reset, confirmed address,
profile, deletion) drops that user's remembered sessions. ``ttl=0`` turns the
memory off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable

from conezia.core.accounts import User
from conezia.core.events import Deleted, Event, LoggedOut, Updated

__all__ = ["SESSIONS_STATE_KEY", "SessionCache"]

# Where make_app leaves the cache in the app state, for routes that end sessions.
SESSIONS_STATE_KEY = "conezia.sessions"


class SessionCache:
    """Verified sessions by token digest, each kept for ``ttl`` seconds at most.

    Args:
        ttl: seconds an answer is reused; 0 disables the cache.
        max_entries: the oldest entries are dropped beyond this.
    """

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
    ) -> None:
        self.ttl = ttl
        self._max = max_entries
        self._monotonic = monotonic
        self._wall = wall_clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[bytes, tuple[float, dt.datetime, User]] = OrderedDict()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> User | None:
        """The user of a recently verified, still valid session, or None."""
        if self.ttl <= 0:
            return None
        key = self._key(token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, expires_at, user = entry
            if self._monotonic() - stored_at >= self.ttl or self._wall() >= expires_at:
                del self._entries[key]
                return None
            return user

    def put(self, token: str, user: User, expires_at: dt.datetime) -> None:
        if self.ttl <= 0:
            return
        key = self._key(token)
        with self._lock:
            self._entries[key] = (self._monotonic(), expires_at, user)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def forget_user(self, user_id: uuid.UUID) -> None:
        """Drop every remembered session of a user (their account or sessions changed)."""
        with self._lock:
            for key in [k for k, (_, _, u) in self._entries.items() if u.id == user_id]:
                del self._entries[key]

    async def on_account_event(self, event: Event) -> None:
        """After-commit handler: an account changed, so its remembered sessions may be stale or ended."""
        if event.resource_type == "user" and isinstance(event, (Updated, Deleted, LoggedOut)):
            self.forget_user(event.user_id)
