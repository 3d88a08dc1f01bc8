"""Liveness and readiness probes, without authentication.

They answer under the API prefix (``/api/v1/health``, budgeted like every API
request) and, for load balancers, at ``/health`` and ``/health/ready`` (no rate
limit, left out of the document).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Final

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler

from ..openapi import errors
from ..problems import UNAVAILABLE_RETRY_AFTER, problem
from ..schemas import Health
from ._common import Core

__all__ = ["API_ROUTES", "ROUTES"]

TAGS = ["health"]
logger = logging.getLogger("conezia.http")

# An id no row has: reading it makes the database answer without touching data.
_NOBODY = uuid.UUID(int=0)
_OK = Health()
# A probe wants an answer sooner than a request waits for a pooled connection.
_READY_WITHIN: Final = 3.0


async def check_liveness() -> Health:
    """The process is up and serving."""
    return _OK


async def check_readiness(deps: Core) -> Response[Health]:  # or a 503 problem
    """The database answers a query through a unit of work within 3 s; 503 with ``Retry-After`` otherwise."""
    try:
        async with asyncio.timeout(_READY_WITHIN):
            async with deps.uow() as uow:
                await uow.users.get(_NOBODY)
    except Exception as exc:
        # only the type: driver messages may quote connection details
        logger.warning("readiness check failed: %s", getattr(exc, "cause", None) or type(exc).__name__)
        return problem(  # type: ignore[return-value]
            503, "The database is unavailable.", headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
        )
    return Response(_OK)


def _probes(*, documented: bool) -> list[HTTPRouteHandler]:
    return [
        get("/health", tags=TAGS, summary="Liveness", include_in_schema=documented)(check_liveness),
        get("/health/ready", tags=TAGS, summary="Readiness", responses=errors(503), include_in_schema=documented)(
            check_readiness
        ),
    ]


API_ROUTES = _probes(documented=True)
"""Under the API prefix, in the document."""
ROUTES = _probes(documented=False)
"""At the root, for load balancers."""
