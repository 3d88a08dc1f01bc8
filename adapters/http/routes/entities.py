"""Entities: the people, organizations and things in the caller's life."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import delete, get, patch, post
from litestar.params import FromPath, QueryParameter

from conezia.core import services
from conezia.core.pagination import PageRequest

from ..schemas import EntityCreate, EntityOut, EntityPage, EntityUpdate, InteractionRecord, body, responses
from ..serialization import dump, dump_page
from ._common import AUTHENTICATED, Core, CurrentUser, Cursor, Limit, envelope

__all__ = ["ROUTES"]

TAGS = ["entities"]

CreateBody = Annotated[Any, body(EntityCreate)]
UpdateBody = Annotated[Any, body(EntityUpdate)]
InteractionBody = Annotated[Any, body(InteractionRecord)]


def _filter(description: str, name: str | None = None) -> QueryParameter:
    return QueryParameter(name=name, description=description, max_length=1000, required=False)


# Listing, showing and creating entities are the API's busiest calls: they run on the
# event loop over the async entity port, without a thread hop or a unit of work.


@get(
    "/entities", tags=TAGS, summary="List entities",
    responses=responses(EntityPage, errors=(*AUTHENTICATED, 422)),
)
async def list_entities(
    deps: Core,
    user: CurrentUser,
    type_: Annotated[str | None, _filter("Entity types, comma-separated (any of them).", "type")] = None,
    tag: Annotated[str | None, _filter("Tag names, comma-separated (all of them).")] = None,
    relationship_type: Annotated[str | None, _filter("Relationship types, comma-separated.")] = None,
    relationship_status: Annotated[str | None, _filter("Relationship statuses, comma-separated.")] = None,
    archived: Annotated[str | None, _filter("`false` (default), `true` or `all`.")] = None,
    q: Annotated[str | None, _filter("Part of the name, any case.")] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The caller's entities, oldest first; only live ones unless `archived` says otherwise.

    Every filter given must hold.
    """
    given = {
        "type": type_, "tag": tag, "relationship_type": relationship_type,
        "relationship_status": relationship_status, "archived": archived, "q": q,
    }
    criteria = services.parse_entity_filter({k: v for k, v in given.items() if v is not None})
    page = PageRequest.parse(limit=limit, cursor=cursor)
    return dump_page(await services.list_entities(deps, user.id, criteria, page))


@post(
    "/entities", status_code=201, tags=TAGS, summary="Create an entity",
    responses=responses(EntityOut, 201, errors=(*AUTHENTICATED, 400, 413, 422)),
)
async def create_entity(deps: Core, user: CurrentUser, data: CreateBody = None) -> dict[str, Any]:
    """Create an entity; `type` and `name` are required."""
    return dump(await services.create_entity(deps, user.id, data))


@get(
    "/entities/{entity_id:uuid}", tags=TAGS, summary="Show an entity",
    responses=responses(EntityOut, errors=(*AUTHENTICATED, 404)),
)
async def show_entity(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    """One of the caller's entities."""
    return dump(await services.get_entity(deps, user.id, entity_id))


@patch(
    "/entities/{entity_id:uuid}", status_code=200, tags=TAGS, summary="Change an entity",
    responses=responses(EntityOut, errors=(*AUTHENTICATED, 400, 404, 413, 422)),
)
async def update_entity(
    deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID], data: UpdateBody = None
) -> dict[str, Any]:
    """Change the fields sent."""
    return dump(await services.update_entity(deps, user.id, entity_id, data))


@delete(
    "/entities/{entity_id:uuid}", status_code=204, tags=TAGS, summary="Delete an entity",
    responses=responses(None, 204, errors=(*AUTHENTICATED, 404)),
)
async def delete_entity(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> None:
    """Delete for good, with its relationship, identifiers and memberships."""
    await services.delete_entity(deps, user.id, entity_id)


@post(
    "/entities/{entity_id:uuid}/archive", status_code=200, tags=TAGS,
    summary="Archive an entity", responses=responses(EntityOut, errors=(*AUTHENTICATED, 404)),
)
async def archive_entity(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    """Hide an entity from lists and relationship health without deleting anything."""
    return dump(await services.archive_entity(deps, user.id, entity_id))


@post(
    "/entities/{entity_id:uuid}/unarchive", status_code=200, tags=TAGS,
    summary="Unarchive an entity", responses=responses(EntityOut, errors=(*AUTHENTICATED, 404)),
)
async def unarchive_entity(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    """Bring an archived entity back."""
    return dump(await services.unarchive_entity(deps, user.id, entity_id))


@post(
    "/entities/{entity_id:uuid}/interactions", status_code=200, tags=TAGS,
    summary="Record an interaction",
    responses=responses(EntityOut, errors=(*AUTHENTICATED, 400, 404, 413, 422)),
)
async def record_interaction(
    deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID], data: InteractionBody = None
) -> dict[str, Any]:
    """Note that you were in touch (now, or at `at`); this resets the relationship's health clock."""
    fields = envelope(data, optional=("at",))
    return dump(await services.record_interaction(deps, user.id, entity_id, fields["at"]))


ROUTES = [
    list_entities, create_entity, show_entity, update_entity, delete_entity,
    archive_entity, unarchive_entity, record_interaction,
]
