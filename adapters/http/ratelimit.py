"""Request budgets: per user by tier, per client address for anonymous callers.

Headers follow the IETF "RateLimit header fields for HTTP" draft: every API
response says how many requests are left in the current window and when it
resets, and a refusal carries ``Retry-After``.
"""

from __future__ import annotations

import functools
import math

from conezia.adapters.throttle import Decision, FixedWindowLimiter
from conezia.core.accounts import User

from .config import HttpConfig

__all__ = ["LIMITER_STATE_KEY", "RateLimiter", "rate_limit_headers"]

# Where make_app leaves the limiter in the app state, for requests that match no route.
LIMITER_STATE_KEY = "conezia.rate_limiter"


class RateLimiter:
    """Applies :class:`HttpConfig`'s budgets over a :class:`FixedWindowLimiter`.

    Args:
        config: the tiers' limits and the window length.
        limiter: the counter store (one per process; see :mod:`conezia.adapters.throttle`).
    """

    def __init__(self, config: HttpConfig, limiter: FixedWindowLimiter | None = None) -> None:
        self._limits = dict(config.rate_limits)
        self.window = config.rate_window
        self._limiter = limiter or FixedWindowLimiter()

    def limit_for(self, tier: str | None) -> int:
        """Requests per window for a tier; unknown tiers and anonymous callers get the free tier's."""
        return self._limits.get(tier or "free", self._limits["free"])

    def hit_user(self, user: User) -> Decision:
        """Count one request of an authenticated user."""
        return self._limiter.hit(("user", user.id), self.limit_for(user.tier), self.window)

    def hit_client(self, address: str) -> Decision:
        """Count one anonymous request (or one with a bad token) from a client address."""
        return self._limiter.hit(("client", address), self.limit_for(None), self.window)


def rate_limit_headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    """The ``RateLimit-*`` headers describing a decision, as ASGI header pairs.

    Args:
        decision: what the limiter answered for this request.

    Returns:
        Header name and value pairs, names in lower case.
    """
    reset = max(0, math.ceil(decision.reset_after))
    return [
        (b"ratelimit-limit", b"%d" % decision.limit),
        (b"ratelimit-remaining", b"%d" % decision.remaining),
        (b"ratelimit-reset", b"%d" % reset),
        (b"ratelimit-policy", _policy(decision.limit, decision.window)),
    ]


@functools.lru_cache(maxsize=64)
def _policy(limit: int, window: float) -> bytes:
    # a handful of tiers and one window: formatted once each, not on every response
    return f"{limit};w={window:g}".encode()
