"""Tag and group use-cases, including smart groups whose members are computed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from ..deps import Deps
from ..entities import Entity
from ..errors import NotFoundError
from ..organizing import Group, Tag
from ..pagination import Page, PageRequest

__all__ = [
    "add_group_member",
    "create_group",
    "create_tag",
    "delete_group",
    "delete_tag",
    "entity_groups",
    "entity_tags",
    "get_group",
    "get_tag",
    "group_members",
    "list_groups",
    "list_tags",
    "remove_group_member",
    "tag_entity",
    "untag_entity",
    "update_group",
    "update_tag",
]


def create_tag(deps: Deps, user_id: uuid.UUID, params: object) -> Tag:
    """Raises ConflictError on ``name`` when the user has a tag of that name."""
    tag = Tag.create(params, id=deps.ids.new_id(), user_id=user_id, now=deps.clock.now())
    with deps.uow() as uow:
        uow.tags.add(tag)
        uow.commit()
    return tag


def get_tag(deps: Deps, user_id: uuid.UUID, tag_id: uuid.UUID) -> Tag:
    with deps.uow() as uow:
        tag = uow.tags.get(user_id, tag_id)
    if tag is None:
        raise NotFoundError("tag")
    return tag


def list_tags(deps: Deps, user_id: uuid.UUID) -> Sequence[Tag]:
    with deps.uow() as uow:
        return uow.tags.list(user_id)


def update_tag(deps: Deps, user_id: uuid.UUID, tag_id: uuid.UUID, params: object) -> Tag:
    with deps.uow() as uow:
        tag = uow.tags.get(user_id, tag_id, for_update=True)
        if tag is None:
            raise NotFoundError("tag")
        tag.update(params, now=deps.clock.now())
        uow.tags.update(tag)
        uow.commit()
    return tag


def delete_tag(deps: Deps, user_id: uuid.UUID, tag_id: uuid.UUID) -> None:
    with deps.uow() as uow:
        if not uow.tags.delete(user_id, tag_id):
            raise NotFoundError("tag")
        uow.commit()


def tag_entity(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
    """Tag one of the user's entities with one of their tags; False if it was tagged already."""
    with deps.uow() as uow:
        if uow.entities.get(user_id, entity_id) is None:
            raise NotFoundError("entity")
        if uow.tags.get(user_id, tag_id) is None:
            raise NotFoundError("tag")
        added = uow.tags.attach(user_id, entity_id, tag_id, deps.clock.now())
        uow.commit()
    return added


def untag_entity(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID) -> None:
    with deps.uow() as uow:
        if uow.entities.get(user_id, entity_id) is None:
            raise NotFoundError("entity")
        if not uow.tags.detach(user_id, entity_id, tag_id):
            raise NotFoundError("tag")
        uow.commit()


def entity_tags(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Tag]:
    with deps.uow() as uow:
        if uow.entities.get(user_id, entity_id) is None:
            raise NotFoundError("entity")
        return uow.tags.for_entity(user_id, entity_id)


def create_group(deps: Deps, user_id: uuid.UUID, params: object) -> Group:
    """Create a group; with ``is_smart`` its ``rules`` decide the members.

    Raises:
        ValidationError: every failing field, including each bad rule.
        ConflictError: on ``name`` when the user has a group of that name.
    """
    group = Group.create(params, id=deps.ids.new_id(), user_id=user_id, now=deps.clock.now())
    with deps.uow() as uow:
        uow.groups.add(group)
        uow.commit()
    return group


def get_group(deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID) -> Group:
    with deps.uow() as uow:
        group = uow.groups.get(user_id, group_id)
    if group is None:
        raise NotFoundError("group")
    return group


def list_groups(deps: Deps, user_id: uuid.UUID) -> Sequence[Group]:
    with deps.uow() as uow:
        return uow.groups.list(user_id)


def update_group(deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID, params: object) -> Group:
    """Change a group. Turning a group smart drops its hand-picked members."""
    with deps.uow() as uow:
        group = uow.groups.get(user_id, group_id, for_update=True)
        if group is None:
            raise NotFoundError("group")
        was_smart = group.is_smart
        group.update(params, now=deps.clock.now())
        if group.is_smart and not was_smart:
            uow.groups.clear_members(user_id, group_id)
        uow.groups.update(group)
        uow.commit()
    return group


def delete_group(deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID) -> None:
    with deps.uow() as uow:
        if not uow.groups.delete(user_id, group_id):
            raise NotFoundError("group")
        uow.commit()


def add_group_member(deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID) -> bool:
    """Add an entity to a manual group; False if it was a member already.

    Raises:
        ConflictError: on ``group_id`` for a smart group (its members are computed).
    """
    with deps.uow() as uow:
        group = uow.groups.get(user_id, group_id)
        if group is None:
            raise NotFoundError("group")
        if uow.entities.get(user_id, entity_id) is None:
            raise NotFoundError("entity")
        group.require_manual()
        added = uow.groups.add_member(user_id, group_id, entity_id, deps.clock.now())
        uow.commit()
    return added


def remove_group_member(deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID) -> None:
    with deps.uow() as uow:
        group = uow.groups.get(user_id, group_id)
        if group is None:
            raise NotFoundError("group")
        group.require_manual()
        if not uow.groups.remove_member(user_id, group_id, entity_id):
            raise NotFoundError("entity")
        uow.commit()


def group_members(
    deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID, page: PageRequest | None = None
) -> Page[Entity]:
    """A group's members; for a smart group, the live entities its rules match right now."""
    page = page or PageRequest()
    with deps.uow() as uow:
        group = uow.groups.get(user_id, group_id)
        if group is None:
            raise NotFoundError("group")
        if group.is_smart:
            return uow.entities.list(user_id, group.member_filter(deps.clock.now()), page)
        return uow.groups.members(user_id, group_id, page)


def entity_groups(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Group]:
    """The manual groups an entity was added to."""
    with deps.uow() as uow:
        if uow.entities.get(user_id, entity_id) is None:
            raise NotFoundError("entity")
        return uow.groups.for_entity(user_id, entity_id)


