"""A request body is screened once read, before anything decodes it.

Runs as the application's ``before_request`` hook, after the guard has let the
request in and before Litestar decodes the body for the handler (which reuses
the bytes read here).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException

from conezia.core.errors import ValidationError

from .depth import MAX_JSON_DEPTH, nested_deeper_than
from .openapi import DocumentedBody

__all__ = ["screen_body"]


async def screen_body(request: Request[Any, Any, Any]) -> None:
    """Refuse a body nested too deeply to decode safely, or a missing body a route requires.

    Args:
        request: the request about to be handled.

    Raises:
        ClientException: the body nests deeper than :data:`MAX_JSON_DEPTH` (400).
        ValidationError: the route requires a body and none was sent (422 on ``body``).
    """
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return
    body = await request.body()
    if not body:
        kwarg = data.kwarg_definition
        if isinstance(kwarg, DocumentedBody) and kwarg.required:
            raise ValidationError(body="is required")
        return
    if nested_deeper_than(body, MAX_JSON_DEPTH):
        raise ClientException(f"The request body nests arrays or objects more than {MAX_JSON_DEPTH} levels deep.")
