"""In-memory repositories of tags and groups, and of the links between them and entities."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from conezia.core.entities import Entity
from conezia.core.errors import ConflictError, NotFoundError
from conezia.core.organizing import Group, Tag
from conezia.core.pagination import Page, PageRequest

from ._rows import TAKEN, TablesAccess, clone, keyset_page
from .store import Link, Tables

__all__ = ["MemoryGroupRepository", "MemoryTagRepository"]


def _by_name(row: Tag | Group) -> tuple[str, uuid.UUID]:
    return (row.name, row.id)


def _require_owned_entity(tables: Tables, user_id: uuid.UUID, entity_id: uuid.UUID) -> None:
    entity = tables.entities.get(entity_id)
    if entity is None or entity.owner_id != user_id:
        raise NotFoundError("entity")


class MemoryTagRepository:
    """Tags, unique by (user, name); tagging needs entity and tag of the same user."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, tag: Tag) -> None:
        tables = self._tables()
        if tag.id in tables.tags:
            raise ConflictError(id=TAKEN)
        self._check_name(tables, tag)
        if tag.user_id not in tables.users:
            raise NotFoundError("user")
        tables.tags[tag.id] = clone(tag)

    def get(self, user_id: uuid.UUID, tag_id: uuid.UUID, *, for_update: bool = False) -> Tag | None:
        tag = self._owned(self._tables(), user_id, tag_id)
        return clone(tag) if tag is not None else None

    def list(self, user_id: uuid.UUID) -> Sequence[Tag]:
        rows = [tag for tag in self._tables().tags.values() if tag.user_id == user_id]
        return [clone(tag) for tag in sorted(rows, key=_by_name)]

    def update(self, tag: Tag) -> None:
        tables = self._tables()
        if self._owned(tables, tag.user_id, tag.id) is None:
            raise NotFoundError("tag")
        self._check_name(tables, tag)
        tables.tags[tag.id] = clone(tag)

    def delete(self, user_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
        tables = self._tables()
        if self._owned(tables, user_id, tag_id) is None:
            return False
        tables.delete_tag(tag_id)
        return True

    def attach(self, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID, at: dt.datetime) -> bool:
        tables = self._tables()
        _require_owned_entity(tables, user_id, entity_id)
        if self._owned(tables, user_id, tag_id) is None:
            raise NotFoundError("tag")
        if (entity_id, tag_id) in tables.entity_tags:
            return False
        tables.entity_tags[(entity_id, tag_id)] = Link(user_id=user_id, at=at)
        return True

    def detach(self, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
        links = self._tables().entity_tags
        link = links.get((entity_id, tag_id))
        if link is None or link.user_id != user_id:
            return False
        del links[(entity_id, tag_id)]
        return True

    def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Tag]:
        tables = self._tables()
        rows = [
            tables.tags[tag_id]
            for (linked_entity, tag_id), link in tables.entity_tags.items()
            if linked_entity == entity_id and link.user_id == user_id
        ]
        return [clone(tag) for tag in sorted(rows, key=_by_name)]

    @staticmethod
    def _owned(tables: Tables, user_id: uuid.UUID, tag_id: uuid.UUID) -> Tag | None:
        tag = tables.tags.get(tag_id)
        return tag if tag is not None and tag.user_id == user_id else None

    @staticmethod
    def _check_name(tables: Tables, tag: Tag) -> None:
        if any(
            other.user_id == tag.user_id and other.name == tag.name and other.id != tag.id
            for other in tables.tags.values()
        ):
            raise ConflictError(name=TAKEN)


class MemoryGroupRepository:
    """Groups, unique by (user, name); membership needs entity and group of the same user."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, group: Group) -> None:
        tables = self._tables()
        if group.id in tables.groups:
            raise ConflictError(id=TAKEN)
        self._check_name(tables, group)
        if group.user_id not in tables.users:
            raise NotFoundError("user")
        tables.groups[group.id] = clone(group)

    def get(self, user_id: uuid.UUID, group_id: uuid.UUID, *, for_update: bool = False) -> Group | None:
        group = self._owned(self._tables(), user_id, group_id)
        return clone(group) if group is not None else None

    def list(self, user_id: uuid.UUID) -> Sequence[Group]:
        rows = [group for group in self._tables().groups.values() if group.user_id == user_id]
        return [clone(group) for group in sorted(rows, key=_by_name)]

    def update(self, group: Group) -> None:
        tables = self._tables()
        if self._owned(tables, group.user_id, group.id) is None:
            raise NotFoundError("group")
        self._check_name(tables, group)
        tables.groups[group.id] = clone(group)

    def delete(self, user_id: uuid.UUID, group_id: uuid.UUID) -> bool:
        tables = self._tables()
        if self._owned(tables, user_id, group_id) is None:
            return False
        tables.delete_group(group_id)
        return True

    def add_member(self, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID, at: dt.datetime) -> bool:
        tables = self._tables()
        if self._owned(tables, user_id, group_id) is None:
            raise NotFoundError("group")
        _require_owned_entity(tables, user_id, entity_id)
        if (entity_id, group_id) in tables.entity_groups:
            return False
        tables.entity_groups[(entity_id, group_id)] = Link(user_id=user_id, at=at)
        return True

    def remove_member(self, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID) -> bool:
        links = self._tables().entity_groups
        link = links.get((entity_id, group_id))
        if link is None or link.user_id != user_id:
            return False
        del links[(entity_id, group_id)]
        return True

    def clear_members(self, user_id: uuid.UUID, group_id: uuid.UUID) -> int:
        links = self._tables().entity_groups
        doomed = [key for key, link in links.items() if key[1] == group_id and link.user_id == user_id]
        for key in doomed:
            del links[key]
        return len(doomed)

    def members(self, user_id: uuid.UUID, group_id: uuid.UUID, page: PageRequest) -> Page[Entity]:
        tables = self._tables()
        rows = [
            tables.entities[entity_id]
            for (entity_id, linked_group), link in tables.entity_groups.items()
            if linked_group == group_id and link.user_id == user_id
        ]
        return keyset_page(rows, page)

    def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Group]:
        tables = self._tables()
        rows = [
            tables.groups[group_id]
            for (linked_entity, group_id), link in tables.entity_groups.items()
            if linked_entity == entity_id and link.user_id == user_id
        ]
        return [clone(group) for group in sorted(rows, key=_by_name)]

    @staticmethod
    def _owned(tables: Tables, user_id: uuid.UUID, group_id: uuid.UUID) -> Group | None:
        group = tables.groups.get(group_id)
        return group if group is not None and group.user_id == user_id else None

    @staticmethod
    def _check_name(tables: Tables, group: Group) -> None:
        if any(
            other.user_id == group.user_id and other.name == group.name and other.id != group.id
            for other in tables.groups.values()
        ):
            raise ConflictError(name=TAKEN)
