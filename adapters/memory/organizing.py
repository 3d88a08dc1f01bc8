"""In-memory repositories of tags and groups, and of the links between them and entities."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from conezia.core.entities import Entity
from conezia.core.organizing import Group, Tag
from conezia.core.pagination import Page, PageRequest

from .kit import OwnedRepository, Rows, by_name
from .schema import EntityGroup, EntityTag

__all__ = ["MemoryGroupRepository", "MemoryTagRepository"]


class MemoryTagRepository(OwnedRepository[Tag], table="tags"):
    """Tags, unique by (user, name); tagging needs entity and tag of the same user."""

    _links = Rows[EntityTag]("entity_tags")

    async def list(self, user_id: uuid.UUID) -> Sequence[Tag]:
        return self._rows.listed(user_id, order=by_name)

    async def attach(self, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID, at: dt.datetime) -> bool:
        return self._links.link(EntityTag(entity_id, tag_id, user_id, at), elsewhere="entity")

    async def detach(self, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
        return self._links.delete(user_id, (entity_id, tag_id))

    async def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Tag]:
        linked = {link.tag_id for link in self._links.find(user_id, lambda link: link.entity_id == entity_id)}
        return self._rows.listed(user_id, where=lambda tag: tag.id in linked, order=by_name)


class MemoryGroupRepository(OwnedRepository[Group], table="groups"):
    """Groups, unique by (user, name); membership needs entity and group of the same user."""

    _members = Rows[EntityGroup]("entity_groups")
    _entities = Rows[Entity]("entities", scope="owner_id")

    async def list(self, user_id: uuid.UUID) -> Sequence[Group]:
        return self._rows.listed(user_id, order=by_name)

    async def add_member(self, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID, at: dt.datetime) -> bool:
        return self._members.link(EntityGroup(entity_id, group_id, user_id, at), elsewhere="group")

    async def remove_member(self, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID) -> bool:
        return self._members.delete(user_id, (entity_id, group_id))

    async def clear_members(self, user_id: uuid.UUID, group_id: uuid.UUID) -> int:
        return self._members.delete_where(user_id, lambda link: link.group_id == group_id)

    async def members(self, user_id: uuid.UUID, group_id: uuid.UUID, page: PageRequest) -> Page[Entity]:
        joined = {link.entity_id for link in self._members.find(user_id, lambda link: link.group_id == group_id)}
        return self._entities.page(user_id, page, where=lambda entity: entity.id in joined)

    async def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Group]:
        joined = {link.group_id for link in self._members.find(user_id, lambda link: link.entity_id == entity_id)}
        return self._rows.listed(user_id, where=lambda group: group.id in joined, order=by_name)
