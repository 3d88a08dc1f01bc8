"""Tags and groups, including smart groups whose members follow rules."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import delete, get, patch, post, put
from litestar.params import FromPath

from conezia.core import services
from conezia.core.pagination import PageRequest

from ..schemas import (
    EntityPage,
    GroupCreate,
    GroupList,
    GroupOut,
    GroupUpdate,
    TagCreate,
    TagList,
    TagOut,
    TagUpdate,
    body,
    responses,
)
from ..serialization import dump, dump_list, dump_page
from ._common import AUTHENTICATED, Core, CurrentUser, Cursor, Limit

__all__ = ["ROUTES"]

TAG_TAGS = ["tags"]
GROUP_TAGS = ["groups"]

TagCreateBody = Annotated[Any, body(TagCreate)]
TagUpdateBody = Annotated[Any, body(TagUpdate)]
GroupCreateBody = Annotated[Any, body(GroupCreate)]
GroupUpdateBody = Annotated[Any, body(GroupUpdate)]


# -- tags -------------------------------------------------------------------------


@get(
    "/tags", sync_to_thread=True, tags=TAG_TAGS, summary="List tags",
    responses=responses(TagList, errors=AUTHENTICATED),
)
def list_tags(deps: Core, user: CurrentUser) -> dict[str, Any]:
    """All of the caller's tags, by name."""
    return dump_list(services.list_tags(deps, user.id))


@post(
    "/tags", status_code=201, sync_to_thread=True, tags=TAG_TAGS, summary="Create a tag",
    responses=responses(TagOut, 201, errors=(*AUTHENTICATED, 400, 409, 413, 422)),
)
def create_tag(deps: Core, user: CurrentUser, data: TagCreateBody = None) -> dict[str, Any]:
    """Create a tag; 409 if you have one of that name."""
    return dump(services.create_tag(deps, user.id, data))


@get(
    "/tags/{tag_id:uuid}", sync_to_thread=True, tags=TAG_TAGS, summary="Show a tag",
    responses=responses(TagOut, errors=(*AUTHENTICATED, 404)),
)
def show_tag(deps: Core, user: CurrentUser, tag_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    """One of the caller's tags."""
    return dump(services.get_tag(deps, user.id, tag_id))


@patch(
    "/tags/{tag_id:uuid}", status_code=200, sync_to_thread=True, tags=TAG_TAGS, summary="Change a tag",
    responses=responses(TagOut, errors=(*AUTHENTICATED, 400, 404, 409, 413, 422)),
)
def update_tag(
    deps: Core, user: CurrentUser, tag_id: FromPath[uuid.UUID], data: TagUpdateBody = None
) -> dict[str, Any]:
    """Change the fields sent."""
    return dump(services.update_tag(deps, user.id, tag_id, data))


@delete(
    "/tags/{tag_id:uuid}", status_code=204, sync_to_thread=True, tags=TAG_TAGS, summary="Delete a tag",
    responses=responses(None, 204, errors=(*AUTHENTICATED, 404)),
)
def delete_tag(deps: Core, user: CurrentUser, tag_id: FromPath[uuid.UUID]) -> None:
    """Delete a tag; the entities it was on lose it."""
    services.delete_tag(deps, user.id, tag_id)


@get(
    "/entities/{entity_id:uuid}/tags", sync_to_thread=True, tags=TAG_TAGS, summary="An entity's tags",
    responses=responses(TagList, errors=(*AUTHENTICATED, 404)),
)
def entity_tags(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    """The entity's tags, by name."""
    return dump_list(services.entity_tags(deps, user.id, entity_id))


@put(
    "/entities/{entity_id:uuid}/tags/{tag_id:uuid}", status_code=204, sync_to_thread=True, tags=TAG_TAGS,
    summary="Tag an entity", responses=responses(None, 204, errors=(*AUTHENTICATED, 404)),
)
def tag_entity(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID], tag_id: FromPath[uuid.UUID]) -> None:
    """Put a tag on an entity (idempotent)."""
    services.tag_entity(deps, user.id, entity_id, tag_id)


@delete(
    "/entities/{entity_id:uuid}/tags/{tag_id:uuid}", status_code=204, sync_to_thread=True, tags=TAG_TAGS,
    summary="Untag an entity", responses=responses(None, 204, errors=(*AUTHENTICATED, 404)),
)
def untag_entity(
    deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID], tag_id: FromPath[uuid.UUID]
) -> None:
    """Take a tag off an entity (404 if it was not on it)."""
    services.untag_entity(deps, user.id, entity_id, tag_id)


