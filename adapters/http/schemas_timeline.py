"""The timeline's response bodies: interactions, conversations and their messages (see :mod:`.schemas`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from msgspec import Meta

from conezia.core.timeline import COMMUNICATION, CONVERSATION, INTERACTION

from .schemas import Out, Timestamp

__all__ = [
    "AttachmentOut",
    "CommunicationOut",
    "CommunicationPage",
    "ConversationOut",
    "ConversationPage",
    "InteractionOut",
    "InteractionPage",
]

if TYPE_CHECKING:
    InteractionType: TypeAlias = str
    Channel: TypeAlias = str
    Direction: TypeAlias = str
else:
    InteractionType = Literal[INTERACTION["type"].choices]
    Channel = Literal[CONVERSATION["channel"].choices]
    Direction = Literal[COMMUNICATION["direction"].choices]

NextCursor = Annotated[str, Meta(description="Pass as `cursor` for the next page.")] | None


class InteractionOut(Out):
    id: uuid.UUID
    entity_id: uuid.UUID
    type: InteractionType
    title: str | None
    content: str
    occurred_at: Timestamp
    inserted_at: Timestamp
    updated_at: Timestamp


class InteractionPage(Out):
    data: list[InteractionOut]
    next_cursor: NextCursor


class ConversationOut(Out):
    id: uuid.UUID
    entity_id: uuid.UUID
    channel: Channel
    subject: str | None
    last_message_at: Timestamp | None
    is_archived: bool
    inserted_at: Timestamp
    updated_at: Timestamp


class ConversationPage(Out):
    data: list[ConversationOut]
    next_cursor: NextCursor


class AttachmentOut(Out):
    id: uuid.UUID
    filename: str
    mime_type: str


class CommunicationOut(Out):
    id: uuid.UUID
    conversation_id: Annotated[uuid.UUID, Meta(description="null once its conversation is deleted.")] | None
    entity_id: uuid.UUID
    channel: Channel
    direction: Direction
    content: str
    attachments: list[AttachmentOut]
    sent_at: Timestamp
    read_at: Timestamp | None
    external_id: str | None
    inserted_at: Timestamp
    updated_at: Timestamp


class CommunicationPage(Out):
    data: list[CommunicationOut]
    next_cursor: NextCursor
