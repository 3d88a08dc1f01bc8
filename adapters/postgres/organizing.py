"""Repositories of tags and groups, and of the entities' memberships in them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql

from conezia.core.entities import Entity
from conezia.core.errors import NotFoundError
from conezia.core.organizing import Group, Tag
from conezia.core.pagination import Page, PageRequest

from ._base import Prepared, Repository, attribute_names, columns_for, owned_values, page_statement, set_after
from .contacts import ENTITY_AFTER, ENTITY_COLUMNS, entity_page
from .tables import TIMESTAMPTZ, entities, entity_groups, entity_tags, groups, tags

__all__ = ["PostgresGroupRepository", "PostgresTagRepository"]

_TAG_COLUMNS: Final = columns_for(Tag, tags)
_TAG_FIELDS: Final = attribute_names(Tag)
_TAG_MUTABLE: Final = tuple(name for name in _TAG_FIELDS if name not in ("id", "user_id"))
_OWNED_TAG: Final = (tags.c.id == bindparam("b_id"), tags.c.user_id == bindparam("b_user_id"))
# "C" collation: names sort by code point, as Python sorts strings, whatever the database's locale.
_TAGS_BY_NAME: Final = (tags.c.name.collate("C"), tags.c.id)

_INSERT_TAG: Final = Prepared(insert(tags))
_GET_TAG: Final = Prepared(select(*_TAG_COLUMNS).where(*_OWNED_TAG))
_GET_TAG_FOR_UPDATE: Final = _GET_TAG.with_for_update()
_LIST_TAGS: Final = Prepared(
    select(*_TAG_COLUMNS).where(tags.c.user_id == bindparam("user_id")).order_by(*_TAGS_BY_NAME)
)
_UPDATE_TAG: Final = Prepared(
    update(tags).where(*_OWNED_TAG).values({name: bindparam(name) for name in _TAG_MUTABLE})
)
_DELETE_TAG: Final = Prepared(delete(tags).where(*_OWNED_TAG))
_ATTACH: Final = Prepared(
    postgresql.insert(entity_tags)
    .values(
        entity_id=bindparam("entity_id"),
        tag_id=bindparam("tag_id"),
        user_id=bindparam("user_id"),
        inserted_at=bindparam("at", type_=TIMESTAMPTZ),
    )
    .on_conflict_do_nothing(index_elements=[entity_tags.c.entity_id, entity_tags.c.tag_id])
)
_DETACH: Final = Prepared(delete(entity_tags).where(
    entity_tags.c.user_id == bindparam("user_id"),
    entity_tags.c.entity_id == bindparam("entity_id"),
    entity_tags.c.tag_id == bindparam("tag_id"),
))
_TAG_LINK_OWNER: Final = Prepared(select(entity_tags.c.user_id).where(
    entity_tags.c.entity_id == bindparam("entity_id"), entity_tags.c.tag_id == bindparam("tag_id")
))
_TAGS_FOR_ENTITY: Final = Prepared(
    select(*_TAG_COLUMNS)
    .select_from(tags.join(entity_tags, entity_tags.c.tag_id == tags.c.id))
    .where(tags.c.user_id == bindparam("user_id"), entity_tags.c.entity_id == bindparam("entity_id"))
    .order_by(*_TAGS_BY_NAME)
)


class PostgresTagRepository(Repository):
    """A user's tags; names are unique per user (case-sensitively)."""

    __slots__ = ()

    async def add(self, tag: Tag) -> None:
        await self._run(_INSERT_TAG, owned_values(_TAG_FIELDS, tag))

    async def get(self, user_id: uuid.UUID, tag_id: uuid.UUID, *, for_update: bool = False) -> Tag | None:
        row = await self._row(_GET_TAG_FOR_UPDATE if for_update else _GET_TAG, {"b_id": tag_id, "b_user_id": user_id})
        return None if row is None else Tag(*row)

    async def list(self, user_id: uuid.UUID) -> Sequence[Tag]:
        return [Tag(*row) for row in await self._rows(_LIST_TAGS, {"user_id": user_id})]

    async def update(self, tag: Tag) -> None:
        params = owned_values(_TAG_MUTABLE, tag)
        params["b_id"] = tag.id
        params["b_user_id"] = tag.user_id
        if await self._count(_UPDATE_TAG, params) == 0:
            raise NotFoundError("tag")

    async def delete(self, user_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
        return await self._count(_DELETE_TAG, {"b_id": tag_id, "b_user_id": user_id}) > 0

    async def attach(self, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID, at: dt.datetime) -> bool:
        # The composite foreign keys refuse an entity or tag of another user,
        # but ON CONFLICT skips them when that user has made this very link.
        params = {"user_id": user_id, "entity_id": entity_id, "tag_id": tag_id, "at": at}
        if await self._count(_ATTACH, params) > 0:
            return True
        if await self._scalar(_TAG_LINK_OWNER, params) != user_id:
            raise NotFoundError("entity")
        return False

    async def detach(self, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID) -> bool:
        return await self._count(_DETACH, {"user_id": user_id, "entity_id": entity_id, "tag_id": tag_id}) > 0

    async def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Tag]:
        return [Tag(*row) for row in await self._rows(_TAGS_FOR_ENTITY, {"user_id": user_id, "entity_id": entity_id})]


_GROUP_COLUMNS: Final = columns_for(Group, groups)
_GROUP_FIELDS: Final = attribute_names(Group)
_GROUP_MUTABLE: Final = tuple(name for name in _GROUP_FIELDS if name not in ("id", "user_id"))
_OWNED_GROUP: Final = (groups.c.id == bindparam("b_id"), groups.c.user_id == bindparam("b_user_id"))
_GROUPS_BY_NAME: Final = (groups.c.name.collate("C"), groups.c.id)

