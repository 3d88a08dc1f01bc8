"""In-memory repositories of entities, relationships and identifiers."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence

from conezia.core.entities import Entity, Relationship
from conezia.core.identifiers import Identifier
from conezia.core.organizing import EntityFilter
from conezia.core.pagination import Page, PageRequest

from .kit import OwnedRepository, clone, owned_by_entity
from .store import Tables

__all__ = ["MemoryEntityRepository", "MemoryIdentifierRepository", "MemoryRelationshipRepository"]


class MemoryEntityRepository(OwnedRepository[Entity], table="entities", scope="owner_id"):
    """Entities, scoped by owner."""

    async def list(self, owner_id: uuid.UUID, criteria: EntityFilter, page: PageRequest) -> Page[Entity]:
        return self._rows.page(owner_id, page, where=_matching(self._tables(), owner_id, criteria))


def _matching(tables: Tables, owner_id: uuid.UUID, criteria: EntityFilter) -> Callable[[Entity], bool]:
    """Whether an entity meets every given criterion of ``criteria`` (errata D3)."""
    wanted_tags = set(criteria.tag_names)
    tag_names: dict[uuid.UUID, set[str]] = {}
    if wanted_tags:
        tags = tables.rows("tags")
        for link in tables.rows("entity_tags").values():
            if link.user_id == owner_id:
                tag_names.setdefault(link.entity_id, set()).add(tags[link.tag_id].name)
    relationships = {r.entity_id: r for r in tables.rows("relationships").values() if r.user_id == owner_id}
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

    return matches


class MemoryRelationshipRepository(OwnedRepository[Relationship], table="relationships"):
    """Relationships: one per (user, entity), and only to the user's own entities."""

    async def get_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Relationship | None:
        found = self._rows.listed(user_id, where=lambda rel: rel.entity_id == entity_id)
        return found[0] if found else None

    async def list(self, user_id: uuid.UUID, page: PageRequest, status: str | None = None) -> Page[Relationship]:
        return self._rows.page(user_id, page, where=lambda rel: status is None or rel.status == status)

    async def needing_attention(
        self, user_id: uuid.UUID, now: dt.datetime, limit: int
    ) -> Sequence[tuple[Entity, Relationship]]:
        entities = self._tables().rows("entities")
        due: list[tuple[dt.datetime, uuid.UUID, Entity, Relationship]] = []
        for rel in self._rows.find(user_id, lambda rel: rel.status == "active"):
            entity = entities[rel.entity_id]
            at = rel.due_at(entity.last_interaction_at)
            if entity.archived_at is None and at <= now:
                due.append((at, entity.id, entity, rel))
        due.sort(key=lambda row: (row[0], row[1]))
        return [(clone(entity), clone(rel)) for _, _, entity, rel in due[:limit]]


class MemoryIdentifierRepository(
    OwnedRepository[Identifier], table="identifiers", scope="entity_id", owned=owned_by_entity
):
    """Identifiers, the owner's through their entity; addressed by id and entity, as in PostgreSQL."""

    async def list_for_entity(self, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Identifier]:
        return self._rows.listed(owner_id, where=lambda row: row.entity_id == entity_id)

    async def find_by_hash(self, owner_id: uuid.UUID, type_: str, value_hash: str) -> Sequence[Identifier]:
        return self._rows.listed(owner_id, where=lambda row: row.type == type_ and row.value_hash == value_hash)
