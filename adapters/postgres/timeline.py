"""Repositories of the timeline: interactions, conversations and communications (messages)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Final

import msgspec
from psycopg.types.json import Jsonb
from sqlalchemy import Select, bindparam, func, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from conezia.core.pagination import Page, PageRequest, page_of
from conezia.core.timeline import Communication, Conversation, Interaction

from ._owned import Owned, OwnedRepository, page_statement
from ._prepared import Prepared
from .tables import TIMESTAMPTZ, UUID_TYPE
from .tables_timeline import communications, conversations, interactions

__all__ = [
    "COMMUNICATIONS",
    "CONVERSATIONS",
    "INTERACTIONS",
    "PostgresCommunicationRepository",
    "PostgresConversationRepository",
    "PostgresInteractionRepository",
    "conversation_list_statement",
    "interaction_list_statement",
    "message_list_statement",
]


def _keyset(
    base: Select[Any], conditions: Sequence[ColumnElement[bool]], after: ColumnElement[bool],
    page: PageRequest, params: dict[str, Any],
) -> tuple[Prepared, dict[str, Any]]:
    conditions = list(conditions)
    if page.after is not None:
        params["after_at"], params["after_id"] = page.after
        conditions.append(after)
    params["limit"] = page.limit + 1
    return page_statement(base, conditions), params


def _cursor() -> ColumnElement[Any]:
    """The (at, id) of the previous page's last row."""
    return tuple_(bindparam("after_at", type_=TIMESTAMPTZ), bindparam("after_id", type_=UUID_TYPE))


# -- interactions --------------------------------------------------------------------

INTERACTIONS: Final = Owned(Interaction, interactions, "user_id", resource="interaction")
_i = interactions.c
# newest first: the (user_id | entity_id, occurred_at, id) indexes read backwards
_INTERACTIONS_NEWEST: Final = (
    select(*INTERACTIONS.columns).where(_i.user_id == bindparam("owner")).order_by(_i.occurred_at.desc(), _i.id.desc())
)
_INTERACTIONS_OF_ENTITY: Final = _i.entity_id == bindparam("entity_id", type_=UUID_TYPE)
_INTERACTIONS_BEFORE: Final = tuple_(_i.occurred_at, _i.id) < _cursor()
_LATEST_INTERACTION: Final = Prepared(
    select(func.max(_i.occurred_at)).where(_i.user_id == bindparam("owner"), _INTERACTIONS_OF_ENTITY)
)


def interaction_list_statement(
    user_id: uuid.UUID, entity_id: uuid.UUID | None, page: PageRequest
) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of the user's interactions (with one entity), newest first."""
    params: dict[str, Any] = {"owner": user_id}
    conditions = []
    if entity_id is not None:
        conditions.append(_INTERACTIONS_OF_ENTITY)
        params["entity_id"] = entity_id
    return _keyset(_INTERACTIONS_NEWEST, conditions, _INTERACTIONS_BEFORE, page, params)


def _occurred_at_and_id(row: Interaction) -> tuple[dt.datetime, uuid.UUID]:
    return row.occurred_at, row.id


class PostgresInteractionRepository(OwnedRepository[Interaction]):
    """Interactions, each with one of its user's entities (composite foreign key)."""

    __slots__ = ()
    owned = INTERACTIONS

    async def list(self, user_id: uuid.UUID, entity_id: uuid.UUID | None, page: PageRequest) -> Page[Interaction]:
        rows = await self._all(*interaction_list_statement(user_id, entity_id, page))
        return page_of(rows, page.limit, _occurred_at_and_id)

    async def latest_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> dt.datetime | None:
        latest: dt.datetime | None = await self._scalar(_LATEST_INTERACTION, {"owner": user_id, "entity_id": entity_id})
        return latest


# -- conversations -------------------------------------------------------------------

CONVERSATIONS: Final = Owned(Conversation, conversations, "user_id", resource="conversation")
_v = conversations.c
_CONVERSATIONS_OF_ENTITY: Final = _v.entity_id == bindparam("entity_id", type_=UUID_TYPE)
# "is_archived" alone matches the partial index of archived conversations
_CONVERSATIONS_ARCHIVED: Final = {True: _v.is_archived, False: _v.is_archived.is_(False)}


