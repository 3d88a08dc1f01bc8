"""Ports of the timeline's tables: interactions, conversations and communications (owner-scoped, async)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

from .pagination import Page, PageRequest
from .ports_owned import OwnedRepositoryPort
from .timeline import Communication, Conversation, Interaction

__all__ = ["CommunicationRepository", "ConversationRepository", "InteractionRepository"]


class InteractionRepository(OwnedRepositoryPort[Interaction], Protocol):
    async def add(self, interaction: Interaction, /) -> None:
        """Raises NotFoundError("entity") unless its entity is its user's."""
        ...

    async def list(self, user_id: uuid.UUID, entity_id: uuid.UUID | None, page: PageRequest) -> Page[Interaction]:
        """The user's interactions (with one entity, or all), newest first: (occurred_at, id) descending.

        ``page.after`` is the (occurred_at, id) of the previous page's last row.
        """
        ...

    async def latest_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> dt.datetime | None:
        """When the entity's latest interaction occurred (None without any)."""
        ...


class ConversationRepository(OwnedRepositoryPort[Conversation], Protocol):
    async def add(self, conversation: Conversation, /) -> None:
        """Raises NotFoundError("entity") unless its entity is its user's."""
        ...

    async def delete(self, user_id: uuid.UUID, conversation_id: uuid.UUID, /) -> bool:
        """Delete it; its messages stay, without a conversation (ON DELETE SET NULL)."""
        ...

    async def list(
        self, user_id: uuid.UUID, entity_id: uuid.UUID | None, archived: bool | None, page: PageRequest
    ) -> Page[Conversation]:
        """The user's conversations (with one entity, or all; archived, live or both), in (inserted_at, id) order."""
        ...


class CommunicationRepository(OwnedRepositoryPort[Communication], Protocol):
    async def add(self, communication: Communication, /) -> None:
        """Raises NotFoundError unless its entity and conversation are its user's."""
        ...

    async def list_for_conversation(
        self, user_id: uuid.UUID, conversation_id: uuid.UUID, page: PageRequest
    ) -> Page[Communication]:
        """A conversation's messages in (sent_at, id) order; ``page.after`` is a (sent_at, id)."""
        ...

    async def latest_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> dt.datetime | None:
        """When the latest message with the entity was sent (None without any)."""
        ...

    async def latest_for_conversation(self, user_id: uuid.UUID, conversation_id: uuid.UUID) -> dt.datetime | None:
        """When the conversation's latest message was sent (None without any)."""
        ...
