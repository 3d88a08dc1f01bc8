"""Ports: what the core needs from the outside world, as ``typing.Protocol``s.

Repositories are scoped by owner: every read or write of a user's rows takes the
owner's id, and a row of another user is reported as absent (``None`` / ``False``).
Writes that break a unique key raise :class:`~conezia.core.errors.ConflictError`
naming the field; nothing is written until the unit of work commits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from typing import Protocol

from .accounts import AuthProvider, User, UserToken
from .activity import ActivityFilter, ActivityLog
from .entities import Entity, Relationship
from .events import Event
from .identifiers import Identifier
from .notifications import Recipient
from .organizing import EntityFilter, Group, Tag
from .pagination import Page, PageRequest
from .ports_attachments import AttachmentRepository, BlobInfo, BlobStore, StoredBlob, TypeDetector
from .ports_inbox import DeliveryRepository, NotificationRepository
from .ports_owned import OwnedRepositoryPort
from .ports_services import BlindIndex, Cipher, Clock, IdGenerator, PasswordHasher, Recurrence, SecretGenerator
from .ports_timeline import CommunicationRepository, ConversationRepository, InteractionRepository
from .reminders import Reminder

__all__ = [
    "ActivityRepository",
    "AttachmentRepository",
    "AuthProviderRepository",
    "BlindIndex",
    "BlobInfo",
    "BlobStore",
    "Cipher",
    "Clock",
    "CommunicationRepository",
    "ConversationRepository",
    "DeliveryRepository",
    "EntityRepository",
    "GroupRepository",
    "IdGenerator",
    "IdentifierRepository",
    "InteractionRepository",
    "NotificationRepository",
    "OwnedRepositoryPort",
    "PasswordHasher",
    "Recurrence",
    "RelationshipRepository",
    "ReminderRepository",
    "SecretGenerator",
    "StoredBlob",
    "TagRepository",
    "TokenRepository",
    "TypeDetector",
    "UnitOfWork",
    "UserRepository",
]


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert. Raises ConflictError on ``email`` if the address is taken (case-insensitively)."""
        ...

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        """With ``for_update`` the row stays locked until the unit of work ends (read-modify-write)."""
        ...

    async def get_by_email(self, email: str) -> User | None:
        """Look up by email, case-insensitively."""
        ...

    async def update(self, user: User) -> None:
        """Write every field back. Raises ConflictError on ``email``."""
        ...

    async def delete(self, user_id: uuid.UUID) -> bool:
        """Delete the user and, by cascade, everything they own."""
        ...


class TokenRepository(Protocol):
    async def add(self, token: UserToken) -> None: ...

    async def get_by_hash(self, context: str, token_hash: bytes) -> UserToken | None: ...

    async def get_with_user(self, context: str, token_hash: bytes) -> tuple[UserToken, User] | None:
        """The token and its user in one read (the per-request session check)."""
        ...

    async def delete(self, token_id: uuid.UUID) -> bool: ...

    async def delete_for_user(self, user_id: uuid.UUID, contexts: Collection[str] | None = None) -> int:
        """Delete the user's tokens (of the given contexts, or all); returns how many."""
        ...


class AuthProviderRepository(OwnedRepositoryPort[AuthProvider], Protocol):
    async def add(self, provider: AuthProvider, /) -> None:
        """Raises ConflictError on ``provider_uid`` when that account is linked already."""
        ...

    async def get_by_uid(self, provider: str, provider_uid: str) -> AuthProvider | None: ...

    async def list_for_user(self, user_id: uuid.UUID) -> Sequence[AuthProvider]: ...


class EntityRepository(OwnedRepositoryPort[Entity], Protocol):
    async def delete(self, owner_id: uuid.UUID, entity_id: uuid.UUID, /) -> bool:
        """Delete with its relationships, identifiers, tag and group memberships."""
        ...

    async def list(self, owner_id: uuid.UUID, criteria: EntityFilter, page: PageRequest) -> Page[Entity]:
        """The owner's entities meeting ``criteria``, in (inserted_at, id) order."""
        ...


class RelationshipRepository(OwnedRepositoryPort[Relationship], Protocol):
    async def add(self, relationship: Relationship, /) -> None:
        """Raises ConflictError on ``entity_id`` if the user has a relationship to it already."""
        ...

    async def get_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Relationship | None: ...

    async def list(self, user_id: uuid.UUID, page: PageRequest, status: str | None = None) -> Page[Relationship]: ...

    async def needing_attention(
        self, user_id: uuid.UUID, now: dt.datetime, limit: int
    ) -> Sequence[tuple[Entity, Relationship]]:
        """Active relationships to live entities whose due time has passed, most overdue first.

        A relationship is due ``health_threshold_days`` after the entity's last
        interaction, or after the relationship was recorded if there was none.
        Ties are broken by entity id.
        """
        ...


class IdentifierRepository(OwnedRepositoryPort[Identifier], Protocol):
    async def add(self, identifier: Identifier, /) -> None:
        """Raises ValidationError on ``is_primary`` for a second primary of one type."""
        ...

    async def list_for_entity(self, owner_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Identifier]:
        """In (inserted_at, id) order."""
        ...

    async def find_by_hash(self, owner_id: uuid.UUID, type_: str, value_hash: str) -> Sequence[Identifier]:
        """The owner's identifiers of this type with this blind index, in (inserted_at, id) order."""
        ...


