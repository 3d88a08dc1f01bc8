"""Repositories of entities and of the user's relationships to them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import ARRAY, String, any_, bindparam, distinct, func, select
from sqlalchemy.sql.elements import ColumnElement

from conezia.core.entities import Entity, Relationship
from conezia.core.organizing import EntityFilter
from conezia.core.pagination import Page, PageRequest

from ._owned import Owned, OwnedRepository
from ._prepared import Prepared
from .tables import TIMESTAMPTZ, entities, entity_tags, relationships, tags

__all__ = [
    "ENTITIES",
    "RELATIONSHIPS",
    "PostgresEntityRepository",
    "PostgresRelationshipRepository",
    "entity_list_statement",
    "escape_like",
    "relationship_list_statement",
]

_STRINGS: Final = ARRAY(String)


def escape_like(text: str) -> str:
    """``text`` with the LIKE wildcards and the escape character (backslash) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


ENTITIES: Final = Owned(Entity, entities, "owner_id", resource="entity")

# The criteria of EntityFilter, built once so that every combination of them
# compiles to one cached statement.
_OF_TYPES: Final = entities.c.type == any_(bindparam("types", type_=_STRINGS))
_TAGGED_WITH_ALL: Final = entities.c.id.in_(
    select(entity_tags.c.entity_id)
    .join(tags, tags.c.id == entity_tags.c.tag_id)
    .where(
        tags.c.user_id == bindparam("owner"),
        tags.c.name == any_(bindparam("tag_names", type_=_STRINGS)),
    )
    .group_by(entity_tags.c.entity_id)
    .having(func.count(distinct(tags.c.name)) == bindparam("tag_count"))
)
_RELATIONSHIP_OF_TYPES: Final = relationships.c.type == any_(bindparam("relationship_types", type_=_STRINGS))
_RELATIONSHIP_OF_STATUSES: Final = relationships.c.status == any_(
    bindparam("relationship_statuses", type_=_STRINGS)
)


def _has_relationship(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return (
        select(relationships.c.id)
        .where(
            relationships.c.user_id == bindparam("owner"),
            relationships.c.entity_id == entities.c.id,
            *conditions,
        )
        .exists()
    )


_HAS_RELATIONSHIP: Final = {
    (True, False): _has_relationship(_RELATIONSHIP_OF_TYPES),
    (False, True): _has_relationship(_RELATIONSHIP_OF_STATUSES),
    (True, True): _has_relationship(_RELATIONSHIP_OF_TYPES, _RELATIONSHIP_OF_STATUSES),
}
_INTERACTED_SINCE: Final = entities.c.last_interaction_at >= bindparam("interacted_since", type_=TIMESTAMPTZ)
_ARCHIVED: Final = {False: entities.c.archived_at.is_(None), True: entities.c.archived_at.is_not(None)}
_NAME_CONTAINS: Final = entities.c.name.ilike(bindparam("name_pattern", type_=String), escape="\\")


def entity_list_statement(
    owner_id: uuid.UUID, criteria: EntityFilter, page: PageRequest
) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of the owner's entities meeting ``criteria``, and its parameters."""
    params: dict[str, Any] = {}
    conditions: list[ColumnElement[bool]] = []
    if criteria.types:
        conditions.append(_OF_TYPES)
        params["types"] = list(criteria.types)
    if criteria.tag_names:
        names = sorted(set(criteria.tag_names))
        conditions.append(_TAGGED_WITH_ALL)
        params["tag_names"] = names
        params["tag_count"] = len(names)
    if criteria.relationship_types or criteria.relationship_statuses:
        key = (bool(criteria.relationship_types), bool(criteria.relationship_statuses))
        conditions.append(_HAS_RELATIONSHIP[key])
        if criteria.relationship_types:
            params["relationship_types"] = list(criteria.relationship_types)
        if criteria.relationship_statuses:
            params["relationship_statuses"] = list(criteria.relationship_statuses)
    if criteria.interacted_since is not None:
        conditions.append(_INTERACTED_SINCE)
        params["interacted_since"] = criteria.interacted_since
    if criteria.archived is not None:
        conditions.append(_ARCHIVED[criteria.archived])
    if criteria.name_contains is not None:
        conditions.append(_NAME_CONTAINS)
        params["name_pattern"] = f"%{escape_like(criteria.name_contains)}%"
    return ENTITIES.page(owner_id, page, conditions, params)


class PostgresEntityRepository(OwnedRepository[Entity]):
    """Entities, always read and written within their owner's rows.

    Deleting one takes its relationships, identifiers and memberships along (ON DELETE CASCADE).
    An edit may start from the entity as this process last read or wrote it (``remembers``).
    """

    __slots__ = ()
    remembers = True
    owned = ENTITIES

    async def list(self, owner_id: uuid.UUID, criteria: EntityFilter, page: PageRequest) -> Page[Entity]:
        return await self._page(*entity_list_statement(owner_id, criteria, page), page)


RELATIONSHIPS: Final = Owned(Relationship, relationships, "user_id", resource="relationship")
_GET_RELATIONSHIP_FOR_ENTITY: Final = Prepared(select(*RELATIONSHIPS.columns).where(
    relationships.c.user_id == bindparam("user_id"), relationships.c.entity_id == bindparam("entity_id")
))
_OF_STATUS: Final = relationships.c.status == bindparam("status", type_=String)


def relationship_list_statement(
    user_id: uuid.UUID, page: PageRequest, status: str | None = None
) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of the user's relationships (of one status), and its parameters."""
    if status is None:
        return RELATIONSHIPS.page(user_id, page)
    return RELATIONSHIPS.page(user_id, page, [_OF_STATUS], {"status": status})


_DUE: Final = func.coalesce(entities.c.last_interaction_at, relationships.c.inserted_at) + func.make_interval(
    0, 0, 0, relationships.c.health_threshold_days
)
_NEEDING_ATTENTION: Final = Prepared(
    select(*ENTITIES.columns, *RELATIONSHIPS.columns)
    .select_from(
        relationships.join(
            entities,
            (entities.c.id == relationships.c.entity_id) & (entities.c.owner_id == relationships.c.user_id),
        )
    )
    .where(
        relationships.c.user_id == bindparam("user_id"),
        relationships.c.status == "active",
        entities.c.archived_at.is_(None),
        bindparam("now", type_=TIMESTAMPTZ) >= _DUE,
    )
    .order_by(_DUE, entities.c.id)
    .limit(bindparam("limit"))
)
_ENTITY_WIDTH: Final = len(ENTITIES.columns)


class PostgresRelationshipRepository(OwnedRepository[Relationship]):
    """Relationships: at most one per user and entity, and only to the user's own entities."""

    __slots__ = ()
    owned = RELATIONSHIPS

    async def get_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Relationship | None:
        row = await self._row(_GET_RELATIONSHIP_FOR_ENTITY, {"user_id": user_id, "entity_id": entity_id})
        return None if row is None else Relationship(*row)

    async def list(self, user_id: uuid.UUID, page: PageRequest, status: str | None = None) -> Page[Relationship]:
        return await self._page(*relationship_list_statement(user_id, page, status), page)

    async def needing_attention(
        self, user_id: uuid.UUID, now: dt.datetime, limit: int
    ) -> Sequence[tuple[Entity, Relationship]]:
        params = {"user_id": user_id, "now": now, "limit": max(limit, 0)}
        return [
            (Entity(*row[:_ENTITY_WIDTH]), Relationship(*row[_ENTITY_WIDTH:]))
            for row in await self._rows(_NEEDING_ATTENTION, params)
        ]
