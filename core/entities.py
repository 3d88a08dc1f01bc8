"""Entities (the people, organizations and things in a user's life) and relationships to them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar, Final

import attrs

from .rows import ShapedRow
from .shapes import CHOICE, DATE, DATETIME, INTEGER, OBJECT, TEXT, URL, Field, Shape

__all__ = [
    "ENTITY",
    "ENTITY_TYPES",
    "ONE_RELATIONSHIP",
    "RELATIONSHIP",
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

# The rule "one relationship per user and entity", as every path reports it (on ``entity_id``);
# the unique index relationships_user_id_entity_id_index enforces it.
ONE_RELATIONSHIP: Final = "already has a relationship; update it instead"

ENTITY: Final = Shape("entities", (
    Field("type", CHOICE, choices=ENTITY_TYPES, required=True, nullable=False, max_length=32),
    Field("name", TEXT, required=True, nullable=False, min_length=1, max_length=255),
    Field("description", TEXT, max_length=10_000, blank_to_none=True, strip=False),
    Field("avatar_url", URL),
    Field("metadata", OBJECT, nullable=False),
    Field("last_interaction_at", DATETIME),
    Field("archived_at", DATETIME, writable=False),
))


@attrs.define
class Entity(ShapedRow):
    """Someone or something the owner keeps track of."""

    SHAPE: ClassVar = ENTITY

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
        return cls._new(params, now, id=id, owner_id=owner_id)

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


RELATIONSHIP: Final = Shape("relationships", (
    Field("type", CHOICE, choices=RELATIONSHIP_TYPES, max_length=32),
    Field("strength", CHOICE, choices=RELATIONSHIP_STRENGTHS, nullable=False, max_length=16),
    Field("status", CHOICE, choices=RELATIONSHIP_STATUSES, nullable=False, max_length=16),
    Field("started_at", DATE),
    Field("health_threshold_days", INTEGER, nullable=False, minimum=1, maximum=365),
    Field("notes", TEXT, max_length=5000, blank_to_none=True, strip=False),
))


@attrs.define
class Relationship(ShapedRow):
    """The owner's relationship to one entity (at most one per user and entity)."""

    SHAPE: ClassVar = RELATIONSHIP

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
        return cls._new(params, now, id=id, user_id=user_id, entity_id=entity_id)

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
