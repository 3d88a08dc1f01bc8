"""In-memory repositories of tags and groups, and of the links between them and entities."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypeVar
from collections.abc import Mapping, Sequence

from conezia.core.entities import Entity
from conezia.core.errors import TAKEN, ConflictError, NotFoundError
from conezia.core.organizing import Group, Tag
from conezia.core.pagination import Page, PageRequest

from ._rows import TablesAccess, clone, keyset_page, owned_entity, require_user
from .store import Link

__all__ = ["MemoryGroupRepository", "MemoryTagRepository"]


def _by_name(row: Tag | Group) -> tuple[str, uuid.UUID]:
    return (row.name, row.id)


N = TypeVar("N", Tag, Group)


def _owned(rows: Mapping[uuid.UUID, N], user_id: uuid.UUID, row_id: uuid.UUID) -> N | None:
    row = rows.get(row_id)
    return row if row is not None and row.user_id == user_id else None


def _check_name(rows: Mapping[uuid.UUID, N], row: N) -> None:
    """Names are unique per user (the ``(user_id, name)`` unique index)."""
    if any(
        other.user_id == row.user_id and other.name == row.name and other.id != row.id for other in rows.values()
    ):
        raise ConflictError(name=TAKEN)


class MemoryTagRepository:
    """Tags, unique by (user, name); tagging needs entity and tag of the same user."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    async def add(self, tag: Tag) -> None:
        tables = self._tables()
        if tag.id in tables.tags:
            raise ConflictError(id=TAKEN)
        _check_name(tables.tags, tag)
        require_user(tables, tag.user_id)
        tables.tags[tag.id] = clone(tag)

    async def get(self, user_id: uuid.UUID, tag_id: uuid.UUID, *, for_update: bool = False) -> Tag | None:
        tag = _owned(self._tables().tags, user_id, tag_id)
        return clone(tag) if tag is not None else None

    async def list(self, user_id: uuid.UUID) -> Sequence[Tag]:
        rows = [tag for tag in self._tables().tags.values() if tag.user_id == user_id]
        return [clone(tag) for tag in sorted(rows, key=_by_name)]

    async def update(self, tag: Tag) -> None:
        tables = self._tables()
        if _owned(tables.tags, tag.user_id, tag.id) is None:
            raise NotFoundError("tag")
        _check_name(tables.tags, tag)
        tables.tags[tag.id] = clone(tag)

    async def delete(self, user_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
        tables = self._tables()
        if _owned(tables.tags, user_id, tag_id) is None:
            return False
        tables.delete_tag(tag_id)
        return True

    async def attach(self, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID, at: dt.datetime) -> bool:
        tables = self._tables()
        if owned_entity(tables, user_id, entity_id) is None:
            raise NotFoundError("entity")
        if _owned(tables.tags, user_id, tag_id) is None:
            raise NotFoundError("tag")
        if (entity_id, tag_id) in tables.entity_tags:
            return False
        tables.entity_tags[(entity_id, tag_id)] = Link(user_id=user_id, at=at)
        return True

    async def detach(self, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
        links = self._tables().entity_tags
        link = links.get((entity_id, tag_id))
        if link is None or link.user_id != user_id:
            return False
        del links[(entity_id, tag_id)]
        return True

    async def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Tag]:
        tables = self._tables()
        rows = [
            tables.tags[tag_id]
            for (linked_entity, tag_id), link in tables.entity_tags.items()
            if linked_entity == entity_id and link.user_id == user_id
        ]
        return [clone(tag) for tag in sorted(rows, key=_by_name)]



class MemoryGroupRepository:
    """Groups, unique by (user, name); membership needs entity and group of the same user."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    async def add(self, group: Group) -> None:
        tables = self._tables()
        if group.id in tables.groups:
            raise ConflictError(id=TAKEN)
        _check_name(tables.groups, group)
        require_user(tables, group.user_id)
        tables.groups[group.id] = clone(group)

    async def get(self, user_id: uuid.UUID, group_id: uuid.UUID, *, for_update: bool = False) -> Group | None:
        group = _owned(self._tables().groups, user_id, group_id)
        return clone(group) if group is not None else None

    async def list(self, user_id: uuid.UUID) -> Sequence[Group]:
        rows = [group for group in self._tables().groups.values() if group.user_id == user_id]
        return [clone(group) for group in sorted(rows, key=_by_name)]

    async def update(self, group: Group) -> None:
        tables = self._tables()
        if _owned(tables.groups, group.user_id, group.id) is None:
            raise NotFoundError("group")
        _check_name(tables.groups, group)
        tables.groups[group.id] = clone(group)

    async def delete(self, user_id: uuid.UUID, group_id: uuid.UUID) -> bool:
        tables = self._tables()
        if _owned(tables.groups, user_id, group_id) is None:
            return False
        tables.delete_group(group_id)
        return True

    async def add_member(self, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID, at: dt.datetime) -> bool:
        tables = self._tables()
        if _owned(tables.groups, user_id, group_id) is None:
            raise NotFoundError("group")
        if owned_entity(tables, user_id, entity_id) is None:
            raise NotFoundError("entity")
        if (entity_id, group_id) in tables.entity_groups:
            return False
        tables.entity_groups[(entity_id, group_id)] = Link(user_id=user_id, at=at)
        return True

    async def remove_member(self, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID) -> bool:
        links = self._tables().entity_groups
        link = links.get((entity_id, group_id))
        if link is None or link.user_id != user_id:
            return False
        del links[(entity_id, group_id)]
        return True

    async def clear_members(self, user_id: uuid.UUID, group_id: uuid.UUID) -> int:
        links = self._tables().entity_groups
        doomed = [key for key, link in links.items() if key[1] == group_id and link.user_id == user_id]
        for key in doomed:
            del links[key]
        return len(doomed)

    async def members(self, user_id: uuid.UUID, group_id: uuid.UUID, page: PageRequest) -> Page[Entity]:
        tables = self._tables()
        rows = [
            tables.entities[entity_id]
            for (entity_id, linked_group), link in tables.entity_groups.items()
            if linked_group == group_id and link.user_id == user_id
        ]
        return keyset_page(rows, page)

    async def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Group]:
        tables = self._tables()
        rows = [
            tables.groups[group_id]
            for (linked_entity, group_id), link in tables.entity_groups.items()
            if linked_entity == entity_id and link.user_id == user_id
        ]
        return [clone(group) for group in sorted(rows, key=_by_name)]
