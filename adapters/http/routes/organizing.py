"""Tags and groups, including smart groups whose members follow rules."""

from __future__ import annotations

import uuid

from litestar import delete, get, put
from litestar.params import FromPath

from conezia.core import services
from conezia.core.pagination import PageRequest

from ..bodies import GroupCreate, GroupUpdate, TagCreate, TagUpdate
from ..openapi import errors
from ..schemas import EntityPage, GroupList, GroupOut, TagList, TagOut, out_list, out_page
from ._common import AUTHENTICATED, Core, CurrentUser, Cursor, Limit
from ._crud import Op, plain_routes

__all__ = ["ROUTES"]

TAG_TAGS = ["tags"]
GROUP_TAGS = ["groups"]


# -- tags -------------------------------------------------------------------------


TAG_ROUTES = plain_routes(
    "/tags", "tag", plural="tags", tags=TAG_TAGS, out_struct=TagOut, list_struct=TagList, unique=True,
    list=Op(services.list_tags, "All of the caller's tags, by name."),
    create=Op(services.create_tag, "Create a tag; 409 if you have one of that name.", body=TagCreate),
    show=Op(services.get_tag, "One of the caller's tags."),
    update=Op(services.update_tag, "Change the fields sent.", body=TagUpdate),
    delete=Op(services.delete_tag, "Delete a tag; the entities it was on lose it."),
)


@get(
    "/entities/{entity_id:uuid}/tags", tags=TAG_TAGS, summary="An entity's tags",
    responses=errors(*AUTHENTICATED, 404),
)
async def list_entity_tags(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> TagList:
    """The entity's tags, by name."""
    return out_list(TagList, await services.entity_tags(deps, user.id, entity_id))


@put(
    "/entities/{entity_id:uuid}/tags/{tag_id:uuid}", status_code=204, tags=TAG_TAGS,
    summary="Tag an entity", responses=errors(*AUTHENTICATED, 404),
)
async def tag_entity(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID], tag_id: FromPath[uuid.UUID]) -> None:
    """Put a tag on an entity (idempotent)."""
    await services.tag_entity(deps, user.id, entity_id, tag_id)


@delete(
    "/entities/{entity_id:uuid}/tags/{tag_id:uuid}", status_code=204, tags=TAG_TAGS,
    summary="Untag an entity", responses=errors(*AUTHENTICATED, 404),
)
async def untag_entity(
    deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID], tag_id: FromPath[uuid.UUID]
) -> None:
    """Take a tag off an entity (404 if it was not on it)."""
    await services.untag_entity(deps, user.id, entity_id, tag_id)


# -- groups -----------------------------------------------------------------------


GROUP_ROUTES = plain_routes(
    "/groups", "group", plural="groups", tags=GROUP_TAGS, out_struct=GroupOut, list_struct=GroupList, unique=True,
    list=Op(services.list_groups, "All of the caller's groups, by name."),
    create=Op(
        services.create_group, "Create a group; with `is_smart: true` its `rules` decide the members.", body=GroupCreate
    ),
    show=Op(services.get_group, "One of the caller's groups."),
    update=Op(
        services.update_group, "Change the fields sent. Turning a group smart drops its hand-picked members.",
        body=GroupUpdate,
    ),
    delete=Op(services.delete_group, "Delete a group (its members stay)."),
)


@get(
    "/groups/{group_id:uuid}/members", tags=GROUP_TAGS, summary="A group's members",
    responses=errors(*AUTHENTICATED, 404, 422),
)
async def list_group_members(
    deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID], limit: Limit = None, cursor: Cursor = None
) -> EntityPage:
    """The members, oldest first; for a smart group, the live entities its rules match right now."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    return out_page(EntityPage, await services.group_members(deps, user.id, group_id, page))


@put(
    "/groups/{group_id:uuid}/members/{entity_id:uuid}", status_code=204, tags=GROUP_TAGS,
    summary="Add a member", responses=errors(*AUTHENTICATED, 404, 409),
)
async def add_group_member(
    deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID], entity_id: FromPath[uuid.UUID]
) -> None:
    """Add an entity to a group (idempotent); 409 for a smart group, whose members follow its rules."""
    await services.add_group_member(deps, user.id, group_id, entity_id)


@delete(
    "/groups/{group_id:uuid}/members/{entity_id:uuid}", status_code=204, tags=GROUP_TAGS,
    summary="Remove a member", responses=errors(*AUTHENTICATED, 404, 409),
)
async def remove_group_member(
    deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID], entity_id: FromPath[uuid.UUID]
) -> None:
    """Remove an entity from a group; 409 for a smart group."""
    await services.remove_group_member(deps, user.id, group_id, entity_id)


@get(
    "/entities/{entity_id:uuid}/groups", tags=GROUP_TAGS, summary="An entity's groups",
    responses=errors(*AUTHENTICATED, 404),
)
async def list_entity_groups(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> GroupList:
    """The groups the entity was added to (smart groups are not listed)."""
    return out_list(GroupList, await services.entity_groups(deps, user.id, entity_id))


ROUTES = [
    *TAG_ROUTES, list_entity_tags, tag_entity, untag_entity,
    *GROUP_ROUTES, list_group_members, add_group_member, remove_group_member, list_entity_groups,
]
