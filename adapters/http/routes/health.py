"""Liveness and readiness probes (no authentication, no rate limit)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from litestar import Response, get

from ..problems import problem
from ..schemas import Health, responses
from ._common import Core

__all__ = ["ROUTES"]

TAGS = ["health"]
logger = logging.getLogger("conezia.http")

# An id no row has: reading it makes the database answer without touching data.
_NOBODY = uuid.UUID(int=0)


@get("/health", tags=TAGS, summary="Liveness", responses=responses(Health))
async def health() -> dict[str, Any]:
    """The process is up and serving."""
    return {"status": "ok"}


@get(
    "/health/ready", tags=TAGS, summary="Readiness",
    responses=responses(Health, errors=(503,)),
)
async def ready(deps: Core) -> Response[Any]:
    """The database answers a query through a unit of work; 503 otherwise."""
    try:
        async with deps.uow() as uow:
            await uow.users.get(_NOBODY)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        # only the type: driver messages may quote connection details
        logger.warning("readiness check failed: %s", type(exc).__name__)
        return problem(503, "The database is unavailable.")
    return Response({"status": "ok"})


ROUTES = [health, ready]
