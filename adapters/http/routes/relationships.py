"""Relationships to entities, and relationship health: who needs attention."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import delete, get, patch, post
from litestar.params import FromPath, QueryParameter

from conezia.core import services
from conezia.core.pagination import PageRequest

from ..schemas import (
    AttentionList,
    RelationshipCreate,
    RelationshipOut,
    RelationshipPage,
    RelationshipUpdate,
    body,
    responses,
)
from ..serialization import dump, dump_list, dump_page
from ._common import AUTHENTICATED, Core, CurrentUser, Cursor, Limit

__all__ = ["ROUTES"]

TAGS = ["relationships"]

CreateBody = Annotated[Any, body(RelationshipCreate)]
UpdateBody = Annotated[Any, body(RelationshipUpdate)]


@post(
    "/entities/{entity_id:uuid}/relationship", status_code=201, tags=TAGS,
    summary="Record your relationship to an entity",
    responses=responses(RelationshipOut, 201, errors=(*AUTHENTICATED, 400, 404, 409, 413, 422)),
)
async def create_relationship(
    deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID], data: CreateBody = None
) -> dict[str, Any]:
    """One relationship per entity; 409 if it has one already (change it instead)."""
    return dump(await services.set_relationship(deps, user.id, entity_id, data))


@get(
    "/entities/{entity_id:uuid}/relationship", tags=TAGS,
    summary="Your relationship to an entity", responses=responses(RelationshipOut, errors=(*AUTHENTICATED, 404)),
)
async def show_entity_relationship(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    """The relationship to one entity (404 if there is none)."""
    return dump(await services.get_entity_relationship(deps, user.id, entity_id))


@get(
    "/relationships", tags=TAGS, summary="List relationships",
    responses=responses(RelationshipPage, errors=(*AUTHENTICATED, 422)),
)
async def list_relationships(
    deps: Core,
    user: CurrentUser,
    status: Annotated[
        str | None, QueryParameter(description="`active`, `inactive` or `archived`.", max_length=20)
    ] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The caller's relationships, oldest first."""
    page = await services.list_relationships(deps, user.id, PageRequest.parse(limit=limit, cursor=cursor), status)
    return dump_page(page)


@get(
    "/relationships/{relationship_id:uuid}", tags=TAGS, summary="Show a relationship",
    responses=responses(RelationshipOut, errors=(*AUTHENTICATED, 404)),
)
async def show_relationship(deps: Core, user: CurrentUser, relationship_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    """One of the caller's relationships."""
    return dump(await services.get_relationship(deps, user.id, relationship_id))


@patch(
    "/relationships/{relationship_id:uuid}", status_code=200, tags=TAGS,
    summary="Change a relationship",
    responses=responses(RelationshipOut, errors=(*AUTHENTICATED, 400, 404, 413, 422)),
)
async def update_relationship(
    deps: Core, user: CurrentUser, relationship_id: FromPath[uuid.UUID], data: UpdateBody = None
) -> dict[str, Any]:
    """Change the fields sent."""
    return dump(await services.update_relationship(deps, user.id, relationship_id, data))


@delete(
    "/relationships/{relationship_id:uuid}", status_code=204, tags=TAGS,
    summary="Delete a relationship", responses=responses(None, 204, errors=(*AUTHENTICATED, 404)),
)
async def delete_relationship(deps: Core, user: CurrentUser, relationship_id: FromPath[uuid.UUID]) -> None:
    """Forget a relationship (the entity stays)."""
    await services.delete_relationship(deps, user.id, relationship_id)


@post(
    "/relationships/{relationship_id:uuid}/end", status_code=200, tags=TAGS,
    summary="End a relationship", responses=responses(RelationshipOut, errors=(*AUTHENTICATED, 404)),
)
async def end_relationship(deps: Core, user: CurrentUser, relationship_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    """Mark it inactive: it stays on record but no longer asks for attention."""
    return dump(await services.end_relationship(deps, user.id, relationship_id))


@get(
    "/attention", tags=TAGS, summary="Who needs attention",
    responses=responses(AttentionList, errors=(*AUTHENTICATED, 422)),
)
async def attention(
    deps: Core,
    user: CurrentUser,
    limit: Annotated[int, QueryParameter(ge=1, le=200, description="At most this many (default 50).")] = 50,
) -> dict[str, Any]:
    """Relationship health: active relationships past their threshold without contact, most overdue first."""
    return dump_list(await services.needing_attention(deps, user.id, limit))


ROUTES = [
    create_relationship, show_entity_relationship, list_relationships, show_relationship,
    update_relationship, delete_relationship, end_relationship, attention,
]
