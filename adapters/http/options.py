"""``OPTIONS`` answers with an ``Allow`` header naming every method of the path.

Litestar makes an ``OPTIONS`` handler for a path when its first handler is
registered and keeps it when more are added, so its ``Allow`` names only the
first method (``GET`` for ``/entities``, without ``POST``). These handlers are
made once all the routes are known.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from litestar import Response, route
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler

__all__ = ["options_handlers"]


def options_handlers(handlers: Iterable[HTTPRouteHandler]) -> list[HTTPRouteHandler]:
    """One ``OPTIONS`` handler for each path of ``handlers`` (to register before them, in the same router, so that Litestar makes none of its own)."""
    methods: defaultdict[str, set[str]] = defaultdict(set)
    for handler in handlers:
        for path in handler.paths:
            methods[path].update(handler.http_methods)
    return [_describe(path, ", ".join(sorted({*allowed, HttpMethod.OPTIONS}))) for path, allowed in methods.items()]


def _describe(path: str, allow: str) -> HTTPRouteHandler:
    async def describe_methods() -> Response[None]:
        return Response(None, status_code=204, headers={"Allow": allow})

    return route(path, http_method=[HttpMethod.OPTIONS], include_in_schema=False)(describe_methods)
