"""Tag and group use-cases, including smart groups whose members are computed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import attrs

from ..deps import Deps
from ..entities import Entity
from ..errors import NotFoundError
from ..events import Updated, changed_fields
from ..organizing import Group, Tag
from ..pagination import Page, PageRequest
from ..ports import UnitOfWork
from .owned import ENTITIES, GROUPS, TAGS, Subject

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


def _membership(uow: UnitOfWork, user_id: uuid.UUID, entity_id: uuid.UUID, field: str, operation: str,
                **details: uuid.UUID) -> None:
    """Record a tag or group membership change as a change of the entity's ``tags`` or ``groups``."""
    uow.record(Subject("entity", entity_id, details).event(Updated, user_id, operation=operation, fields=(field,)))


async def create_tag(deps: Deps, user_id: uuid.UUID, params: object) -> Tag:
    """Raises ConflictError on ``name`` when the user has a tag of that name."""
    return await TAGS.add(deps, user_id, Tag.create(params, id=deps.ids.new_id(), user_id=user_id, now=deps.clock.now()))


async def get_tag(deps: Deps, user_id: uuid.UUID, tag_id: uuid.UUID) -> Tag:
    return await TAGS.get(deps, user_id, tag_id)


async def list_tags(deps: Deps, user_id: uuid.UUID) -> Sequence[Tag]:
    async with deps.uow() as uow:
        return await uow.tags.list(user_id)


async def update_tag(deps: Deps, user_id: uuid.UUID, tag_id: uuid.UUID, params: object) -> Tag:
    return await TAGS.change(deps, user_id, tag_id, lambda tag, now: tag.update(params, now=now))


async def delete_tag(deps: Deps, user_id: uuid.UUID, tag_id: uuid.UUID) -> None:
    await TAGS.delete(deps, user_id, tag_id)


async def tag_entity(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
    """Tag one of the user's entities with one of their tags; False if it was tagged already."""
    async with deps.uow() as uow:
        # the composite foreign keys answer NotFoundError for an entity or tag that is not the user's
        added = await uow.tags.attach(user_id, entity_id, tag_id, deps.clock.now())
        if added:
            _membership(uow, user_id, entity_id, "tags", "tag", tag_id=tag_id)
        await uow.commit()
    return added


async def untag_entity(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID) -> None:
    async with deps.uow() as uow:
        await ENTITIES.load(uow, user_id, entity_id)
        if not await uow.tags.detach(user_id, entity_id, tag_id):
            raise NotFoundError("tag")
        _membership(uow, user_id, entity_id, "tags", "untag", tag_id=tag_id)
        await uow.commit()


async def entity_tags(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Tag]:
    async with deps.uow() as uow:
        await ENTITIES.load(uow, user_id, entity_id)
        return await uow.tags.for_entity(user_id, entity_id)


async def create_group(deps: Deps, user_id: uuid.UUID, params: object) -> Group:
    """Create a group; with ``is_smart`` its ``rules`` decide the members.

    Raises:
        ValidationError: every failing field, including each bad rule.
        ConflictError: on ``name`` when the user has a group of that name.
    """
    return await GROUPS.add(deps, user_id, Group.create(params, id=deps.ids.new_id(), user_id=user_id, now=deps.clock.now()))


async def get_group(deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID) -> Group:
    return await GROUPS.get(deps, user_id, group_id)


async def list_groups(deps: Deps, user_id: uuid.UUID) -> Sequence[Group]:
    async with deps.uow() as uow:
        return await uow.groups.list(user_id)


async def update_group(deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID, params: object) -> Group:
    """Change a group. Turning a group smart drops its hand-picked members."""
    async with deps.uow() as uow:
        group = await GROUPS.load(uow, user_id, group_id, for_update=True)
        before = attrs.asdict(group)
        was_smart = group.is_smart
        group.update(params, now=deps.clock.now())
        if group.is_smart and not was_smart:
            await uow.groups.clear_members(user_id, group_id)
        await uow.groups.update(group)
        GROUPS.record_change(uow, user_id, group, changed_fields(before, attrs.asdict(group)))
        await uow.commit()
    return group


async def delete_group(deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID) -> None:
    await GROUPS.delete(deps, user_id, group_id)


async def add_group_member(deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID) -> bool:
    """Add an entity to a manual group; False if it was a member already.

    Raises:
        ConflictError: on ``group_id`` for a smart group (its members are computed).
    """
    async with deps.uow() as uow:
        (await GROUPS.load(uow, user_id, group_id)).require_manual()
        # the composite foreign key answers NotFoundError("entity") for an entity that is not the user's
        added = await uow.groups.add_member(user_id, group_id, entity_id, deps.clock.now())
        if added:
            _membership(uow, user_id, entity_id, "groups", "add_to_group", group_id=group_id)
        await uow.commit()
    return added


async def remove_group_member(deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID) -> None:
    async with deps.uow() as uow:
        (await GROUPS.load(uow, user_id, group_id)).require_manual()
        if not await uow.groups.remove_member(user_id, group_id, entity_id):
            raise NotFoundError("entity")
        _membership(uow, user_id, entity_id, "groups", "remove_from_group", group_id=group_id)
        await uow.commit()


async def group_members(
    deps: Deps, user_id: uuid.UUID, group_id: uuid.UUID, page: PageRequest | None = None
) -> Page[Entity]:
    """A group's members; for a smart group, the live entities its rules match right now."""
    page = page or PageRequest()
    async with deps.uow() as uow:
        group = await GROUPS.load(uow, user_id, group_id)
        if group.is_smart:
            return await uow.entities.list(user_id, group.member_filter(deps.clock.now()), page)
        return await uow.groups.members(user_id, group_id, page)


async def entity_groups(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Group]:
    """The manual groups an entity was added to."""
    async with deps.uow() as uow:
        await ENTITIES.load(uow, user_id, entity_id)
        return await uow.groups.for_entity(user_id, entity_id)
