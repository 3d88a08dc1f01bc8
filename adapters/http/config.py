"""Settings of the HTTP adapter, handed over by the composition root."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

import attrs

__all__ = ["API_PREFIX", "HttpConfig"]

API_PREFIX: Final = "/api/v1"


def _copy_limits(limits: Mapping[str, int]) -> dict[str, int]:
    return dict(limits)


def _origins(origins: Iterable[str]) -> tuple[str, ...]:
    return tuple(origins)


def _check_limits(_instance: object, _attribute: object, limits: dict[str, int]) -> None:
    if "free" not in limits:
        raise ValueError("rate_limits needs a 'free' entry: anonymous requests are budgeted with it")
    if any(value < 1 for value in limits.values()):
        raise ValueError("every rate limit must be at least 1")


@attrs.frozen
class HttpConfig:
    """How the HTTP API limits its callers.

    Attributes:
        rate_limits: requests allowed per ``rate_window`` for each user tier
            (``free``, ``personal``, ...); ``free`` also budgets anonymous callers.
        rate_window: length of a rate-limit window, in seconds.
        max_body_bytes: larger request bodies are refused with 413.
        debug: Litestar's debug mode. Error responses never carry internals either way.
        session_cache_seconds: how long a verified session is reused without a
            database read (0: never); see :mod:`conezia.adapters.http.sessions`.
        trusted_proxies: addresses or networks of reverse proxies whose
            ``X-Forwarded-For`` is believed (see :mod:`conezia.adapters.http.forwarded`).
        cors_origins: origins (``https://app.example.com``) whose web pages may call
            the API, or ``"*"`` for any; none by default (no CORS headers at all).
        cors_allow_credentials: let those pages send cookies and HTTP authentication;
            never with ``"*"``. Bearer tokens in ``Authorization`` need no credentials.
    """

    rate_limits: dict[str, int] = attrs.field(converter=_copy_limits, validator=_check_limits)
    rate_window: int = attrs.field(validator=attrs.validators.ge(1))
    max_body_bytes: int = attrs.field(validator=attrs.validators.ge(1))
    debug: bool = False
    session_cache_seconds: float = attrs.field(default=5.0, validator=attrs.validators.ge(0))
    trusted_proxies: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = attrs.field(default=(), converter=_origins)
    cors_allow_credentials: bool = False

    def __attrs_post_init__(self) -> None:
        if self.cors_allow_credentials and "*" in self.cors_origins:
            raise ValueError("CORS credentials cannot be allowed for every origin ('*'): name the origins")
