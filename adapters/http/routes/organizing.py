"""Tags and groups, including smart groups whose members follow rules."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import delete, get, patch, post, put
from litestar.params import FromPath

from conezia.core import services
from conezia.core.pagination import PageRequest

from ..bodies import GroupCreate, GroupUpdate, TagCreate, TagUpdate
from ..openapi import body, errors
from ..schemas import EntityPage, GroupList, GroupOut, TagList, TagOut, out, out_list, out_page
from ._common import AUTHENTICATED, NO_BODY, Core, CurrentUser, Cursor, Limit, raw

__all__ = ["ROUTES"]

TAG_TAGS = ["tags"]
GROUP_TAGS = ["groups"]

TagCreateBody = Annotated[Any, body(TagCreate)]
TagUpdateBody = Annotated[Any, body(TagUpdate)]
GroupCreateBody = Annotated[Any, body(GroupCreate)]
GroupUpdateBody = Annotated[Any, body(GroupUpdate)]


# -- tags -------------------------------------------------------------------------


@get(
    "/tags", tags=TAG_TAGS, summary="List tags",
    responses=errors(*AUTHENTICATED),
)
async def list_tags(deps: Core, user: CurrentUser) -> TagList:
    """All of the caller's tags, by name."""
    return out_list(TagList, await services.list_tags(deps, user.id))


@post(
    "/tags", status_code=201, tags=TAG_TAGS, summary="Create a tag",
    responses=errors(*AUTHENTICATED, 409, 413, 422),
)
async def create_tag(deps: Core, user: CurrentUser, data: TagCreateBody = NO_BODY) -> TagOut:
    """Create a tag; 409 if you have one of that name."""
    return out(TagOut, await services.create_tag(deps, user.id, raw(data)))


@get(
    "/tags/{tag_id:uuid}", tags=TAG_TAGS, summary="Show a tag",
    responses=errors(*AUTHENTICATED, 404),
)
async def show_tag(deps: Core, user: CurrentUser, tag_id: FromPath[uuid.UUID]) -> TagOut:
    """One of the caller's tags."""
    return out(TagOut, await services.get_tag(deps, user.id, tag_id))


@patch(
    "/tags/{tag_id:uuid}", status_code=200, tags=TAG_TAGS, summary="Change a tag",
    responses=errors(*AUTHENTICATED, 404, 409, 413, 422),
)
async def update_tag(
    deps: Core, user: CurrentUser, tag_id: FromPath[uuid.UUID], data: TagUpdateBody = NO_BODY
) -> TagOut:
    """Change the fields sent."""
    return out(TagOut, await services.update_tag(deps, user.id, tag_id, raw(data)))


@delete(
    "/tags/{tag_id:uuid}", status_code=204, tags=TAG_TAGS, summary="Delete a tag",
    responses=errors(*AUTHENTICATED, 404),
)
async def delete_tag(deps: Core, user: CurrentUser, tag_id: FromPath[uuid.UUID]) -> None:
    """Delete a tag; the entities it was on lose it."""
    await services.delete_tag(deps, user.id, tag_id)


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


@get(
    "/groups", tags=GROUP_TAGS, summary="List groups",
    responses=errors(*AUTHENTICATED),
)
async def list_groups(deps: Core, user: CurrentUser) -> GroupList:
    """All of the caller's groups, by name."""
    return out_list(GroupList, await services.list_groups(deps, user.id))


@post(
    "/groups", status_code=201, tags=GROUP_TAGS, summary="Create a group",
    responses=errors(*AUTHENTICATED, 409, 413, 422),
)
async def create_group(deps: Core, user: CurrentUser, data: GroupCreateBody = NO_BODY) -> GroupOut:
    """Create a group; with `is_smart: true` its `rules` decide the members."""
    return out(GroupOut, await services.create_group(deps, user.id, raw(data)))


@get(
    "/groups/{group_id:uuid}", tags=GROUP_TAGS, summary="Show a group",
    responses=errors(*AUTHENTICATED, 404),
)
async def show_group(deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID]) -> GroupOut:
    """One of the caller's groups."""
    return out(GroupOut, await services.get_group(deps, user.id, group_id))


@patch(
    "/groups/{group_id:uuid}", status_code=200, tags=GROUP_TAGS, summary="Change a group",
    responses=errors(*AUTHENTICATED, 404, 409, 413, 422),
)
async def update_group(
    deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID], data: GroupUpdateBody = NO_BODY
) -> GroupOut:
    """Change the fields sent. Turning a group smart drops its hand-picked members."""
    return out(GroupOut, await services.update_group(deps, user.id, group_id, raw(data)))


@delete(
    "/groups/{group_id:uuid}", status_code=204, tags=GROUP_TAGS, summary="Delete a group",
    responses=errors(*AUTHENTICATED, 404),
)
async def delete_group(deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID]) -> None:
    """Delete a group (its members stay)."""
    await services.delete_group(deps, user.id, group_id)


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
    list_tags, create_tag, show_tag, update_tag, delete_tag, list_entity_tags, tag_entity, untag_entity,
    list_groups, create_group, show_group, update_group, delete_group,
    list_group_members, add_group_member, remove_group_member, list_entity_groups,
]
