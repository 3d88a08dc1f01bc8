"""Repositories of tags and groups, and of the entities' memberships in them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql

from conezia.core.entities import Entity
from conezia.core.errors import NotFoundError
from conezia.core.organizing import Group, Tag
from conezia.core.pagination import Page, PageRequest

from ._owned import Owned, OwnedRepository, keyset_page
from ._prepared import Prepared
from .contacts import ENTITIES
from .tables import entities, entity_groups, entity_tags, groups, tags

__all__ = [
    "GROUPS",
    "LIST_GROUPS",
    "LIST_TAGS",
    "TAGS",
    "PostgresGroupRepository",
    "PostgresTagRepository",
    "members_statement",
]


def _by_name(table: Table) -> tuple[Any, ...]:
    # "C" collation: names sort by code point, as Python sorts strings, whatever the database's locale
    return table.c.name.collate("C"), table.c.id


def _link(table: Table, other: str, at: str) -> Prepared:
    """INSERT of one entity's link to a tag or group; a link made already inserts nothing."""
    parameter_of = {"entity_id": "entity_id", other: other, "user_id": "user_id", at: "at"}
    return Prepared(
        postgresql.insert(table)
        .values({column: bindparam(name) for column, name in parameter_of.items()})
        .on_conflict_do_nothing(index_elements=[table.c.entity_id, table.c[other]])
    )


def _link_owner(table: Table, other: str) -> Prepared:
    """Whose link between the entity and the tag or group it is, if it exists."""
    return Prepared(
        select(table.c.user_id).where(table.c.entity_id == bindparam("entity_id"), table.c[other] == bindparam(other))
    )


def _of_entity(owned: Owned[Any], links: Table, other: str) -> Prepared:
    """The user's tags or groups the entity is linked to, by name."""
    table = owned.table
    return Prepared(
        select(*owned.columns)
        .join_from(table, links, links.c[other] == table.c.id)
        .where(table.c.user_id == bindparam("user_id"), links.c.entity_id == bindparam("entity_id"))
        .order_by(*_by_name(table))
    )


TAGS: Final = Owned(Tag, tags, "user_id", resource="tag")
LIST_TAGS: Final = Prepared(select(*TAGS.columns).where(tags.c.user_id == bindparam("user_id")).order_by(*_by_name(tags)))
_ATTACH: Final = _link(entity_tags, "tag_id", "inserted_at")
_TAG_LINK_OWNER: Final = _link_owner(entity_tags, "tag_id")
_DETACH: Final = Prepared(delete(entity_tags).where(
    entity_tags.c.user_id == bindparam("user_id"),
    entity_tags.c.entity_id == bindparam("entity_id"),
    entity_tags.c.tag_id == bindparam("tag_id"),
))
_TAGS_OF_ENTITY: Final = _of_entity(TAGS, entity_tags, "tag_id")


class PostgresTagRepository(OwnedRepository[Tag]):
    """A user's tags; names are unique per user (case-sensitively)."""

    __slots__ = ()
    owned = TAGS

    async def list(self, user_id: uuid.UUID) -> Sequence[Tag]:
        return await self._all(LIST_TAGS, {"user_id": user_id})

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
        return await self._all(_TAGS_OF_ENTITY, {"user_id": user_id, "entity_id": entity_id})


GROUPS: Final = Owned(Group, groups, "user_id", resource="group")
LIST_GROUPS: Final = Prepared(
    select(*GROUPS.columns).where(groups.c.user_id == bindparam("user_id")).order_by(*_by_name(groups))
)
_ADD_MEMBER: Final = _link(entity_groups, "group_id", "added_at")
_MEMBERSHIP_OWNER: Final = _link_owner(entity_groups, "group_id")
_OF_GROUP: Final = (
    entity_groups.c.user_id == bindparam("user_id"),
    entity_groups.c.group_id == bindparam("group_id"),
)
_REMOVE_MEMBER: Final = Prepared(delete(entity_groups).where(
    *_OF_GROUP, entity_groups.c.entity_id == bindparam("entity_id")
))
_CLEAR_MEMBERS: Final = Prepared(delete(entity_groups).where(*_OF_GROUP))
# the members in the entities' own keyset order, so that their pages read like entity pages
_MEMBERS: Final = (
    select(*ENTITIES.columns)
    .join_from(entities, entity_groups, entity_groups.c.entity_id == entities.c.id)
    .where(*_OF_GROUP, entities.c.owner_id == bindparam("user_id"))
    .order_by(entities.c.inserted_at, entities.c.id)
)
_GROUPS_OF_ENTITY: Final = _of_entity(GROUPS, entity_groups, "group_id")


def members_statement(user_id: uuid.UUID, group_id: uuid.UUID, page: PageRequest) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of a group's member entities, and its parameters."""
    return keyset_page(_MEMBERS, ENTITIES.after, page, (), {"user_id": user_id, "group_id": group_id})


class PostgresGroupRepository(OwnedRepository[Group]):
    """A user's groups and the manual groups' members; names are unique per user.

    A group without rules stores SQL NULL: psycopg sends None as NULL, never as JSON null.
    """

    __slots__ = ()
    owned = GROUPS

    async def list(self, user_id: uuid.UUID) -> Sequence[Group]:
        return await self._all(LIST_GROUPS, {"user_id": user_id})

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
        statement, params = members_statement(user_id, group_id, page)
        return ENTITIES.page_of(await self._rows(statement, params), page)

    async def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Group]:
        return await self._all(_GROUPS_OF_ENTITY, {"user_id": user_id, "entity_id": entity_id})
