"""In-process request budgets and login throttling.

State lives in the serving process: with several workers each keeps its own
counts, so the effective budget is multiplied by the worker count.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence

import attrs

__all__ = ["Decision", "FixedWindowLimiter", "MemoryLoginThrottle"]


@attrs.frozen
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    window: float


class FixedWindowLimiter:
    """Counts hits per key in fixed windows of ``window`` seconds."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self._now = monotonic
        self._lock = threading.Lock()
        self._windows: dict[Hashable, tuple[float, int]] = {}
        self._max_keys = max_keys

    def hit(self, key: Hashable, limit: int, window: float) -> Decision:
        now = self._now()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= window:
                start, count = now, 0
            reset_after = max(0.0, window - (now - start))
            if count >= limit:
                return Decision(False, limit, 0, reset_after, window)
            count += 1
            if len(self._windows) >= self._max_keys and key not in self._windows:
                self._evict(now, window)
            self._windows[key] = (start, count)
            return Decision(True, limit, limit - count, reset_after, window)

    def _evict(self, now: float, window: float) -> None:
        for k in [k for k, (s, _) in self._windows.items() if now - s >= window]:
            del self._windows[k]
        if len(self._windows) >= self._max_keys:
            self._windows.clear()


class MemoryLoginThrottle:
    """Allows ``max_failures`` failed logins per key within ``window`` seconds, then blocks the key.

    Args:
        max_failures: per account key (``account:...``); client keys (``client:...``)
            get ``client_factor`` times as many, since one address may serve many people.
    """

    def __init__(
        self,
        *,
        max_failures: int = 5,
        window: float = 900.0,
        client_factor: int = 4,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_failures
        self._window = window
        self._client_factor = client_factor
        self._now = monotonic
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def _limit(self, key: str) -> int:
        return self._max * (self._client_factor if key.startswith("client:") else 1)

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.get(key)
        if q is None:
            return deque()
        while q and now - q[0] >= self._window:
            q.popleft()
        if not q:
            del self._failures[key]
        return q

    def retry_after(self, keys: Sequence[str]) -> float | None:
        now = self._now()
        waits = []
        with self._lock:
            for key in keys:
                q = self._recent(key, now)
                if len(q) >= self._limit(key):
                    waits.append(self._window - (now - q[0]))
        return max(waits) if waits else None

    def failed(self, keys: Sequence[str]) -> None:
        now = self._now()
        with self._lock:
            for key in keys:
                q = self._failures.setdefault(key, deque())
                q.append(now)
                while len(q) > self._limit(key):
                    q.popleft()

    def succeeded(self, keys: Sequence[str]) -> None:
        with self._lock:
            for key in keys:
                if key.startswith("account:"):
                    self._failures.pop(key, None)