class TagRepository(OwnedRepositoryPort[Tag], Protocol):
    async def add(self, tag: Tag, /) -> None:
        """Raises ConflictError on ``name`` if the user has a tag of that name."""
        ...

    async def list(self, user_id: uuid.UUID) -> Sequence[Tag]:
        """All of the user's tags, by name."""
        ...

    async def attach(self, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID, at: dt.datetime) -> bool:
        """Tag an entity; False if it carried the tag already. Both must be the user's."""
        ...

    async def detach(self, user_id: uuid.UUID, entity_id: uuid.UUID, tag_id: uuid.UUID) -> bool: ...

    async def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Tag]:
        """The entity's tags, by name."""
        ...


class GroupRepository(OwnedRepositoryPort[Group], Protocol):
    async def add(self, group: Group, /) -> None:
        """Raises ConflictError on ``name`` if the user has a group of that name."""
        ...

    async def list(self, user_id: uuid.UUID) -> Sequence[Group]:
        """All of the user's groups, by name."""
        ...

    async def add_member(self, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID, at: dt.datetime) -> bool:
        """False if the entity was a member already. Both must be the user's."""
        ...

    async def remove_member(self, user_id: uuid.UUID, group_id: uuid.UUID, entity_id: uuid.UUID) -> bool: ...

    async def clear_members(self, user_id: uuid.UUID, group_id: uuid.UUID) -> int: ...

    async def members(self, user_id: uuid.UUID, group_id: uuid.UUID, page: PageRequest) -> Page[Entity]:
        """A manual group's member entities (archived included), in (inserted_at, id) order."""
        ...

    async def for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> Sequence[Group]:
        """The manual groups the entity belongs to, by name."""
        ...


class ActivityRepository(Protocol):
    async def add(self, entry: ActivityLog) -> None:
        """Insert one log row (in the unit of work's transaction, like the change it records)."""
        ...

    async def list(self, user_id: uuid.UUID, criteria: ActivityFilter, page: PageRequest) -> Page[ActivityLog]:
        """The user's rows meeting ``criteria``, newest first: (inserted_at, id) descending.

        ``page.after`` is the (inserted_at, id) of the last row of the previous page; this
        page holds the rows strictly older than it.
        """
        ...

    async def delete_older_than(self, cutoff: dt.datetime, limit: int) -> int:
        """Delete at most ``limit`` rows of any user inserted before ``cutoff``; returns how many."""
        ...


class ReminderRepository(OwnedRepositoryPort[Reminder], Protocol):
    async def add(self, reminder: Reminder, /) -> None:
        """Raises NotFoundError("entity") for an entity that is not the user's."""
        ...

    async def list(self, user_id: uuid.UUID, page: PageRequest, completed: bool | None = None) -> Page[Reminder]:
        """The user's reminders (pending only, completed only, or both), in (due_at, id) order.

        ``page.after`` is the (due_at, id) of the last row of the previous page.
        """
        ...

    async def due(self, now: dt.datetime, page: PageRequest) -> Page[tuple[Reminder, Recipient]]:
        """Every user's reminders due at ``now`` (see :meth:`Reminder.due`), with their users'
        settings, in (due_at, id) order; ``page.after`` is the (due_at, id) of the last one read."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository. Rolls back unless :meth:`commit` was called.

    Use as an async context manager::

        async with deps.uow() as uow:
            await uow.entities.add(entity)
            await uow.commit()

    A write that returns nothing (``add``, ``update``) may be sent with the unit
    of work's next statement or with its commit, as a database adapter sees fit:
    a broken rule (a taken name, a missing row) is raised by the call that sends
    it, at the latest by :meth:`commit`, and then nothing of the unit of work is
    committed. Reads always see the unit of work's own writes.

    ``update(row, if_unchanged=True)`` of an owned row (an optimistic write) writes
    it back only if nobody changed or deleted it since this unit of work read it
    with ``get``; otherwise it raises :class:`~conezia.core.errors.RowChangedError`
    (again at the latest by :meth:`commit`) and nothing is committed. It needs no
    row lock, so the read and the write need no transaction held open between them.
    """

    users: UserRepository
    tokens: TokenRepository
    auth_providers: AuthProviderRepository
    entities: EntityRepository
    relationships: RelationshipRepository
    identifiers: IdentifierRepository
    tags: TagRepository
    groups: GroupRepository
    activity: ActivityRepository
    interactions: InteractionRepository
    conversations: ConversationRepository
    communications: CommunicationRepository
    reminders: ReminderRepository
    notifications: NotificationRepository
    deliveries: DeliveryRepository
    attachments: AttachmentRepository

    def record(self, *events: Event) -> None:
        """Note what this unit of work did; the events are published if and when it commits."""
        ...

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None:
        """Run the transaction handlers of the recorded events, make everything durable, then
        run the after-commit handlers; the unit of work stays usable."""
        ...

    async def rollback(self) -> None:
        """Discard everything written since the last commit."""
        ...
