"""The timeline's request bodies (interactions, conversations, messages), built from the core's shapes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final

from msgspec import Meta, Struct

from conezia.core.timeline import (
    COMMUNICATION,
    CONVERSATION,
    INTERACTION,
    MAX_ATTACHMENTS,
    MAX_FILENAME_LENGTH,
    MIME_TYPE_RE,
)

from .bodies import NOT_BLANK, _choose, body_struct

__all__ = [
    "TIMELINE_BODIES",
    "AttachmentDescriptor",
    "CommunicationCreate",
    "ConversationCreate",
    "ConversationUpdate",
    "InteractionCreate",
    "InteractionUpdate",
]

_INTERACTION_INPUTS: Final = _choose(INTERACTION, INTERACTION.inputs)
InteractionCreate = body_struct(
    "InteractionCreate", "Something that happened with the entity; `occurred_at` defaults to now.",
    _INTERACTION_INPUTS, creating=True,
)
InteractionUpdate = body_struct(
    "InteractionUpdate",
    "Only the fields sent change; `entity_id` moves it to another of your entities. A new `occurred_at` "
    "or entity recomputes the entities' `last_interaction_at`.",
    [*_INTERACTION_INPUTS, ("entity_id", uuid.UUID, False)], creating=False,
)
ConversationCreate = body_struct(
    "ConversationCreate", "A thread of messages with the entity on one channel.",
    _choose(CONVERSATION, CONVERSATION.inputs), creating=True,
)
ConversationUpdate = body_struct(
    "ConversationUpdate", "Only the subject changes; a conversation keeps its entity and channel.",
    [CONVERSATION["subject"]], creating=False,
)
AttachmentDescriptor = body_struct(
    "AttachmentDescriptor", "An attachment of a message: exactly these three fields (spec 4.2).",
    [
        ("id", uuid.UUID, True),
        ("filename", Annotated[str, Meta(min_length=1, max_length=MAX_FILENAME_LENGTH, pattern=NOT_BLANK)], True),
        ("mime_type", Annotated[str, Meta(pattern=MIME_TYPE_RE.pattern)], True),
    ],
    creating=True,
)
_ATTACHMENTS: Any = Annotated[list[AttachmentDescriptor], Meta(max_length=MAX_ATTACHMENTS)]  # type: ignore[valid-type]
CommunicationCreate = body_struct(
    "CommunicationCreate",
    "A message in the conversation (`sent_at` defaults to now). It moves the conversation's "
    "`last_message_at` and the entity's `last_interaction_at` forward.",
    [*_choose(COMMUNICATION, COMMUNICATION.inputs), ("attachments", _ATTACHMENTS, False)], creating=True,
)

TIMELINE_BODIES: Final[tuple[type[Struct], ...]] = (
    InteractionCreate, InteractionUpdate, ConversationCreate, ConversationUpdate, AttachmentDescriptor,
    CommunicationCreate,
)
