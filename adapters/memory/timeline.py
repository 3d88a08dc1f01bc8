"""In-memory repositories of the timeline: interactions, conversations and communications."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from conezia.core.pagination import Page, PageRequest, page_of
from conezia.core.timeline import Communication, Conversation, Interaction

from .kit import OwnedRepository, clone

__all__ = ["MemoryCommunicationRepository", "MemoryConversationRepository", "MemoryInteractionRepository"]


def _occurred(row: Interaction) -> tuple[dt.datetime, uuid.UUID]:
    return row.occurred_at, row.id


def _sent(row: Communication) -> tuple[dt.datetime, uuid.UUID]:
    return row.sent_at, row.id


def _page(rows: list[Any], page: PageRequest, key: Callable[[Any], Any], *, newest_first: bool) -> Page[Any]:
    ordered = sorted(rows, key=key, reverse=newest_first)
    if page.after is not None:
        after = page.after
        ordered = [row for row in ordered if (key(row) < after if newest_first else key(row) > after)]
    return page_of([clone(row) for row in ordered[: page.limit + 1]], page.limit, key)


class MemoryInteractionRepository(OwnedRepository[Interaction], table="interactions"):

    async def list(self, user_id: uuid.UUID, entity_id: uuid.UUID | None, page: PageRequest) -> Page[Interaction]:
        rows = self._rows.find(user_id, lambda row: entity_id is None or row.entity_id == entity_id)
        return _page(rows, page, _occurred, newest_first=True)

    async def latest_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> dt.datetime | None:
        return max((row.occurred_at for row in self._rows.find(user_id, lambda r: r.entity_id == entity_id)), default=None)


class MemoryConversationRepository(OwnedRepository[Conversation], table="conversations"):

    async def list(
        self, user_id: uuid.UUID, entity_id: uuid.UUID | None, archived: bool | None, page: PageRequest
    ) -> Page[Conversation]:
        def wanted(row: Conversation) -> bool:
            return (entity_id is None or row.entity_id == entity_id) and (
                archived is None or row.is_archived == archived
            )

        return self._rows.page(user_id, page, where=wanted)


class MemoryCommunicationRepository(OwnedRepository[Communication], table="communications"):

    async def list_for_conversation(
        self, user_id: uuid.UUID, conversation_id: uuid.UUID, page: PageRequest
    ) -> Page[Communication]:
        rows = self._rows.find(user_id, lambda row: row.conversation_id == conversation_id)
        return _page(rows, page, _sent, newest_first=False)

    async def latest_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> dt.datetime | None:
        return max((row.sent_at for row in self._rows.find(user_id, lambda r: r.entity_id == entity_id)), default=None)

    async def latest_for_conversation(self, user_id: uuid.UUID, conversation_id: uuid.UUID) -> dt.datetime | None:
        found = self._rows.find(user_id, lambda r: r.conversation_id == conversation_id)
        return max((row.sent_at for row in found), default=None)