# -- groups -----------------------------------------------------------------------


@get(
    "/groups", sync_to_thread=True, tags=GROUP_TAGS, summary="List groups",
    responses=responses(GroupList, errors=AUTHENTICATED),
)
def list_groups(deps: Core, user: CurrentUser) -> dict[str, Any]:
    """All of the caller's groups, by name."""
    return dump_list(services.list_groups(deps, user.id))


@post(
    "/groups", status_code=201, sync_to_thread=True, tags=GROUP_TAGS, summary="Create a group",
    responses=responses(GroupOut, 201, errors=(*AUTHENTICATED, 400, 409, 413, 422)),
)
def create_group(deps: Core, user: CurrentUser, data: GroupCreateBody = None) -> dict[str, Any]:
    """Create a group; with `is_smart: true` its `rules` decide the members."""
    return dump(services.create_group(deps, user.id, data))


@get(
    "/groups/{group_id:uuid}", sync_to_thread=True, tags=GROUP_TAGS, summary="Show a group",
    responses=responses(GroupOut, errors=(*AUTHENTICATED, 404)),
)
def show_group(deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    """One of the caller's groups."""
    return dump(services.get_group(deps, user.id, group_id))


@patch(
    "/groups/{group_id:uuid}", status_code=200, sync_to_thread=True, tags=GROUP_TAGS, summary="Change a group",
    responses=responses(GroupOut, errors=(*AUTHENTICATED, 400, 404, 409, 413, 422)),
)
def update_group(
    deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID], data: GroupUpdateBody = None
) -> dict[str, Any]:
    """Change the fields sent. Turning a group smart drops its hand-picked members."""
    return dump(services.update_group(deps, user.id, group_id, data))


@delete(
    "/groups/{group_id:uuid}", status_code=204, sync_to_thread=True, tags=GROUP_TAGS, summary="Delete a group",
    responses=responses(None, 204, errors=(*AUTHENTICATED, 404)),
)
def delete_group(deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID]) -> None:
    """Delete a group (its members stay)."""
    services.delete_group(deps, user.id, group_id)


@get(
    "/groups/{group_id:uuid}/members", sync_to_thread=True, tags=GROUP_TAGS, summary="A group's members",
    responses=responses(EntityPage, errors=(*AUTHENTICATED, 404, 422)),
)
def group_members(
    deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID], limit: Limit = None, cursor: Cursor = None
) -> dict[str, Any]:
    """The members, oldest first; for a smart group, the live entities its rules match right now."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    return dump_page(services.group_members(deps, user.id, group_id, page))


@put(
    "/groups/{group_id:uuid}/members/{entity_id:uuid}", status_code=204, sync_to_thread=True, tags=GROUP_TAGS,
    summary="Add a member", responses=responses(None, 204, errors=(*AUTHENTICATED, 404, 409)),
)
def add_group_member(
    deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID], entity_id: FromPath[uuid.UUID]
) -> None:
    """Add an entity to a group (idempotent); 409 for a smart group, whose members follow its rules."""
    services.add_group_member(deps, user.id, group_id, entity_id)


@delete(
    "/groups/{group_id:uuid}/members/{entity_id:uuid}", status_code=204, sync_to_thread=True, tags=GROUP_TAGS,
    summary="Remove a member", responses=responses(None, 204, errors=(*AUTHENTICATED, 404, 409)),
)
def remove_group_member(
    deps: Core, user: CurrentUser, group_id: FromPath[uuid.UUID], entity_id: FromPath[uuid.UUID]
) -> None:
    """Remove an entity from a group; 409 for a smart group."""
    services.remove_group_member(deps, user.id, group_id, entity_id)


@get(
    "/entities/{entity_id:uuid}/groups", sync_to_thread=True, tags=GROUP_TAGS, summary="An entity's groups",
    responses=responses(GroupList, errors=(*AUTHENTICATED, 404)),
)
def entity_groups(deps: Core, user: CurrentUser, entity_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    """The groups the entity was added to (smart groups are not listed)."""
    return dump_list(services.entity_groups(deps, user.id, entity_id))


ROUTES = [
    list_tags, create_tag, show_tag, update_tag, delete_tag, entity_tags, tag_entity, untag_entity,
    list_groups, create_group, show_group, update_group, delete_group,
    group_members, add_group_member, remove_group_member, entity_groups,
]
