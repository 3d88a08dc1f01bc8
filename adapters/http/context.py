"""Per-request state shared by the guard middleware, the dependencies and the error handlers."""

from __future__ import annotations

import itertools
import secrets
from typing import Any, Final, cast

import attrs

from conezia.adapters.throttle import Decision
from conezia.core.accounts import User

__all__ = ["RequestContext", "client_address", "context_of", "peer_address"]

_SCOPE_KEY: Final = "conezia.context"

# Request ids only need to be unique, not secret: a random prefix per process and a
# counter are unique across processes and restarts, and cost no system call per request.
_ID_PREFIX: Final = secrets.token_hex(8)
_ID_COUNTER: Final = itertools.count(1)


def _next_request_id() -> str:
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


@attrs.define
class RequestContext:
    """What the API learned about the current request.

    Attributes:
        request_id: echoed as ``X-Request-ID`` and written to the logs, to match the two up.
        user: the authenticated caller, on routes that require one.
        token: the caller's bearer token (never logged, never echoed).
        rate: the rate-limit decision, turned into ``RateLimit-*`` headers.
        client: the client's address, once the guard resolved it (trusted proxies considered).
    """

    request_id: str = attrs.Factory(_next_request_id)
    user: User | None = None
    token: str | None = attrs.field(default=None, repr=False)
    rate: Decision | None = None
    client: str | None = None


def context_of(scope: Any) -> RequestContext:
    """The context of the request behind an ASGI scope, created on first use.

    Args:
        scope: the ASGI scope (Litestar keeps one dict per request throughout).

    Returns:
        The request's context.
    """
    raw = cast("dict[str, Any]", scope)
    context = raw.get(_SCOPE_KEY)
    if context is None:
        context = raw[_SCOPE_KEY] = RequestContext()
    return cast("RequestContext", context)


def peer_address(scope: Any) -> str:
    """The address the connection came from, as the ASGI server reports it (``"unknown"`` without one)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def client_address(scope: Any) -> str:
    """The client's address: as the guard resolved it (see :class:`~.forwarded.TrustedProxies`), else the peer's.

    Args:
        scope: the ASGI scope.
    """
    resolved = context_of(scope).client
    return resolved if resolved is not None else peer_address(scope)
