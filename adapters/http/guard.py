"""The gate every API request passes before its body is read: authentication, budget, content type, the body."""

from __future__ import annotations

from typing import Any, Final, cast

from litestar.enums import ScopeType
from litestar.exceptions import ClientException, InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPReceiveMessage, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from conezia.core import services
from conezia.core.accounts import User
from conezia.core.deps import Deps, RateLimitedError
from conezia.core.errors import AuthenticationError
from conezia.core.events import Origin, origin

from .auth import bearer_token
from .context import context_of, peer_address
from .depth import MAX_JSON_DEPTH, nested_deeper_than
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
_UNLIMITED: Final = float("inf")


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
    """Authenticates, budgets and screens the content type and the body of each API request.

    Runs before Litestar reads the body, so an anonymous or over-budget caller
    never gets to make the server parse one. A handler that takes a JSON body
    (``data``) gets it read here, once: its size limited, its nesting screened,
    and left in the scope's state, where Litestar's ``Request.body()`` finds it.

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
            ClientException: a body that is not JSON, or nests too deeply (400).
            RequestEntityTooLarge: a body larger than the route takes (413).
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
        handler: Any = scope.get("route_handler")
        if handler is not None and "data" in handler.parsed_fn_signature.parameters:
            if _has_body(headers) and not _is_json(headers.get(b"content-type", "")):
                raise ClientException("Content-Type must be application/json.")
            body = await _read_body(receive, headers.get(b"content-length"), handler.resolve_request_max_body_size())
            if nested_deeper_than(body, MAX_JSON_DEPTH):
                raise ClientException(f"The request body nests arrays or objects more than {MAX_JSON_DEPTH} levels deep.")
            ScopeState.from_scope(scope).body = body
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


async def _read_body(receive: Receive, length: str | None, limit: int | None) -> bytes:
    """The whole request body, as Litestar's ``Request.body()`` reads it, with the same errors.

    Raises:
        ClientException: a ``Content-Length`` that is not a number (400).
        RequestEntityTooLarge: more than ``limit`` bytes, announced or sent (413).
        InternalServerException: the client went away before the body ended.
    """
    most = limit or _UNLIMITED
    if length is not None:
        try:
            announced = int(length)
        except ValueError:
            raise ClientException(f"Invalid content-length: {length!r}") from None
        if announced > most:
            raise RequestEntityTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        event = cast("HTTPReceiveMessage", await receive())
        if event["type"] == "http.disconnect":
            raise InternalServerException("client disconnected prematurely")
        chunk = event.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > most:
                raise RequestEntityTooLarge
            chunks.append(chunk)
        if not event.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)

