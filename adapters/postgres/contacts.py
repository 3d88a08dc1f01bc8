"""Repositories of entities and of the user's relationships to them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import (
    ARRAY,
    String,
    any_,
    bindparam,
    delete,
    distinct,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from conezia.core.entities import Entity, Relationship
from conezia.core.errors import NotFoundError
from conezia.core.organizing import EntityFilter
from conezia.core.pagination import Page, PageRequest, page_of

from ._base import (
    Prepared,
    Repository,
    after_key,
    attribute_names,
    columns_for,
    owned_values,
    page_statement,
    set_after,
)
from .tables import TIMESTAMPTZ, entities, entity_tags, relationships, tags

__all__ = [
    "ENTITY_AFTER",
    "ENTITY_FIELDS",
    "GET_ENTITY",
    "INSERT_ENTITY",
    "PostgresEntityRepository",
    "PostgresRelationshipRepository",
    "entity_list_statement",
    "entity_page",
    "escape_like",
]

_STRINGS: Final = ARRAY(String)


def escape_like(text: str) -> str:
    """``text`` with the LIKE wildcards and the escape character (backslash) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


ENTITY_COLUMNS: Final = columns_for(Entity, entities)
ENTITY_FIELDS: Final = attribute_names(Entity)
_ENTITY_MUTABLE: Final = tuple(name for name in ENTITY_FIELDS if name not in ("id", "owner_id"))
_OWNED_ENTITY: Final = (entities.c.id == bindparam("b_id"), entities.c.owner_id == bindparam("b_owner_id"))

INSERT_ENTITY: Final = Prepared(insert(entities))
GET_ENTITY: Final = Prepared(select(*ENTITY_COLUMNS).where(*_OWNED_ENTITY))
_GET_ENTITY_FOR_UPDATE: Final = GET_ENTITY.with_for_update()
_UPDATE_ENTITY: Final = Prepared(
    update(entities).where(*_OWNED_ENTITY).values({name: bindparam(name) for name in _ENTITY_MUTABLE})
)
_DELETE_ENTITY: Final = Prepared(delete(entities).where(*_OWNED_ENTITY))
_LIST_ENTITIES: Final = (
    select(*ENTITY_COLUMNS)
    .where(entities.c.owner_id == bindparam("owner_id"))
    .order_by(entities.c.inserted_at, entities.c.id)
)

