"""The timeline of an entity: interactions (notes, calls, meetings, ...), conversations and their messages.

An entity's ``last_interaction_at`` follows its latest interaction or communication
(see :mod:`conezia.core.services.timeline`), which is what relationship health reads.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, Final

import attrs

from .shapes import BOOLEAN, CHOICE, DATETIME, TEXT, Field, Shape
from .validation import UNSET, Changes, apply_set

__all__ = [
    "ATTACHMENT_KEYS",
    "CHANNELS",
    "COMMUNICATION",
    "CONVERSATION",
    "DIRECTIONS",
    "INTERACTION",
    "INTERACTION_TYPES",
    "MAX_ATTACHMENTS",
    "Communication",
    "Conversation",
    "Interaction",
    "cast_attachments",
    "cast_id",
]

INTERACTION_TYPES: Final = ("note", "meeting", "call", "transaction", "event", "document", "other")
CHANNELS: Final = ("internal", "email", "sms", "whatsapp", "telegram", "phone")
DIRECTIONS: Final = ("inbound", "outbound")

INTERACTION: Final = Shape("interactions", (
    Field("type", CHOICE, choices=INTERACTION_TYPES, required=True, nullable=False, max_length=32),
    Field("title", TEXT, max_length=255, blank_to_none=True),
    Field("content", TEXT, required=True, nullable=False, min_length=1, max_length=50_000, strip=False),
    Field("occurred_at", DATETIME, nullable=False, description="When it happened; default: now."),
))
CONVERSATION: Final = Shape("conversations", (
    Field("channel", CHOICE, choices=CHANNELS, required=True, nullable=False, max_length=32),
    Field("subject", TEXT, max_length=255, blank_to_none=True),
    Field("is_archived", BOOLEAN, nullable=False, writable=False),
    Field("last_message_at", DATETIME, writable=False),
))
COMMUNICATION: Final = Shape("communications", (
    Field("channel", CHOICE, choices=CHANNELS, nullable=False, max_length=32,
          description="Default: the conversation's channel, which it must be."),
    Field("direction", CHOICE, choices=DIRECTIONS, required=True, nullable=False, max_length=16),
    Field("content", TEXT, required=True, nullable=False, min_length=1, max_length=100_000, strip=False),
    Field("sent_at", DATETIME, nullable=False, description="When it was sent; default: now."),
    Field("read_at", DATETIME),
    Field("external_id", TEXT, max_length=255, blank_to_none=True,
          description="Its id in the system it came from (an email's Message-ID, ...)."),
))

ATTACHMENT_KEYS: Final = ("id", "filename", "mime_type")
MAX_ATTACHMENTS: Final = 50
MAX_FILENAME_LENGTH: Final = 255
MIME_TYPE_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")


def cast_id(changes: Changes, field: str, *, required: bool = False) -> Any:
    """A row id given as a UUID or its text; UNSET when absent (an error is recorded when wrong)."""
    raw = changes.params.get(field, UNSET)
    if raw is UNSET or raw is None:
        if required or raw is None:
            changes.add_error(field, "can't be blank")
        return UNSET
    if isinstance(raw, uuid.UUID):
        return raw
    if isinstance(raw, str):
        try:
            return uuid.UUID(raw.strip())
        except ValueError:
            pass
    changes.add_error(field, "must be a UUID")
    return UNSET


def cast_attachments(changes: Changes, raw: Any) -> Any:
    """Attachment descriptors (spec 4.2): a list of objects with exactly ``id``, ``filename`` and ``mime_type``."""
    if raw is UNSET:
        return UNSET
    if not isinstance(raw, list):
        changes.add_error("attachments", "must be a list of attachment descriptors")
        return UNSET
    if len(raw) > MAX_ATTACHMENTS:
        changes.add_error("attachments", f"should have at most {MAX_ATTACHMENTS} item(s)")
        return UNSET
    clean: list[dict[str, str]] = []
    for n, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) != set(ATTACHMENT_KEYS):
            changes.add_error("attachments", "each attachment must have id, filename, and mime_type, and nothing else")
            return UNSET
        ident, filename, mime = item["id"], item["filename"], item["mime_type"]
        try:
            ident = str(uuid.UUID(ident)) if isinstance(ident, str) else None
        except ValueError:
            ident = None
        if ident is None:
            changes.add_error("attachments", f"item {n}: id must be a UUID")
        if not isinstance(filename, str) or not filename.strip() or "\x00" in filename \
                or len(filename) > MAX_FILENAME_LENGTH:
            changes.add_error("attachments", f"item {n}: filename must be 1 to {MAX_FILENAME_LENGTH} characters")
        if not isinstance(mime, str) or not MIME_TYPE_RE.match(mime):
            changes.add_error("attachments", f"item {n}: mime_type must be a MIME type such as application/pdf")
        if not changes.valid:
            return UNSET
        clean.append({"id": str(ident), "filename": filename.strip(), "mime_type": mime.lower()})
    return clean


@attrs.define
class Interaction:
    """Something that happened with an entity: a note, a call, a meeting, ..."""

    id: uuid.UUID
    user_id: uuid.UUID
    entity_id: uuid.UUID
    type: str
    content: str
    occurred_at: dt.datetime
    inserted_at: dt.datetime
    updated_at: dt.datetime
    title: str | None = None

    @classmethod
    def create(
        cls, params: object, *, id: uuid.UUID, user_id: uuid.UUID, entity_id: uuid.UUID, now: dt.datetime
    ) -> Interaction:
        """Validate a new interaction; ``occurred_at`` defaults to ``now``.

        Raises:
            ValidationError: naming every failing field.
        """
        changes = Changes(params, INTERACTION.inputs)
        values = INTERACTION.cast(changes, creating=True)
        changes.raise_if_invalid()
        interaction = cls(
            id=id, user_id=user_id, entity_id=entity_id, type=values["type"], content=values["content"],
            occurred_at=now, inserted_at=now, updated_at=now,
        )
        apply_set(interaction, values)
        return interaction

    def update(self, params: object, *, now: dt.datetime) -> None:
        """Change the given fields; ``entity_id`` moves it to another of the owner's entities."""
        changes = Changes(params, (*INTERACTION.inputs, "entity_id"))
        values = INTERACTION.cast(changes, creating=False)
        values["entity_id"] = cast_id(changes, "entity_id")
        changes.raise_if_invalid()
        apply_set(self, values)
        self.updated_at = now


