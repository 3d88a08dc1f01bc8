"""A request body is screened once read, before anything decodes it.

Runs as the application's ``before_request`` hook, after the guard has let the
request in and before Litestar decodes the body for the handler (which reuses
the bytes read here).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException

from .depth import MAX_JSON_DEPTH, nested_deeper_than

__all__ = ["screen_body"]


async def screen_body(request: Request[Any, Any, Any]) -> None:
    """Refuse a body nested too deeply to decode without exhausting the recursion limit.

    Args:
        request: the request about to be handled.

    Raises:
        ClientException: the body nests deeper than :data:`MAX_JSON_DEPTH` (400).
    """
    if "data" not in request.route_handler.parsed_fn_signature.parameters:
        return
    if nested_deeper_than(await request.body(), MAX_JSON_DEPTH):
        raise ClientException(f"The request body nests arrays or objects more than {MAX_JSON_DEPTH} levels deep.")
