"""The in-memory database: its tables, their cascades, and the committed state."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any, Final

import attrs

from conezia.core.accounts import AuthProvider, User, UserToken
from conezia.core.entities import Entity, Relationship
from conezia.core.identifiers import Identifier
from conezia.core.organizing import Group, Tag

__all__ = ["Link", "MemoryStore", "Tables"]

_ABSENT: Final = object()


@attrs.frozen
class Link:
    """A row of a join table (entity_tags, entity_groups): whose it is, and since when."""

    user_id: uuid.UUID
    at: dt.datetime


@attrs.define
class Tables:
    """One version of every table, rows keyed by primary key.

    Stored rows are never mutated in place: a write always stores a new object.
    That makes :meth:`copy` a cheap shallow copy, and lets :meth:`MemoryStore.publish`
    find a unit of work's changes by object identity.

    Attributes:
        entity_tags: (entity_id, tag_id) -> link.
        entity_groups: (entity_id, group_id) -> link.
    """

    users: dict[uuid.UUID, User] = attrs.Factory(dict)
    tokens: dict[uuid.UUID, UserToken] = attrs.Factory(dict)
    auth_providers: dict[uuid.UUID, AuthProvider] = attrs.Factory(dict)
    entities: dict[uuid.UUID, Entity] = attrs.Factory(dict)
    relationships: dict[uuid.UUID, Relationship] = attrs.Factory(dict)
    identifiers: dict[uuid.UUID, Identifier] = attrs.Factory(dict)
    tags: dict[uuid.UUID, Tag] = attrs.Factory(dict)
    groups: dict[uuid.UUID, Group] = attrs.Factory(dict)
    entity_tags: dict[tuple[uuid.UUID, uuid.UUID], Link] = attrs.Factory(dict)
    entity_groups: dict[tuple[uuid.UUID, uuid.UUID], Link] = attrs.Factory(dict)

    def copy(self) -> Tables:
        return Tables(**{name: dict(rows) for name, rows in self._named()})

    def _named(self) -> list[tuple[str, dict[Any, Any]]]:
        return [(field.name, getattr(self, field.name)) for field in attrs.fields(Tables)]

    def delete_user(self, user_id: uuid.UUID) -> None:
        """ON DELETE CASCADE from users."""
        for entity_id in [e.id for e in self.entities.values() if e.owner_id == user_id]:
            self.delete_entity(entity_id)
        for tag_id in [t.id for t in self.tags.values() if t.user_id == user_id]:
            self.delete_tag(tag_id)
        for group_id in [g.id for g in self.groups.values() if g.user_id == user_id]:
            self.delete_group(group_id)
        for table in (self.tokens, self.auth_providers, self.relationships):
            for row_id in [row_id for row_id, row in table.items() if row.user_id == user_id]:
                del table[row_id]
        del self.users[user_id]

    def delete_entity(self, entity_id: uuid.UUID) -> None:
        """ON DELETE CASCADE from entities."""
        for rel_id in [r.id for r in self.relationships.values() if r.entity_id == entity_id]:
            del self.relationships[rel_id]
        for ident_id in [i.id for i in self.identifiers.values() if i.entity_id == entity_id]:
            del self.identifiers[ident_id]
        for links in (self.entity_tags, self.entity_groups):
            for key in [key for key in links if key[0] == entity_id]:
                del links[key]
        del self.entities[entity_id]

    def delete_tag(self, tag_id: uuid.UUID) -> None:
        for key in [key for key in self.entity_tags if key[1] == tag_id]:
            del self.entity_tags[key]
        del self.tags[tag_id]

    def delete_group(self, group_id: uuid.UUID) -> None:
        for key in [key for key in self.entity_groups if key[1] == group_id]:
            del self.entity_groups[key]
        del self.groups[group_id]


class MemoryStore:
    """The committed state of an in-memory database, shared by its units of work.

    Isolation is snapshot-like: a unit of work sees the state as of when it began
    plus its own writes. At commit its changed rows are merged into the current
    state row by row, so concurrent units of work writing different rows keep
    both writes. Unique keys and foreign keys are checked against the unit of
    work's own snapshot only; the store is meant for tests and demos, not for
    concurrent writers racing on the same key.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._tables = Tables()

    def snapshot(self) -> Tables:
        """A private copy of the committed state."""
        with self._lock:
            return self._tables.copy()

    def publish(self, base: Tables, changed: Tables) -> None:
        """Atomically apply the difference between ``base`` and ``changed`` to the committed state."""
        with self._lock:
            for (name, before), (_, after) in zip(base._named(), changed._named(), strict=True):
                current = getattr(self._tables, name)
                for key, row in after.items():
                    if before.get(key, _ABSENT) is not row:
                        current[key] = row
                for key in before.keys() - after.keys():
                    current.pop(key, None)
