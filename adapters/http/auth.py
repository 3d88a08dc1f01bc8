"""Bearer tokens: reading them, and handing the authenticated caller to route handlers."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from conezia.core.accounts import User
from conezia.core.deps import Deps
from conezia.core.errors import AuthenticationError

from .context import context_of

__all__ = ["bearer_token", "provide_token", "provide_user"]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value.

    Args:
        authorization: the header's value, if any.

    Returns:
        The token, or None when the header is absent or uses another scheme.
    """
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        return None
    return token


async def provide_user(request: Request[Any, Any, Any], deps: NamedDependency[Deps]) -> User:
    """The authenticated caller (a dependency of every protected route).

    The guard middleware has verified the token before the body was read; this
    only hands its result over. It names ``deps`` only so that Litestar resolves
    the two one after the other: dependencies of one level are resolved in a new
    task group per request, which costs more than the handler's own work.

    Raises:
        AuthenticationError: the route was reached without the guard (never, when wired by ``make_app``).
    """
    user = context_of(request.scope).user
    if user is None:
        raise AuthenticationError("authentication required")
    return user


async def provide_token(request: Request[Any, Any, Any], deps: NamedDependency[Deps]) -> str:
    """The caller's verified bearer token (for logging out); ``deps`` as in :func:`provide_user`.

    Raises:
        AuthenticationError: as :func:`provide_user`.
    """
    token = context_of(request.scope).token
    if token is None:
        raise AuthenticationError("authentication required")
    return token