@attrs.define
class Conversation:
    """A thread of messages with one entity over one channel."""

    id: uuid.UUID
    user_id: uuid.UUID
    entity_id: uuid.UUID
    channel: str
    inserted_at: dt.datetime
    updated_at: dt.datetime
    subject: str | None = None
    last_message_at: dt.datetime | None = None
    is_archived: bool = False

    @classmethod
    def create(
        cls, params: object, *, id: uuid.UUID, user_id: uuid.UUID, entity_id: uuid.UUID, now: dt.datetime
    ) -> Conversation:
        changes = Changes(params, CONVERSATION.inputs)
        values = CONVERSATION.cast(changes, creating=True)
        changes.raise_if_invalid()
        conversation = cls(
            id=id, user_id=user_id, entity_id=entity_id, channel=values["channel"], inserted_at=now, updated_at=now
        )
        apply_set(conversation, values)
        return conversation

    def update(self, params: object, *, now: dt.datetime) -> None:
        """Change the subject (a conversation keeps its entity and channel)."""
        changes = Changes(params, ("subject",))
        values = CONVERSATION.cast(changes, creating=False, names=("subject",))
        changes.raise_if_invalid()
        apply_set(self, values)
        self.updated_at = now

    def archive(self, now: dt.datetime) -> None:
        if not self.is_archived:
            self.is_archived = True
            self.updated_at = now

    def unarchive(self, now: dt.datetime) -> None:
        if self.is_archived:
            self.is_archived = False
            self.updated_at = now


_COMMUNICATION_INPUTS: Final = (*COMMUNICATION.inputs, "attachments")


@attrs.define
class Communication:
    """One message, inbound or outbound; it stays when its conversation is deleted."""

    id: uuid.UUID
    user_id: uuid.UUID
    entity_id: uuid.UUID
    channel: str
    direction: str
    content: str
    sent_at: dt.datetime
    inserted_at: dt.datetime
    updated_at: dt.datetime
    conversation_id: uuid.UUID | None = None
    attachments: list[dict[str, str]] = attrs.Factory(list)
    read_at: dt.datetime | None = None
    external_id: str | None = None

    @classmethod
    def create(
        cls, params: object, *, id: uuid.UUID, conversation: Conversation, now: dt.datetime
    ) -> Communication:
        """Validate a new message in ``conversation``; ``sent_at`` defaults to ``now``.

        Raises:
            ValidationError: naming every failing field, including a channel other than the conversation's.
        """
        changes = Changes(params, _COMMUNICATION_INPUTS)
        values = COMMUNICATION.cast(changes, creating=True)
        values["attachments"] = cast_attachments(changes, changes.params.get("attachments", UNSET))
        if values["channel"] not in (UNSET, conversation.channel):
            changes.add_error("channel", f"must be the conversation's channel ({conversation.channel})")
        changes.raise_if_invalid()
        message = cls(
            id=id, user_id=conversation.user_id, entity_id=conversation.entity_id, channel=conversation.channel,
            direction=values["direction"], content=values["content"], sent_at=now, inserted_at=now,
            updated_at=now, conversation_id=conversation.id,
        )
        apply_set(message, values)
        return message

    def mark_read(self, now: dt.datetime) -> None:
        if self.read_at is None:
            self.read_at = now
            self.updated_at = now

    def mark_unread(self, now: dt.datetime) -> None:
        if self.read_at is not None:
            self.read_at = None
            self.updated_at = now
