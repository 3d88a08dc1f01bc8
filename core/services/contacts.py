"""Entity and relationship use-cases, and relationship health."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Final

import attrs

from ..attachments import Parents
from ..deps import Deps
from ..entities import ENTITY_TYPES, RELATIONSHIP_STATUSES, RELATIONSHIP_TYPES, Entity, Relationship
from ..errors import NotFoundError
from ..events import Deleted
from ..organizing import EntityFilter
from ..pagination import MAX_PAGE_SIZE, Page, PageRequest
from ..validation import Changes
from .attachments import forget_with_parent, remove_files
from .owned import ENTITIES, RELATIONSHIPS, Subject

__all__ = [
    "ARCHIVED_CHOICES",
    "MAX_FILTER_LENGTH",
    "MAX_NAME_QUERY_LENGTH",
    "AttentionItem",
    "archive_entity",
    "create_entity",
    "delete_entity",
    "delete_relationship",
    "end_relationship",
    "get_entity",
    "get_entity_relationship",
    "get_relationship",
    "list_entities",
    "list_relationships",
    "needing_attention",
    "parse_entity_filter",
    "set_relationship",
    "unarchive_entity",
    "update_entity",
    "update_relationship",
]


async def create_entity(deps: Deps, owner_id: uuid.UUID, params: object) -> Entity:
    """Create an entity (``type`` and ``name`` required).

    Raises:
        ValidationError: every failing field.
    """
    return await ENTITIES.add(deps, owner_id, Entity.create(params, id=deps.ids.new_id(), owner_id=owner_id, now=deps.clock.now()))


async def get_entity(deps: Deps, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Entity:
    """Raises NotFoundError unless the entity exists and is the owner's."""
    return await ENTITIES.get(deps, owner_id, entity_id)


MAX_FILTER_LENGTH: Final = 1000
"""The longest value of a comma-separated list filter."""
MAX_NAME_QUERY_LENGTH: Final = 255
"""The longest name fragment ``q`` searches for."""
ARCHIVED_CHOICES: Final = ("false", "true", "all")
"""``archived``: live entities only (the default), archived only, or both."""


def parse_entity_filter(params: object) -> EntityFilter:
    """Read list filters from untrusted query values.

    Accepts ``type`` (comma-separated), ``tag`` (comma-separated names, all required),
    ``relationship_type``, ``relationship_status``, ``archived`` (``true``, ``false``
    or ``all``), ``q`` (name contains).
    """
    changes = Changes(params, ("type", "tag", "relationship_type", "relationship_status", "archived", "q"))

    def listed(field: str, allowed: Sequence[str] | None) -> tuple[str, ...]:
        raw = changes.string(field, max_length=MAX_FILTER_LENGTH)
        if not isinstance(raw, str) or not raw:
            return ()
        items = tuple(sorted({p.strip() for p in raw.split(",") if p.strip()}))
        if allowed is not None and any(i not in allowed for i in items):
            changes.add_error(field, f"is invalid; allowed values: {', '.join(allowed)}")
            return ()
        return items

    types = listed("type", ENTITY_TYPES)
    tags = listed("tag", None)
    rel_types = listed("relationship_type", RELATIONSHIP_TYPES)
    rel_statuses = listed("relationship_status", RELATIONSHIP_STATUSES)
    archived_raw = changes.choice("archived", ARCHIVED_CHOICES)
    q = changes.string("q", max_length=MAX_NAME_QUERY_LENGTH, blank_to_none=True)
    changes.raise_if_invalid()
    archived = {"true": True, "all": None}.get(archived_raw, False) if isinstance(archived_raw, str) else False
    return EntityFilter(
        types=types, tag_names=tags, relationship_types=rel_types, relationship_statuses=rel_statuses,
        archived=archived, name_contains=q if isinstance(q, str) else None,
    )


async def list_entities(
    deps: Deps, owner_id: uuid.UUID, criteria: EntityFilter | None = None, page: PageRequest | None = None
) -> Page[Entity]:
    """The owner's live entities (or as ``criteria`` says), oldest first, one page."""
    async with deps.uow() as uow:
        return await uow.entities.list(owner_id, criteria or EntityFilter(), page or PageRequest())


async def update_entity(deps: Deps, owner_id: uuid.UUID, entity_id: uuid.UUID, params: object) -> Entity:
    return await ENTITIES.change(deps, owner_id, entity_id, lambda entity, now: entity.update(params, now=now))


