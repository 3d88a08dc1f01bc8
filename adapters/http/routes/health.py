"""Liveness and readiness probes (no authentication, no rate limit)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Final

from litestar import Response, get

from ..openapi import errors
from ..problems import UNAVAILABLE_RETRY_AFTER, problem
from ..schemas import Health
from ._common import Core

__all__ = ["ROUTES"]

TAGS = ["health"]
logger = logging.getLogger("conezia.http")

# An id no row has: reading it makes the database answer without touching data.
_NOBODY = uuid.UUID(int=0)
_OK = Health()
# A probe wants an answer sooner than a request waits for a pooled connection.
_READY_WITHIN: Final = 3.0


@get("/health", tags=TAGS, summary="Liveness")
async def check_liveness() -> Health:
    """The process is up and serving."""
    return _OK


@get("/health/ready", tags=TAGS, summary="Readiness", responses=errors(503))
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


ROUTES = [check_liveness, check_readiness]
