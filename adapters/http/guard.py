"""The gate every API request passes before its body is read: authentication, budget, content type."""

from __future__ import annotations

from typing import Any, Final

from litestar.enums import ScopeType
from litestar.exceptions import ClientException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from conezia.core import services
from conezia.core.accounts import User
from conezia.core.deps import Deps, RateLimitedError
from conezia.core.errors import AuthenticationError
from conezia.core.events import Origin, origin

from .auth import bearer_token
from .context import context_of, peer_address
from .forwarded import TrustedProxies
from .ratelimit import RateLimiter
from .sessions import SessionCache

__all__ = ["ApiGuard"]


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _has_body(headers: dict[bytes, str]) -> bool:
    length = headers.get(b"content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return b"transfer-encoding" in headers


_READ_HEADERS: Final = frozenset({
    b"authorization", b"content-length", b"content-type", b"transfer-encoding", b"user-agent",
})
_FORWARDED_FOR: Final = b"x-forwarded-for"


def _headers(scope: Scope) -> tuple[dict[bytes, str], list[str]]:
    """The few request headers the guard reads (the first of each), and every X-Forwarded-For value."""
    found: dict[bytes, str] = {}
    forwarded: list[str] = []
    for name, value in scope.get("headers", ()):
        # ASGI servers send names in lower case
        if name in _READ_HEADERS and name not in found:
            found[name] = value.decode("latin-1")
        elif name == _FORWARDED_FOR:
            forwarded.append(value.decode("latin-1"))
    return found, forwarded


class ApiGuard(ASGIMiddleware):
    """Authenticates, budgets and screens the content type of each API request.

    Runs before Litestar reads the body, so an anonymous or over-budget caller
    never gets to make the server parse one.

    It also tells the core where the request came from (address and user agent,
    see :func:`conezia.core.events.origin`) for the activity log.

    Args:
        deps: the core's dependencies (to verify sessions).
        limiter: the request budgets.
        sessions: the memory of verified sessions.
        proxies: whose ``X-Forwarded-For`` to believe.
        require_auth: whether the guarded routes need a bearer token.
    """

    scopes = (ScopeType.HTTP,)

    def __init__(
        self, deps: Deps, limiter: RateLimiter, sessions: SessionCache, proxies: TrustedProxies, *, require_auth: bool
    ) -> None:
        self.deps = deps
        self.limiter = limiter
        self.sessions = sessions
        self.proxies = proxies
        self.require_auth = require_auth

    def __deepcopy__(self, memo: dict[int, Any]) -> ApiGuard:
        # Litestar deep-copies routers when registering them; the guard must stay one
        # object so that every route spends the same budgets (and locks cannot be copied).
        return self

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Let the request through, or raise the error its problem response is made from.

        Raises:
            AuthenticationError: a protected route without a valid bearer token (401).
            RateLimitedError: the caller's budget is spent (429).
            ClientException: a body that is not JSON (400).
        """
        context = context_of(scope)
        headers, forwarded_for = _headers(scope)
        context.client = client = self.proxies.client(peer_address(scope), forwarded_for)
        # OPTIONS only describes the route (and CORS preflights never carry credentials)
        authenticating = self.require_auth and scope.get("method") != "OPTIONS"
        token = bearer_token(headers.get(b"authorization")) if authenticating else None
        user = await self._authenticate(token)
        # anonymous requests and failed attempts spend the address's budget, which caps token guessing
        context.rate = self.limiter.hit_client(client) if user is None else self.limiter.hit_user(user)
        if not context.rate.allowed:
            raise RateLimitedError(context.rate.reset_after)
        if authenticating and user is None:
            raise AuthenticationError("missing bearer token" if token is None else "invalid or expired session")
        context.user, context.token = user, token
        if _takes_body(scope) and _has_body(headers) and not _is_json(headers.get(b"content-type", "")):
            raise ClientException("Content-Type must be application/json.")
        with origin(Origin(client, headers.get(b"user-agent"))):
            await next_app(scope, receive, send)

    async def _authenticate(self, token: str | None) -> User | None:
        if token is None:
            return None
        user = self.sessions.get(token)
        if user is not None:
            return user
        try:
            user, row = await services.verify_session(self.deps, token)
        except AuthenticationError:
            return None
        self.sessions.put(token, user, row.expires_at())
        return user



def _takes_body(scope: Scope) -> bool:
    handler: Any = scope.get("route_handler")
    return handler is not None and "data" in handler.parsed_fn_signature.parameters
