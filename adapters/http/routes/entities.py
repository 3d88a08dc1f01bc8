"""Entities: the people, organizations and things in the caller's life."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import get, post
from litestar.params import FromPath

from conezia.core import services
from conezia.core.entities import ENTITY, RELATIONSHIP
from conezia.core.pagination import PageRequest

from ..bodies import EntityCreate, EntityUpdate
from ..openapi import errors
from ..schemas import EntityOut, EntityPage, out, out_page
from ._common import AUTHENTICATED, Core, CurrentUser, Cursor, Limit, query
from ._crud import Op, plain_routes

__all__ = ["ROUTES"]

TAGS = ["entities"]

# the limits core.services.parse_entity_filter applies
_FILTER_LENGTH = services.MAX_FILTER_LENGTH
_NAME_QUERY_LENGTH = services.MAX_NAME_QUERY_LENGTH
_ARCHIVED = services.ARCHIVED_CHOICES

TypeFilter = Annotated[
    str | None,
    query("Entity types, comma-separated (any of them).", name="type", max_length=_FILTER_LENGTH,
          choices=ENTITY["type"].choices, listed=True),
]
TagFilter = Annotated[str | None, query("Tag names, comma-separated (all of them).", max_length=_FILTER_LENGTH)]
RelationshipTypeFilter = Annotated[
    str | None,
    query("Relationship types, comma-separated (any of them).", max_length=_FILTER_LENGTH,
          choices=RELATIONSHIP["type"].choices, listed=True),
]
RelationshipStatusFilter = Annotated[
    str | None,
    query("Relationship statuses, comma-separated (any of them).", max_length=_FILTER_LENGTH,
          choices=RELATIONSHIP["status"].choices, listed=True),
]
ArchivedFilter = Annotated[
    str | None, query("`false` (default), `true` or `all`.", max_length=_FILTER_LENGTH, choices=_ARCHIVED)
]
NameFilter = Annotated[str | None, query("Part of the name, any case.", max_length=_NAME_QUERY_LENGTH)]


@get("/entities", tags=TAGS, summary="List entities", responses=errors(*AUTHENTICATED, 422))
async def list_entities(
    deps: Core,
    user: CurrentUser,
    type_: TypeFilter = None,
    tag: TagFilter = None,
    relationship_type: RelationshipTypeFilter = None,
    relationship_status: RelationshipStatusFilter = None,
    archived: ArchivedFilter = None,
    q: NameFilter = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> EntityPage:
    """The caller's entities, oldest first; only live ones unless `archived` says otherwise.

    Every filter given must hold.
    """
    given = {
        "type": type_, "tag": tag, "relationship_type": relationship_type,
        "relationship_status": relationship_status, "archived": archived, "q": q,
    }
    criteria = services.parse_entity_filter({k: v for k, v in given.items() if v is not None})
    page = PageRequest.parse(limit=limit, cursor=cursor)
    return out_page(EntityPage, await services.list_entities(deps, user.id, criteria, page))


ENTITY_ROUTES = plain_routes(
    "/entities", "entity", plural="entities", tags=TAGS, out_struct=EntityOut,
    create=Op(services.create_entity, "Create an entity; `type` and `name` are required.", body=EntityCreate),
    show=Op(services.get_entity, "One of the caller's entities."),
    update=Op(services.update_entity, "Change the fields sent.", body=EntityUpdate),
    delete=Op(services.delete_entity, "Delete for good, with its relationship, identifiers and memberships."),
)


@post(
    "/entities/{entity_id:uuid}/archive", status_code=200, tags=TAGS, summary="Archive an entity",
    responses=errors(*AUTHENTICATED, 404),
)
async def archive_entity(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> EntityOut:
    """Hide an entity from lists and relationship health without deleting anything."""
    return out(EntityOut, await services.archive_entity(deps, user.id, entity_id))


@post(
    "/entities/{entity_id:uuid}/unarchive", status_code=200, tags=TAGS, summary="Unarchive an entity",
    responses=errors(*AUTHENTICATED, 404),
)
async def unarchive_entity(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> EntityOut:
    """Bring an archived entity back."""
    return out(EntityOut, await services.unarchive_entity(deps, user.id, entity_id))


ROUTES = [list_entities, *ENTITY_ROUTES, archive_entity, unarchive_entity]
