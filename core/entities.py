"""Entities (the people, organizations and things in a user's life) and relationships to them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

import attrs

from .validation import Changes, apply_set

__all__ = [
    "ENTITY_TYPES",
    "RELATIONSHIP_STATUSES",
    "RELATIONSHIP_STRENGTHS",
    "RELATIONSHIP_TYPES",
    "Entity",
    "Relationship",
]

ENTITY_TYPES: Final = ("person", "organization", "service", "thing", "animal", "abstract")
RELATIONSHIP_TYPES: Final = (
    "friend", "family", "colleague", "client", "vendor", "acquaintance", "service_provider", "other",
)
RELATIONSHIP_STRENGTHS: Final = ("close", "regular", "acquaintance")
RELATIONSHIP_STATUSES: Final = ("active", "inactive", "archived")

ENTITY_FIELDS: Final = ("type", "name", "description", "avatar_url", "metadata", "last_interaction_at")
RELATIONSHIP_FIELDS: Final = ("type", "strength", "status", "started_at", "health_threshold_days", "notes")


def _cast_entity(changes: Changes, *, creating: bool) -> dict[str, Any]:
    return {
        "type": changes.choice("type", ENTITY_TYPES, required=creating, nullable=False),
        "name": changes.string("name", required=creating, nullable=False, min_length=1, max_length=255),
        "description": changes.string("description", max_length=10_000, blank_to_none=True, strip=False),
        "avatar_url": changes.url("avatar_url"),
        "metadata": changes.mapping("metadata"),
        "last_interaction_at": changes.datetime("last_interaction_at"),
    }


@attrs.define
class Entity:
    """Someone or something the owner keeps track of."""

    id: uuid.UUID
    owner_id: uuid.UUID
    type: str
    name: str
    inserted_at: dt.datetime
    updated_at: dt.datetime
    description: str | None = None
    avatar_url: str | None = None
    metadata: dict[str, Any] = attrs.Factory(dict)
    last_interaction_at: dt.datetime | None = None
    archived_at: dt.datetime | None = None

    @classmethod
    def create(cls, params: object, *, id: uuid.UUID, owner_id: uuid.UUID, now: dt.datetime) -> Entity:
        """Validate input for a new entity.

        Raises:
            ValidationError: naming every failing field.
        """
        changes = Changes(params, ENTITY_FIELDS)
        values = _cast_entity(changes, creating=True)
        changes.raise_if_invalid()
        entity = cls(id=id, owner_id=owner_id, type=values["type"], name=values["name"],
                     inserted_at=now, updated_at=now)
        apply_set(entity, values)
        return entity

    def update(self, params: object, *, now: dt.datetime) -> None:
        changes = Changes(params, ENTITY_FIELDS)
        values = _cast_entity(changes, creating=False)
        changes.raise_if_invalid()
        apply_set(self, values)
        self.updated_at = now

    def archive(self, now: dt.datetime) -> None:
        if self.archived_at is None:
            self.archived_at = now
            self.updated_at = now

    def unarchive(self, now: dt.datetime) -> None:
        if self.archived_at is not None:
            self.archived_at = None
            self.updated_at = now

    def touch_interaction(self, at: dt.datetime, now: dt.datetime) -> None:
        """Record an interaction; an older one never moves the date back."""
        if self.last_interaction_at is None or at > self.last_interaction_at:
            self.last_interaction_at = at
            self.updated_at = now


def _cast_relationship(changes: Changes) -> dict[str, Any]:
    return {
        "type": changes.choice("type", RELATIONSHIP_TYPES),
        "strength": changes.choice("strength", RELATIONSHIP_STRENGTHS, nullable=False),
        "status": changes.choice("status", RELATIONSHIP_STATUSES, nullable=False),
        "started_at": changes.date("started_at"),
        "health_threshold_days": changes.integer(
            "health_threshold_days", nullable=False, greater_than=0, less_than_or_equal_to=365
        ),
        "notes": changes.string("notes", max_length=5000, blank_to_none=True, strip=False),
    }


@attrs.define
class Relationship:
    """The owner's relationship to one entity (at most one per user and entity)."""

    id: uuid.UUID
    user_id: uuid.UUID
    entity_id: uuid.UUID
    inserted_at: dt.datetime
    updated_at: dt.datetime
    type: str | None = None
    strength: str = "regular"
    status: str = "active"
    started_at: dt.date | None = None
    health_threshold_days: int = 30
    notes: str | None = None

    @classmethod
    def create(
        cls, params: object, *, id: uuid.UUID, user_id: uuid.UUID, entity_id: uuid.UUID, now: dt.datetime
    ) -> Relationship:
        changes = Changes(params, RELATIONSHIP_FIELDS)
        values = _cast_relationship(changes)
        changes.raise_if_invalid()
        rel = cls(id=id, user_id=user_id, entity_id=entity_id, inserted_at=now, updated_at=now)
        apply_set(rel, values)
        return rel

    def update(self, params: object, *, now: dt.datetime) -> None:
        changes = Changes(params, RELATIONSHIP_FIELDS)
        values = _cast_relationship(changes)
        changes.raise_if_invalid()
        apply_set(self, values)
        self.updated_at = now

    def end(self, now: dt.datetime) -> None:
        """The relationship is over but kept for history: it no longer asks for attention."""
        self.status = "inactive"
        self.updated_at = now

    def due_at(self, last_interaction_at: dt.datetime | None) -> dt.datetime:
        """When this relationship needs attention: a threshold after the last contact.

        Never contacted counts from when the relationship was recorded.
        """
        since = last_interaction_at if last_interaction_at is not None else self.inserted_at
        return since + dt.timedelta(days=self.health_threshold_days)
