"""Assembling the Litestar application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from litestar import Litestar, MediaType, Request, Router, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.types import Message, Scope

from conezia.core.deps import Deps
from conezia.core.errors import ConeziaError

from .auth import provide_token, provide_user
from .config import API_PREFIX, HttpConfig
from .context import context_of
from .forwarded import TrustedProxies, parse_networks
from .guard import ApiGuard
from .openapi import StructSchemas, document_bodies, operation_id
from .options import options_handlers
from .problems import handle_core_error, handle_http_exception, handle_unexpected_error
from .ratelimit import LIMITER_STATE_KEY, RateLimiter, rate_limit_headers
from .routes import activity, auth, entities, health, identifiers, me, organizing, relationships, reminders
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

_swagger = SwaggerRenderPlugin(path="/swagger")


@get("/docs", media_type=MediaType.HTML, include_in_schema=False)
async def docs(request: Request[Any, Any, Any]) -> bytes:
    """The interactive API documentation (Swagger UI; Scalar is at /schema/scalar)."""
    return _swagger.render(request, request.app.openapi_schema.to_schema())


async def _add_response_headers(message: Message, scope: Scope) -> None:
    """Stamp the request id and rate-limit state on every response, errors included."""
    if message["type"] != "http.response.start":
        return
    context = context_of(scope)
    headers = list(message.get("headers") or ())
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

    public_routes = list(auth.PUBLIC)
    protected_routes = [
        *auth.PROTECTED, *me.ROUTES, *entities.ROUTES, *relationships.ROUTES, *identifiers.ROUTES, *organizing.ROUTES,
        *activity.ROUTES, *reminders.ROUTES,
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
    return Litestar(
        route_handlers=[public_api, protected_api, *health.ROUTES, docs],
        dependencies={"deps": Provide(provide_deps)},
        exception_handlers={
            ConeziaError: handle_core_error,
            HTTPException: handle_http_exception,
            Exception: handle_unexpected_error,
        },
        before_send=[_add_response_headers],
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
        render_plugins=[_swagger, ScalarRenderPlugin(path="/scalar")],
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
            Tag(name="activity", description="What you did, and from where"),
            Tag(name="reminders", description="Reminders: snooze, complete, recurrence"),
            Tag(name="health", description="Probes"),
        ],
        use_handler_docstrings=True,
        operation_id_creator=operation_id,
    )