async def archive_entity(deps: Deps, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Entity:
    """Hide an entity from lists and health without deleting anything. Idempotent."""
    return await ENTITIES.change(deps, owner_id, entity_id, Entity.archive, operation="archive")


async def unarchive_entity(deps: Deps, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Entity:
    return await ENTITIES.change(deps, owner_id, entity_id, Entity.unarchive, operation="unarchive")


async def delete_entity(deps: Deps, owner_id: uuid.UUID, entity_id: uuid.UUID) -> None:
    """Delete for good, with its relationship, identifiers, memberships and timeline; its attachments
    go with it unless they have another parent (their files are removed after the commit)."""
    async with deps.uow() as uow:
        keys = await forget_with_parent(uow, owner_id, Parents(entity_id=entity_id))
        if not await uow.entities.delete(owner_id, entity_id):
            raise NotFoundError("entity")
        uow.record(Subject("entity", entity_id).event(Deleted, owner_id))
        await uow.commit()
    await remove_files(deps, keys)


async def set_relationship(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID, params: object) -> Relationship:
    """Record the user's relationship to one of their entities (one per entity).

    Raises:
        NotFoundError: the entity is not the user's.
        ConflictError: on ``entity_id`` when a relationship exists already (update it instead).
    """
    rel = Relationship.create(
        params, id=deps.ids.new_id(), user_id=user_id, entity_id=entity_id, now=deps.clock.now()
    )
    # the entity's foreign key answers NotFoundError("entity"), its unique index ONE_RELATIONSHIP
    return await RELATIONSHIPS.add(deps, user_id, rel)


async def get_relationship(deps: Deps, user_id: uuid.UUID, relationship_id: uuid.UUID) -> Relationship:
    return await RELATIONSHIPS.get(deps, user_id, relationship_id)


async def get_entity_relationship(deps: Deps, user_id: uuid.UUID, entity_id: uuid.UUID) -> Relationship:
    """The user's relationship to one of their entities.

    Raises:
        NotFoundError: the entity is not the user's, or there is no relationship to it.
    """
    async with deps.uow() as uow:
        await ENTITIES.load(uow, user_id, entity_id)
        rel = await uow.relationships.get_for_entity(user_id, entity_id)
    if rel is None:
        raise NotFoundError("relationship")
    return rel


async def list_relationships(
    deps: Deps, user_id: uuid.UUID, page: PageRequest | None = None, status: str | None = None
) -> Page[Relationship]:
    changes = Changes({"status": status} if status is not None else {}, ("status",))
    changes.choice("status", RELATIONSHIP_STATUSES)
    changes.raise_if_invalid()
    async with deps.uow() as uow:
        return await uow.relationships.list(user_id, page or PageRequest(), status)


async def update_relationship(deps: Deps, user_id: uuid.UUID, relationship_id: uuid.UUID, params: object) -> Relationship:
    return await RELATIONSHIPS.change(deps, user_id, relationship_id, lambda rel, now: rel.update(params, now=now))


async def end_relationship(deps: Deps, user_id: uuid.UUID, relationship_id: uuid.UUID) -> Relationship:
    """Mark a relationship inactive; it stays on record but no longer needs attention."""
    return await RELATIONSHIPS.change(deps, user_id, relationship_id, Relationship.end, operation="end")


async def delete_relationship(deps: Deps, user_id: uuid.UUID, relationship_id: uuid.UUID) -> None:
    await RELATIONSHIPS.delete(deps, user_id, relationship_id)


@attrs.frozen
class AttentionItem:
    """An entity the user has not been in touch with for longer than the relationship's threshold."""

    entity: Entity
    relationship: Relationship
    due_at: dt.datetime
    days_overdue: int


async def needing_attention(deps: Deps, user_id: uuid.UUID, limit: int = 50) -> list[AttentionItem]:
    """Relationship health: who needs attention, most overdue first."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        rows = await uow.relationships.needing_attention(user_id, now, max(1, min(limit, MAX_PAGE_SIZE)))
    items = []
    for entity, rel in rows:
        due = rel.due_at(entity.last_interaction_at)
        items.append(AttentionItem(entity=entity, relationship=rel, due_at=due, days_overdue=(now - due).days))
    return items
