"""Relationships to entities, and relationship health: who needs attention."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import get, post
from litestar.params import FromPath

from conezia.core import services
from conezia.core.entities import RELATIONSHIP
from conezia.core.pagination import PageRequest

from ..bodies import RelationshipCreate, RelationshipUpdate
from ..openapi import body, errors
from ..schemas import AttentionList, RelationshipOut, RelationshipPage, out, out_list, out_page
from ._common import AUTHENTICATED, NO_BODY, Core, CurrentUser, Cursor, Limit, query, raw
from ._crud import Op, plain_routes

__all__ = ["ROUTES"]

TAGS = ["relationships"]
MAX_ATTENTION = 200

CreateBody = Annotated[Any, body(RelationshipCreate)]
_STATUS = RELATIONSHIP["status"]
StatusFilter = Annotated[
    str | None,
    query(f"One of {', '.join(_STATUS.choices)}.", max_length=_STATUS.max_length, choices=_STATUS.choices),
]
AttentionLimit = Annotated[int, query(f"At most this many, 1 to {MAX_ATTENTION} (default 50).", ge=1, le=MAX_ATTENTION)]


@post(
    "/entities/{entity_id:uuid}/relationship", status_code=201, tags=TAGS,
    summary="Record your relationship to an entity", responses=errors(*AUTHENTICATED, 404, 409, 413, 422),
)
async def create_relationship(
    deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID], data: CreateBody = NO_BODY
) -> RelationshipOut:
    """One relationship per entity; 409 if it has one already (change it instead)."""
    return out(RelationshipOut, await services.set_relationship(deps, user.id, entity_id, raw(data)))


@get(
    "/entities/{entity_id:uuid}/relationship", tags=TAGS, summary="Your relationship to an entity",
    responses=errors(*AUTHENTICATED, 404),
)
async def show_entity_relationship(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> RelationshipOut:
    """The relationship to one entity (404 if there is none)."""
    return out(RelationshipOut, await services.get_entity_relationship(deps, user.id, entity_id))


@get("/relationships", tags=TAGS, summary="List relationships", responses=errors(*AUTHENTICATED, 422))
async def list_relationships(
    deps: Core, user: CurrentUser, status: StatusFilter = None, limit: Limit = None, cursor: Cursor = None
) -> RelationshipPage:
    """The caller's relationships, oldest first."""
    page = await services.list_relationships(deps, user.id, PageRequest.parse(limit=limit, cursor=cursor), status)
    return out_page(RelationshipPage, page)


RELATIONSHIP_ROUTES = plain_routes(
    "/relationships", "relationship", plural="relationships", tags=TAGS, out_struct=RelationshipOut,
    show=Op(services.get_relationship, "One of the caller's relationships."),
    update=Op(services.update_relationship, "Change the fields sent.", body=RelationshipUpdate),
    delete=Op(services.delete_relationship, "Forget a relationship (the entity stays)."),
)


@post(
    "/relationships/{relationship_id:uuid}/end", status_code=200, tags=TAGS, summary="End a relationship",
    responses=errors(*AUTHENTICATED, 404),
)
async def end_relationship(deps: Core, user: CurrentUser, relationship_id: FromPath[uuid.UUID]) -> RelationshipOut:
    """Mark it inactive: it stays on record but no longer asks for attention."""
    return out(RelationshipOut, await services.end_relationship(deps, user.id, relationship_id))


@get("/attention", tags=TAGS, summary="Who needs attention", responses=errors(*AUTHENTICATED, 422))
async def list_needing_attention(deps: Core, user: CurrentUser, limit: AttentionLimit = 50) -> AttentionList:
    """Relationship health: active relationships past their threshold without contact, most overdue first."""
    return out_list(AttentionList, await services.needing_attention(deps, user.id, limit))


ROUTES = [
    create_relationship, show_entity_relationship, list_relationships, *RELATIONSHIP_ROUTES,
    end_relationship, list_needing_attention,
]