# psycopg sends None as SQL NULL: a group without rules stores no JSON null.
_INSERT_GROUP: Final = Prepared(insert(groups))
_GET_GROUP: Final = Prepared(select(*_GROUP_COLUMNS).where(*_OWNED_GROUP))
_GET_GROUP_FOR_UPDATE: Final = _GET_GROUP.with_for_update()
_LIST_GROUPS: Final = Prepared(
    select(*_GROUP_COLUMNS).where(groups.c.user_id == bindparam("user_id")).order_by(*_GROUPS_BY_NAME)
)
_UPDATE_GROUP: Final = Prepared(
    update(groups).where(*_OWNED_GROUP).values({name: bindparam(name) for name in _GROUP_MUTABLE})
)
_DELETE_GROUP: Final = Prepared(delete(groups).where(*_OWNED_GROUP))
_ADD_MEMBER: Final = Prepared(
    postgresql.insert(entity_groups)
    .values(
        entity_id=bindparam("entity_id"),
        group_id=bindparam("group_id"),
        user_id=bindparam("user_id"),
        added_at=bindparam("at", type_=TIMESTAMPTZ),
    )
    .on_conflict_do_nothing(index_elements=[entity_groups.c.entity_id, entity_groups.c.group_id])
)
_OF_GROUP: Final = (
    entity_groups.c.user_id == bindparam("user_id"),
    entity_groups.c.group_id == bindparam("group_id"),
)
_MEMBERSHIP_OWNER: Final = Prepared(select(entity_groups.c.user_id).where(
    entity_groups.c.entity_id == bindparam("entity_id"), entity_groups.c.group_id == bindparam("group_id")
))
_REMOVE_MEMBER: Final = Prepared(delete(entity_groups).where(
    *_OF_GROUP, entity_groups.c.entity_id == bindparam("entity_id")
))
_CLEAR_MEMBERS: Final = Prepared(delete(entity_groups).where(*_OF_GROUP))
_MEMBERS: Final = (
    select(*ENTITY_COLUMNS)
    .select_from(entities.join(entity_groups, entity_groups.c.entity_id == entities.c.id))
    .where(*_OF_GROUP, entities.c.owner_id == bindparam("user_id"))
    .order_by(entities.c.inserted_at, entities.c.id)
)
_GROUPS_FOR_ENTITY: Final = Prepared(
    select(*_GROUP_COLUMNS)
    .select_from(groups.join(entity_groups, entity_groups.c.group_id == groups.c.id))
    .where(groups.c.user_id == bindparam("user_id"), entity_groups.c.entity_id == bindparam("entity_id"))
    .order_by(*_GROUPS_BY_NAME)
)


class PostgresGroupRepository(Repository):
    """A user's groups and the manual groups' members; names are unique per user."""

    __slots__ = ()

    async def add(self, group: Group) -> None:
        await self._run(_INSERT_GROUP, owned_values(_GROUP_FIELDS, group))

    async def get(self, user_id: uuid.UUID, group_id: uuid.UUID, *, for_update: bool = False) -> Group | None:
        params = {"b_id": group_id, "b_user_id": user_id}
        row = await self._row(_GET_GROUP_FOR_UPDATE if for_update else _GET_GROUP, params)
        return None if row is None else Group(*row)

    async def list(self, user_id: uuid.UUID) -> Sequence[Group]:
        return [Group(*row) for row in await self._rows(_LIST_GROUPS, {"user_id": user_id})]

    async def update(self, group: Group) -> None:
        params = owned_values(_GROUP_MUTABLE, group)
        params["b_id"] = group.id
        params["b_user_id"] = group.user_id
        if await self._count(_UPDATE_GROUP, params) == 0:
            raise NotFoundError("group")

    async def delete(self, user_id: uuid.UUID, group_id: uuid.UUID) -> bool:
        return await self._count(_DELETE_GROUP, {"b_id": group_id, "b_user_id": user_id}) > 0

    async def add_member(self, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID, at: dt.datetime) -> bool:
        # As for tags: foreign keys, except where ON CONFLICT met another user's membership.
        params = {"user_id": user_id, "group_id": group_id, "entity_id": entity_id, "at": at}
        if await self._count(_ADD_MEMBER, params) > 0:
            return True
        if await self._scalar(_MEMBERSHIP_OWNER, params) != user_id:
            raise NotFoundError("group")
        return False

    async def remove_member(self, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID) -> bool:
        params = {"user_id": user_id, "group_id": group_id, "entity_id": entity_id}
        return await self._count(_REMOVE_MEMBER, params) > 0

    async def clear_members(self, user_id: uuid.UUID, group_id: uuid.UUID) -> int:
        return await self._count(_CLEAR_MEMBERS, {"user_id": user_id, "group_id": group_id})

    async def members(self, user_id: uuid.UUID, group_id: uuid.UUID, page: PageRequest) -> Page[Entity]:
        params: dict[str, Any] = {"user_id": user_id, "group_id": group_id, "limit": page.limit + 1}
        conditions = [ENTITY_AFTER] if set_after(page, params) else []
        return entity_page(await self._rows(page_statement(_MEMBERS, conditions), params), page)

    async def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Group]:
        params = {"user_id": user_id, "entity_id": entity_id}
        return [Group(*row) for row in await self._rows(_GROUPS_FOR_ENTITY, params)]