# The criteria of EntityFilter, built once so that every combination of them
# compiles to one cached statement.
ENTITY_AFTER: Final = after_key(entities)
_OF_TYPES: Final = entities.c.type == any_(bindparam("types", type_=_STRINGS))
_TAGGED_WITH_ALL: Final = entities.c.id.in_(
    select(entity_tags.c.entity_id)
    .join(tags, tags.c.id == entity_tags.c.tag_id)
    .where(
        tags.c.user_id == bindparam("owner_id"),
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
            relationships.c.user_id == bindparam("owner_id"),
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


def _entity_key(entity: Entity) -> tuple[dt.datetime, uuid.UUID]:
    return entity.inserted_at, entity.id


def entity_list_statement(
    owner_id: uuid.UUID, criteria: EntityFilter, page: PageRequest
) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of the owner's entities meeting ``criteria``, and its parameters.

    It fetches one row more than the page holds; :func:`entity_page` uses that row to tell whether a next page exists.
    """
    params: dict[str, Any] = {"owner_id": owner_id}
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
    if set_after(page, params):
        conditions.append(ENTITY_AFTER)
    params["limit"] = page.limit + 1
    return page_statement(_LIST_ENTITIES, conditions), params


def entity_page(rows: Sequence[Sequence[Any]], page: PageRequest) -> Page[Entity]:
    """The page of entities from the rows of :func:`entity_list_statement`."""
    return page_of([Entity(*row) for row in rows], page.limit, _entity_key)


class PostgresEntityRepository(Repository):
    """Entities, always read and written within their owner's rows."""

    __slots__ = ()

    async def add(self, entity: Entity) -> None:
        await self._run(INSERT_ENTITY, owned_values(ENTITY_FIELDS, entity))

    async def get(self, owner_id: uuid.UUID, entity_id: uuid.UUID, *, for_update: bool = False) -> Entity | None:
        params = {"b_id": entity_id, "b_owner_id": owner_id}
        row = await self._row(_GET_ENTITY_FOR_UPDATE if for_update else GET_ENTITY, params)
        return None if row is None else Entity(*row)

    async def update(self, entity: Entity) -> None:
        params = owned_values(_ENTITY_MUTABLE, entity)
        params["b_id"] = entity.id
        params["b_owner_id"] = entity.owner_id
        if await self._count(_UPDATE_ENTITY, params) == 0:
            raise NotFoundError("entity")

    async def delete(self, owner_id: uuid.UUID, entity_id: uuid.UUID) -> bool:
        # relationships, identifiers and memberships go by ON DELETE CASCADE
        return await self._count(_DELETE_ENTITY, {"b_id": entity_id, "b_owner_id": owner_id}) > 0

    async def list(self, owner_id: uuid.UUID, criteria: EntityFilter, page: PageRequest) -> Page[Entity]:
        statement, params = entity_list_statement(owner_id, criteria, page)
        return entity_page(await self._rows(statement, params), page)


RELATIONSHIP_COLUMNS: Final = columns_for(Relationship, relationships)
_RELATIONSHIP_FIELDS: Final = attribute_names(Relationship)
_RELATIONSHIP_MUTABLE: Final = tuple(name for name in _RELATIONSHIP_FIELDS if name not in ("id", "user_id"))
_OWNED_RELATIONSHIP: Final = (
    relationships.c.id == bindparam("b_id"),
    relationships.c.user_id == bindparam("b_user_id"),
)

_INSERT_RELATIONSHIP: Final = Prepared(insert(relationships))
_GET_RELATIONSHIP: Final = Prepared(select(*RELATIONSHIP_COLUMNS).where(*_OWNED_RELATIONSHIP))
_GET_RELATIONSHIP_FOR_UPDATE: Final = _GET_RELATIONSHIP.with_for_update()
_GET_RELATIONSHIP_FOR_ENTITY: Final = Prepared(select(*RELATIONSHIP_COLUMNS).where(
    relationships.c.user_id == bindparam("user_id"), relationships.c.entity_id == bindparam("entity_id")
))
_UPDATE_RELATIONSHIP: Final = Prepared(
    update(relationships)
    .where(*_OWNED_RELATIONSHIP)
    .values({name: bindparam(name) for name in _RELATIONSHIP_MUTABLE})
)
_DELETE_RELATIONSHIP: Final = Prepared(delete(relationships).where(*_OWNED_RELATIONSHIP))
_LIST_RELATIONSHIPS: Final = (
    select(*RELATIONSHIP_COLUMNS)
    .where(relationships.c.user_id == bindparam("user_id"))
    .order_by(relationships.c.inserted_at, relationships.c.id)
)
_RELATIONSHIP_AFTER: Final = after_key(relationships)
_OF_STATUS: Final = relationships.c.status == bindparam("status", type_=String)

_DUE: Final = func.coalesce(entities.c.last_interaction_at, relationships.c.inserted_at) + func.make_interval(
    0, 0, 0, relationships.c.health_threshold_days
)
_NEEDING_ATTENTION: Final = Prepared(
    select(*ENTITY_COLUMNS, *RELATIONSHIP_COLUMNS)
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
_ENTITY_WIDTH: Final = len(ENTITY_COLUMNS)


def _relationship_key(relationship: Relationship) -> tuple[dt.datetime, uuid.UUID]:
    return relationship.inserted_at, relationship.id


class PostgresRelationshipRepository(Repository):
    """Relationships: at most one per user and entity, and only to the user's own entities."""

    __slots__ = ()

    async def add(self, relationship: Relationship) -> None:
        await self._run(_INSERT_RELATIONSHIP, owned_values(_RELATIONSHIP_FIELDS, relationship))

    async def get(
        self, user_id: uuid.UUID, relationship_id: uuid.UUID, *, for_update: bool = False
    ) -> Relationship | None:
        params = {"b_id": relationship_id, "b_user_id": user_id}
        row = await self._row(_GET_RELATIONSHIP_FOR_UPDATE if for_update else _GET_RELATIONSHIP, params)
        return None if row is None else Relationship(*row)

    async def get_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Relationship | None:
        row = await self._row(_GET_RELATIONSHIP_FOR_ENTITY, {"user_id": user_id, "entity_id": entity_id})
        return None if row is None else Relationship(*row)

    async def list(self, user_id: uuid.UUID, page: PageRequest, status: str | None = None) -> Page[Relationship]:
        params: dict[str, Any] = {"user_id": user_id, "limit": page.limit + 1}
        conditions: list[ColumnElement[bool]] = []
        if status is not None:
            conditions.append(_OF_STATUS)
            params["status"] = status
        if set_after(page, params):
            conditions.append(_RELATIONSHIP_AFTER)
        statement = page_statement(_LIST_RELATIONSHIPS, conditions)
        rows = [Relationship(*row) for row in await self._rows(statement, params)]
        return page_of(rows, page.limit, _relationship_key)

    async def update(self, relationship: Relationship) -> None:
        params = owned_values(_RELATIONSHIP_MUTABLE, relationship)
        params["b_id"] = relationship.id
        params["b_user_id"] = relationship.user_id
        if await self._count(_UPDATE_RELATIONSHIP, params) == 0:
            raise NotFoundError("relationship")

    async def delete(self, user_id: uuid.UUID, relationship_id: uuid.UUID) -> bool:
        return await self._count(_DELETE_RELATIONSHIP, {"b_id": relationship_id, "b_user_id": user_id}) > 0

    async def needing_attention(
        self, user_id: uuid.UUID, now: dt.datetime, limit: int
    ) -> Sequence[tuple[Entity, Relationship]]:
        params = {"user_id": user_id, "now": now, "limit": max(limit, 0)}
        return [
            (Entity(*row[:_ENTITY_WIDTH]), Relationship(*row[_ENTITY_WIDTH:]))
            for row in await self._rows(_NEEDING_ATTENTION, params)
        ]
