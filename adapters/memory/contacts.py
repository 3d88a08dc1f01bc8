"""In-memory repositories of entities, relationships and identifiers."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from conezia.core.entities import Entity, Relationship
from conezia.core.errors import INVALID, TAKEN, ConflictError, NotFoundError, ValidationError
from conezia.core.identifiers import SECOND_PRIMARY, Identifier
from conezia.core.organizing import EntityFilter
from conezia.core.pagination import Page, PageRequest

from ._rows import TablesAccess, by_insertion, clone, keyset_page, owned_entity, require_user
from .store import Tables

__all__ = ["MemoryEntityRepository", "MemoryIdentifierRepository", "MemoryRelationshipRepository"]



class MemoryEntityRepository:
    """Entities, scoped by owner."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    async def add(self, entity: Entity) -> None:
        tables = self._tables()
        if entity.id in tables.entities:
            raise ConflictError(id=TAKEN)
        require_user(tables, entity.owner_id)
        tables.entities[entity.id] = clone(entity)

    async def get(self, owner_id: uuid.UUID, entity_id: uuid.UUID, *, for_update: bool = False) -> Entity | None:
        entity = owned_entity(self._tables(), owner_id, entity_id)
        return clone(entity) if entity is not None else None

    async def update(self, entity: Entity) -> None:
        tables = self._tables()
        if owned_entity(tables, entity.owner_id, entity.id) is None:
            raise NotFoundError("entity")
        tables.entities[entity.id] = clone(entity)

    async def delete(self, owner_id: uuid.UUID, entity_id: uuid.UUID) -> bool:
        tables = self._tables()
        if owned_entity(tables, owner_id, entity_id) is None:
            return False
        tables.delete_entity(entity_id)
        return True

    async def list(self, owner_id: uuid.UUID, criteria: EntityFilter, page: PageRequest) -> Page[Entity]:
        tables = self._tables()
        owned = [entity for entity in tables.entities.values() if entity.owner_id == owner_id]
        return keyset_page(_matching(tables, owner_id, owned, criteria), page)


def _matching(
    tables: Tables, owner_id: uuid.UUID, entities: list[Entity], criteria: EntityFilter
) -> list[Entity]:
    """The entities meeting every given criterion of ``criteria`` (errata D3)."""
    wanted_tags = set(criteria.tag_names)
    tag_names: dict[uuid.UUID, set[str]] = {}
    if wanted_tags:
        for (entity_id, tag_id), link in tables.entity_tags.items():
            tag = tables.tags[tag_id]
            if link.user_id == owner_id and tag.user_id == owner_id:
                tag_names.setdefault(entity_id, set()).add(tag.name)
    relationships = {r.entity_id: r for r in tables.relationships.values() if r.user_id == owner_id}
    needle = criteria.name_contains.lower() if criteria.name_contains is not None else None

    def matches(entity: Entity) -> bool:
        if criteria.types and entity.type not in criteria.types:
            return False
        if criteria.archived is not None and (entity.archived_at is not None) != criteria.archived:
            return False
        if criteria.interacted_since is not None and (
            entity.last_interaction_at is None or entity.last_interaction_at < criteria.interacted_since
        ):
            return False
        if needle is not None and needle not in entity.name.lower():
            return False
        if wanted_tags and not wanted_tags <= tag_names.get(entity.id, set()):
            return False
        if criteria.relationship_types or criteria.relationship_statuses:
            rel = relationships.get(entity.id)
            if rel is None:
                return False
            if criteria.relationship_types and rel.type not in criteria.relationship_types:
                return False
            if criteria.relationship_statuses and rel.status not in criteria.relationship_statuses:
                return False
        return True

    return [entity for entity in entities if matches(entity)]