def conversation_list_statement(
    user_id: uuid.UUID, entity_id: uuid.UUID | None, archived: bool | None, page: PageRequest
) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of the user's conversations, oldest first."""
    params: dict[str, Any] = {}
    conditions = []
    if entity_id is not None:
        conditions.append(_CONVERSATIONS_OF_ENTITY)
        params["entity_id"] = entity_id
    if archived is not None:
        conditions.append(_CONVERSATIONS_ARCHIVED[archived])
    return CONVERSATIONS.page(user_id, page, conditions, params)


class PostgresConversationRepository(OwnedRepository[Conversation]):
    """Conversations; deleting one keeps its messages (ON DELETE SET NULL (conversation_id))."""

    __slots__ = ()
    owned = CONVERSATIONS

    async def list(
        self, user_id: uuid.UUID, entity_id: uuid.UUID | None, archived: bool | None, page: PageRequest
    ) -> Page[Conversation]:
        return await self._page(*conversation_list_statement(user_id, entity_id, archived, page), page)


# -- communications ------------------------------------------------------------------

COMMUNICATIONS: Final = Owned(Communication, communications, "user_id", resource="communication")
_m = communications.c
_MESSAGES: Final = (
    select(*COMMUNICATIONS.columns)
    .where(_m.user_id == bindparam("owner"), _m.conversation_id == bindparam("conversation_id", type_=UUID_TYPE))
    .order_by(_m.sent_at, _m.id)
)
_MESSAGES_AFTER: Final = tuple_(_m.sent_at, _m.id) > _cursor()
_LATEST_WITH_ENTITY: Final = Prepared(
    select(func.max(_m.sent_at)).where(_m.user_id == bindparam("owner"), _m.entity_id == bindparam("entity_id"))
)
_LATEST_IN_CONVERSATION: Final = Prepared(
    select(func.max(_m.sent_at)).where(
        _m.user_id == bindparam("owner"), _m.conversation_id == bindparam("conversation_id")
    )
)
_encode: Final = msgspec.json.encode


def message_list_statement(
    user_id: uuid.UUID, conversation_id: uuid.UUID, page: PageRequest
) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of a conversation's messages, in (sent_at, id) order."""
    return _keyset(_MESSAGES, (), _MESSAGES_AFTER, page, {"owner": user_id, "conversation_id": conversation_id})


def _sent_at_and_id(row: Communication) -> tuple[dt.datetime, uuid.UUID]:
    return row.sent_at, row.id


class PostgresCommunicationRepository(OwnedRepository[Communication]):
    """Messages; their attachment descriptors are a jsonb array."""

    __slots__ = ()
    owned = COMMUNICATIONS

    async def add(self, row: Communication) -> None:
        params = COMMUNICATIONS.values(row)
        params["attachments"] = Jsonb(row.attachments, dumps=_encode)  # a list would go as a SQL array
        self._defer(COMMUNICATIONS.insert, params)

    async def update(self, row: Communication, *, if_unchanged: bool = False) -> None:
        params = COMMUNICATIONS.changes(row)
        params["attachments"] = Jsonb(row.attachments, dumps=_encode)
        self._defer_update(COMMUNICATIONS, row, params, if_unchanged=if_unchanged)

    async def list_for_conversation(
        self, user_id: uuid.UUID, conversation_id: uuid.UUID, page: PageRequest
    ) -> Page[Communication]:
        rows = await self._all(*message_list_statement(user_id, conversation_id, page))
        return page_of(rows, page.limit, _sent_at_and_id)

    async def latest_for_entity(self, user_id: uuid.UUID, entity_id: uuid.UUID) -> dt.datetime | None:
        latest: dt.datetime | None = await self._scalar(_LATEST_WITH_ENTITY, {"owner": user_id, "entity_id": entity_id})
        return latest

    async def latest_for_conversation(self, user_id: uuid.UUID, conversation_id: uuid.UUID) -> dt.datetime | None:
        latest: dt.datetime | None = await self._scalar(
            _LATEST_IN_CONVERSATION, {"owner": user_id, "conversation_id": conversation_id}
        )
        return latest
