"""Assembling the Litestar application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.types import Message, Scope

from conezia.core.deps import Deps
from conezia.core.errors import ConeziaError

from .auth import provide_token, provide_user
from .config import API_PREFIX, HttpConfig
from .context import context_of
from .docs import DOCS_CSP, OfflineSwagger, docs_asset, docs_page
from .forwarded import TrustedProxies, parse_networks
from .guard import ApiGuard
from .head import ConeziaApp, allow_with_head
from .openapi import StructSchemas, document_bodies, operation_id
from .options import options_handlers
from .problems import handle_core_error, handle_http_exception, handle_unexpected_error
from .ratelimit import LIMITER_STATE_KEY, RateLimiter, rate_limit_headers
from .routes import (
    activity,
    attachments,
    auth,
    entities,
    health,
    identifiers,
    me,
    notifications,
    organizing,
    relationships,
    reminders,
    timeline,
)
from .sessions import SESSIONS_STATE_KEY, SessionCache

__all__ = ["make_app"]

BEARER: Final = "bearer"

_DESCRIPTION: Final = """\
Conezia is a personal relationship manager: the people, organizations and things in
your life, how to reach them, and who you have not been in touch with for too long.

Authenticate with `Authorization: Bearer <token>` (from `POST /api/v1/auth/login`).
Errors are RFC 9457 problems (`application/problem+json`); invalid input answers 422
with `errors` naming every failing field. Lists are paginated with `limit` and the
`next_cursor` of the previous page. Every API response carries `RateLimit-*` headers.
"""

_CSP: Final = DOCS_CSP.encode()

# What a web page on an allowed origin may send and read (see HttpConfig.cors_origins).
_CORS_HEADERS: Final = ["Authorization", "Content-Type", "Range", "If-Range"]
_CORS_EXPOSED: Final = [
    "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "Retry-After", "X-Request-ID",
    "WWW-Authenticate",
    # downloads of attachments
    "Content-Disposition", "Content-Range", "Content-Length", "Accept-Ranges", "ETag",
]


async def _add_response_headers(message: Message, scope: Scope) -> None:
    """Stamp the request id and rate-limit state on every response, errors included.

    ``Allow`` names ``HEAD`` wherever it names ``GET``, and every HTML page gets
    the documentation's Content-Security-Policy.
    """
    if message["type"] != "http.response.start":
        return
    context = context_of(scope)
    headers = []
    for name, value in message.get("headers") or ():
        if name.lower() == b"allow":
            value = allow_with_head(value.decode("latin-1")).encode()
        elif name.lower() == b"content-type" and value.startswith(b"text/html"):
            headers.append((b"content-security-policy", _CSP))
        headers.append((name, value))
    headers.append((b"x-request-id", context.request_id.encode()))
    if context.rate is not None:
        headers.extend(rate_limit_headers(context.rate))
    message["headers"] = headers


def make_app(
    deps: Deps, *, config: HttpConfig, sessions: SessionCache, on_shutdown: list[Callable[[], object]]
) -> Litestar:
    """Build the HTTP application over the core. Nothing connects until a request needs it.

    Args:
        deps: the core's dependencies, wired by the composition root.
        config: rate limits, body size limit, trusted proxies and debug mode.
        sessions: the memory of verified sessions (the composition root subscribes it to account events).
        on_shutdown: callables, plain or async, run in order when the server stops (closing the database pools).

    Returns:
        The ASGI application.
    """
    limiter = RateLimiter(config)
    proxies = TrustedProxies(parse_networks(config.trusted_proxies))

    async def provide_deps() -> Deps:
        return deps

    public_routes = [*auth.PUBLIC, *health.API_ROUTES]
    protected_routes = [
        *auth.PROTECTED, *me.ROUTES, *entities.ROUTES, *relationships.ROUTES, *identifiers.ROUTES, *organizing.ROUTES,
        *activity.ROUTES, *timeline.ROUTES, *reminders.ROUTES, *notifications.ROUTES, *attachments.ROUTES,
    ]
    document_bodies([*public_routes, *protected_routes])
    public_api = Router(
        API_PREFIX,
        route_handlers=[*options_handlers(public_routes), *public_routes],
        middleware=[ApiGuard(deps, limiter, sessions, proxies, require_auth=False)],
    )
    protected_api = Router(
        API_PREFIX,
        route_handlers=[*options_handlers(protected_routes), *protected_routes],
        middleware=[ApiGuard(deps, limiter, sessions, proxies, require_auth=True)],
        dependencies={
            "user": Provide(provide_user),
            "token": Provide(provide_token),
        },
        security=[{BEARER: []}],
    )
    return ConeziaApp(
        route_handlers=[public_api, protected_api, *health.ROUTES, docs_page, docs_asset],
        dependencies={"deps": Provide(provide_deps, use_cache=True)},  # one object for the process
        exception_handlers={
            ConeziaError: handle_core_error,
            HTTPException: handle_http_exception,
            Exception: handle_unexpected_error,
        },
        before_send=[_add_response_headers],
        cors_config=_cors_config(config, [*public_routes, *protected_routes]),
        state=State({
            LIMITER_STATE_KEY: limiter,
            SESSIONS_STATE_KEY: sessions,
        }),
        request_max_body_size=config.max_body_bytes,
        openapi_config=_openapi_config(),
        plugins=[StructSchemas()],
        on_shutdown=list(on_shutdown),
        # the server (or the embedding program) configures logging, not the app
        logging_config=None,
        debug=config.debug,
    )


def _openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Conezia API",
        version="1",
        description=_DESCRIPTION,
        path="/schema",
        # served from this package (see .docs); Litestar's other pages load from CDNs
        render_plugins=[OfflineSwagger()],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="A session token from `POST /api/v1/auth/login`.",
                )
            }
        ),
        tags=[
            Tag(name="auth", description="Accounts and sessions"),
            Tag(name="me", description="Your own account"),
            Tag(name="entities", description="People, organizations and things"),
            Tag(name="relationships", description="Relationships and their health"),
            Tag(name="identifiers", description="Phones, emails, handles, ID numbers"),
            Tag(name="tags", description="Labels on entities"),
            Tag(name="groups", description="Manual and smart groups"),
            Tag(name="interactions", description="Notes, calls, meetings: what happened with an entity"),
            Tag(name="conversations", description="Conversations with an entity, and their messages"),
            Tag(name="activity", description="What you did, and from where"),
            Tag(name="reminders", description="Reminders: snooze, complete, recurrence"),
            Tag(name="notifications", description="Your in-app feed of due reminders"),
            Tag(name="attachments", description="Files attached to entities, interactions and messages"),
            Tag(name="health", description="Probes"),
        ],
        use_handler_docstrings=True,
        operation_id_creator=operation_id,
    )


def _cors_config(config: HttpConfig, routes: list[Any]) -> CORSConfig | None:
    """Litestar's CORS configuration for the allowed origins; none, and so no CORS headers, without any."""
    if not config.cors_origins:
        return None
    methods = sorted({method for route in routes for method in route.http_methods} | {"HEAD", "OPTIONS"})
    return CORSConfig(
        allow_origins=list(config.cors_origins),
        allow_methods=methods,  # type: ignore[arg-type]
        allow_headers=_CORS_HEADERS,
        expose_headers=_CORS_EXPOSED,
        allow_credentials=config.cors_allow_credentials,
        max_age=600,
    )
