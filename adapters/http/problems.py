"""Errors as RFC 9457 ``application/problem+json`` responses."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from msgspec import UNSET

from conezia.core.deps import RateLimitedError
from conezia.core.errors import (
    AuthenticationError,
    ConeziaError,
    ConflictError,
    IntegrityCheckError,
    NotFoundError,
    PermissionDeniedError,
    TooLargeError,
    UnavailableError,
    ValidationError,
)

from .auth import bearer_token
from .config import API_PREFIX
from .context import client_address, context_of
from .ratelimit import LIMITER_STATE_KEY
from .schemas import PROBLEM_MEDIA_TYPE, Problem

__all__ = [
    "UNAVAILABLE_RETRY_AFTER",
    "handle_core_error",
    "handle_http_exception",
    "handle_unexpected_error",
    "problem",
]

logger = logging.getLogger("conezia.http")

#: Seconds a client is asked to wait after a 503: the pool reconnects within about that.
UNAVAILABLE_RETRY_AFTER = 2


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    request_id: str | None = None,
) -> Response[bytes]:
    """A problem response.

    Args:
        status: the HTTP status; ``title`` is its standard phrase.
        detail: a human-readable explanation of this occurrence.
        errors: field name -> messages, for validation problems.
        headers: extra response headers.
        request_id: for unexpected errors, to find the log line.

    Returns:
        The response, encoded already.
    """
    content = Problem(
        type="about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail or UNSET,
        errors=UNSET if errors is None else {field: list(messages) for field, messages in errors.items()},
        request_id=request_id or UNSET,
    )
    return Response(
        content=msgspec.json.encode(content),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def _www_authenticate(request: Request[Any, Any, Any]) -> str:
    # RFC 6750: say "invalid_token" only when a token was actually presented.
    if bearer_token(request.headers.get("authorization")) is not None:
        return 'Bearer realm="conezia", error="invalid_token"'
    return 'Bearer realm="conezia"'


def handle_core_error(request: Request[Any, Any, Any], exc: ConeziaError) -> Response[bytes]:
    """Translate an error of the core into a problem.

    Args:
        request: the failing request.
        exc: what the core raised.

    Returns:
        422 or 409 naming every failing field, 404, 401, 403 or 429; 409 for a stored value
        that failed its integrity check (the core logged it as a security event); 503 with
        ``Retry-After`` when the database is unavailable, logged as one warning line.
    """
    if isinstance(exc, ConflictError):
        return problem(409, "The request conflicts with existing data.", errors=exc.errors)
    if isinstance(exc, ValidationError):
        return problem(422, "The request has invalid fields.", errors=exc.errors)
    if isinstance(exc, NotFoundError):
        return problem(404, f"{exc.resource.capitalize()} not found.")
    if isinstance(exc, AuthenticationError):
        return problem(401, str(exc) or "Authentication required.",
                       headers={"WWW-Authenticate": _www_authenticate(request)})
    if isinstance(exc, RateLimitedError):
        return problem(429, f"Too many requests; retry after {exc.retry_after} seconds.",
                       headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, PermissionDeniedError):
        return problem(403, "You may not do this.")
    if isinstance(exc, IntegrityCheckError):
        return problem(409, "The stored value failed its integrity check; it cannot be revealed.")
    if isinstance(exc, UnavailableError):
        return _unavailable(request, exc)
    if isinstance(exc, TooLargeError):
        return problem(413, f"The request body is too large (at most {exc.limit} bytes).")
    return handle_unexpected_error(request, exc)


def _unavailable(request: Request[Any, Any, Any], exc: UnavailableError) -> Response[bytes]:
    request_id = context_of(request.scope).request_id
    route = request.scope.get("path_template") or "<unrouted>"
    logger.warning(
        "database unavailable in %s %s (request %s): %s", request.method, route, request_id, exc.cause
    )
    return problem(
        503, "The database is unavailable; retry later.",
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}, request_id=request_id,
    )


def _parameter_errors(exc: ValidationException) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if isinstance(item, Mapping):
            key = str(item.get("key") or "request")
            message = str(item.get("message") or "is invalid")
            errors.setdefault(key, []).append(message)
    return errors or {"request": ["is invalid"]}


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    """Translate Litestar's own errors (routing, parameters, body decoding, size) into problems.

    Args:
        request: the failing request.
        exc: what Litestar raised.

    Returns:
        422 for parameters of the wrong type, otherwise the exception's status.
    """
    if isinstance(exc, ValidationException):
        return problem(422, "The request has invalid parameters.", errors=_parameter_errors(exc))
    status = exc.status_code
    if status >= 500:
        return handle_unexpected_error(request, exc)
    if status in (404, 405) and (refused := _charge_unrouted(request)) is not None:
        return refused
    headers: dict[str, str] = {}
    if status == 405 and exc.headers:
        allow = exc.headers.get("allow") or exc.headers.get("Allow")
        if allow:
            headers["Allow"] = allow
    phrase = HTTPStatus(status).phrase
    detail = exc.detail if exc.detail and exc.detail != phrase else None
    if isinstance(exc.__cause__, SerializationException):
        detail = f"The request body is not valid JSON: {exc.detail}."
    elif status == 413:
        detail = "The request body is too large."
    elif status == 404:
        detail = "No such resource."
    return problem(status, detail, headers=headers)


def _charge_unrouted(request: Request[Any, Any, Any]) -> Response[bytes] | None:
    """Spend the address's budget on an API request that matched no route.

    Such requests never reach the guard middleware; counting them keeps URL scans
    within budget and gives every API response its ``RateLimit-*`` headers.
    """
    context = context_of(request.scope)
    if context.rate is not None or not request.url.path.startswith(API_PREFIX + "/"):
        return None
    context.rate = request.app.state[LIMITER_STATE_KEY].hit_client(client_address(request.scope))
    if context.rate.allowed:
        return None
    return handle_core_error(request, RateLimitedError(context.rate.reset_after))


def handle_unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Log an unexpected error and answer 500 without internals.

    The log line carries the request id, method and route template: never the
    body, the query string or the headers, where secrets travel.

    Args:
        request: the failing request.
        exc: the error.

    Returns:
        A 500 problem carrying the request id.
    """
    request_id = context_of(request.scope).request_id
    route = request.scope.get("path_template") or "<unrouted>"
    if request.app.debug:
        logger.error("unhandled error in %s %s (request %s)", request.method, route, request_id, exc_info=exc)
    else:
        logger.error(
            "unhandled error in %s %s (request %s)\n%s", request.method, route, request_id, _describe(exc)
        )
    return problem(500, "An unexpected error occurred; it has been logged.", request_id=request_id)


def _describe(exc: BaseException) -> str:
    """The exception chain's types and stack frames, without messages.

    Messages are left out because some carry data: a database error quotes the
    statement's parameters, which may be a password hash or an encrypted value.
    """
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__}")
        parts.extend(line.rstrip() for line in traceback.format_tb(current.__traceback__))
        current = current.__cause__ or current.__context__
    return "\n".join(parts)