class MemoryRelationshipRepository:
    """Relationships: one per (user, entity), and only to the user's own entities."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    async def add(self, relationship: Relationship) -> None:
        tables = self._tables()
        if relationship.id in tables.relationships:
            raise ConflictError(id=TAKEN)
        self._check(tables, relationship)
        tables.relationships[relationship.id] = clone(relationship)

    async def get(
        self, user_id: uuid.UUID, relationship_id: uuid.UUID, *, for_update: bool = False
    ) -> Relationship | None:
        rel = self._tables().relationships.get(relationship_id)
        return clone(rel) if rel is not None and rel.user_id == user_id else None

    async def get_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Relationship | None:
        for rel in self._tables().relationships.values():
            if rel.user_id == user_id and rel.entity_id == entity_id:
                return clone(rel)
        return None

    async def list(self, user_id: uuid.UUID, page: PageRequest, status: str | None = None) -> Page[Relationship]:
        rows = [
            rel
            for rel in self._tables().relationships.values()
            if rel.user_id == user_id and (status is None or rel.status == status)
        ]
        return keyset_page(rows, page)

    async def update(self, relationship: Relationship) -> None:
        tables = self._tables()
        stored = tables.relationships.get(relationship.id)
        if stored is None or stored.user_id != relationship.user_id:
            raise NotFoundError("relationship")
        self._check(tables, relationship)
        tables.relationships[relationship.id] = clone(relationship)

    async def delete(self, user_id: uuid.UUID, relationship_id: uuid.UUID) -> bool:
        relationships = self._tables().relationships
        rel = relationships.get(relationship_id)
        if rel is None or rel.user_id != user_id:
            return False
        del relationships[relationship_id]
        return True

    async def needing_attention(
        self, user_id: uuid.UUID, now: dt.datetime, limit: int
    ) -> Sequence[tuple[Entity, Relationship]]:
        tables = self._tables()
        due: list[tuple[dt.datetime, uuid.UUID, Entity, Relationship]] = []
        for rel in tables.relationships.values():
            if rel.user_id != user_id or rel.status != "active":
                continue
            entity = tables.entities[rel.entity_id]
            if entity.archived_at is not None:
                continue
            at = rel.due_at(entity.last_interaction_at)
            if at <= now:
                due.append((at, entity.id, entity, rel))
        due.sort(key=lambda row: (row[0], row[1]))
        return [(clone(entity), clone(rel)) for _, _, entity, rel in due[:limit]]

    @staticmethod
    def _check(tables: Tables, relationship: Relationship) -> None:
        if any(
            other.user_id == relationship.user_id
            and other.entity_id == relationship.entity_id
            and other.id != relationship.id
            for other in tables.relationships.values()
        ):
            raise ConflictError(entity_id=TAKEN)
        require_user(tables, relationship.user_id)
        # The composite foreign key (entity_id, user_id) -> entities (id, owner_id), errata C8.
        if owned_entity(tables, relationship.user_id, relationship.entity_id) is None:
            raise NotFoundError("entity")


class MemoryIdentifierRepository:
    """Identifiers, reached through the owner of their entity."""

    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    async def add(self, identifier: Identifier) -> None:
        tables = self._tables()
        self._check_value(identifier)
        if identifier.id in tables.identifiers:
            raise ConflictError(id=TAKEN)
        self._check_primary(tables, identifier)
        if identifier.entity_id not in tables.entities:
            raise NotFoundError("entity")
        tables.identifiers[identifier.id] = clone(identifier)

    async def get(
        self, owner_id: uuid.UUID, identifier_id: uuid.UUID, *, for_update: bool = False
    ) -> Identifier | None:
        tables = self._tables()
        identifier = tables.identifiers.get(identifier_id)
        if identifier is None or owned_entity(tables, owner_id, identifier.entity_id) is None:
            return None
        return clone(identifier)

    async def list_for_entity(self, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Identifier]:
        tables = self._tables()
        if owned_entity(tables, owner_id, entity_id) is None:
            return []
        rows = [i for i in tables.identifiers.values() if i.entity_id == entity_id]
        return [clone(row) for row in sorted(rows, key=by_insertion)]

    async def update(self, identifier: Identifier) -> None:
        tables = self._tables()
        stored = tables.identifiers.get(identifier.id)
        # addressed by id and entity, like the PostgreSQL UPDATE: an identifier never changes entity
        if stored is None or stored.entity_id != identifier.entity_id:
            raise NotFoundError("identifier")
        self._check_value(identifier)
        self._check_primary(tables, identifier)
        if identifier.entity_id not in tables.entities:
            raise NotFoundError("entity")
        tables.identifiers[identifier.id] = clone(identifier)

    async def delete(self, owner_id: uuid.UUID, identifier_id: uuid.UUID) -> bool:
        tables = self._tables()
        identifier = tables.identifiers.get(identifier_id)
        if identifier is None or owned_entity(tables, owner_id, identifier.entity_id) is None:
            return False
        del tables.identifiers[identifier_id]
        return True

    async def primary_exists(self, entity_id: uuid.UUID, type_: str, *, except_id: uuid.UUID | None = None) -> bool:
        return _primary_exists(self._tables(), entity_id, type_, except_id)

    async def find_by_hash(self, owner_id: uuid.UUID, type_: str, value_hash: str) -> Sequence[Identifier]:
        tables = self._tables()
        rows = [
            i
            for i in tables.identifiers.values()
            if i.type == type_
            and i.value_hash == value_hash
            and owned_entity(tables, owner_id, i.entity_id) is not None
        ]
        return [clone(row) for row in sorted(rows, key=by_insertion)]

    @staticmethod
    def _check_value(identifier: Identifier) -> None:
        if (identifier.value is None) == (identifier.value_encrypted is None):
            raise ValidationError(value=INVALID)

    @staticmethod
    def _check_primary(tables: Tables, identifier: Identifier) -> None:
        # The partial unique index (entity_id, type) WHERE is_primary (errata B4).
        if identifier.is_primary and _primary_exists(tables, identifier.entity_id, identifier.type, identifier.id):
            raise ValidationError(is_primary=SECOND_PRIMARY)


def _primary_exists(tables: Tables, entity_id: uuid.UUID, type_: str, except_id: uuid.UUID | None) -> bool:
    return any(
        i.entity_id == entity_id and i.type == type_ and i.is_primary and i.id != except_id
        for i in tables.identifiers.values()
    )
