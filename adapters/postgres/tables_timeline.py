"""The timeline's tables (spec steps 12-14): conversations, communications, interactions.

Part of :data:`~conezia.adapters.postgres.tables.metadata` (``tables.py`` imports this
module at its end), mirroring migrations 0012-0014 like every other table.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects import postgresql

from conezia.core.shapes import Shape
from conezia.core.timeline import COMMUNICATION, CONVERSATION, INTERACTION

from ._columns import (
    TIMESTAMPTZ,
    UUID_TYPE,
    _cascade_to_user,
    _id,
    _inserted_at,
    _one_of,
    _owned_row,
    _updated_at,
    _varchar,
)
from .tables import metadata

__all__ = ["communications", "conversations", "interactions"]


def _length_between(shape: Shape, name: str) -> CheckConstraint:
    """CHECK of the length of unbounded text that must not be empty."""
    field = shape[name]
    return CheckConstraint(
        f"char_length({name}) >= {field.min_length} AND char_length({name}) <= {field.max_length}",
        name=f"{shape.table}_{name}_check",
    )


def _to_entity(table: str) -> ForeignKeyConstraint:
    """The row's user owns its entity (errata C8)."""
    return ForeignKeyConstraint(
        ["entity_id", "user_id"], ["entities.id", "entities.owner_id"],
        name=f"{table}_entity_id_user_id_fkey", ondelete="CASCADE",
    )


conversations = Table(
    "conversations",
    metadata,
    *_owned_row("conversations"),
    Column("entity_id", UUID_TYPE, nullable=False),
    Column("channel", _varchar(CONVERSATION, "channel"), nullable=False),
    Column("subject", _varchar(CONVERSATION, "subject")),
    Column("last_message_at", TIMESTAMPTZ),
    Column("is_archived", Boolean(), nullable=False, server_default=text("false")),
    _inserted_at(),
    _updated_at(),
    UniqueConstraint("id", "user_id", name="conversations_id_user_id_index"),
    _to_entity("conversations"),
    _one_of(CONVERSATION, "channel"),
    Index("conversations_user_id_is_archived_index", "user_id", "is_archived"),
    Index("conversations_last_message_at_index", "last_message_at"),
    Index("conversations_entity_id_inserted_at_id_index", "entity_id", "inserted_at", "id"),
    Index("conversations_user_id_inserted_at_id_index", "user_id", "inserted_at", "id"),
    Index(
        "conversations_archived_user_id_inserted_at_id_index", "user_id", "inserted_at", "id",
        postgresql_where=text("is_archived"),
    ),
)

communications = Table(
    "communications",
    metadata,
    _id(),
    Column("conversation_id", UUID_TYPE),
    Column("user_id", UUID_TYPE, nullable=False),
    Column("entity_id", UUID_TYPE, nullable=False),
    Column("channel", _varchar(COMMUNICATION, "channel"), nullable=False),
    Column("direction", _varchar(COMMUNICATION, "direction"), nullable=False),
    Column("content", Text(), nullable=False),
    Column("attachments", postgresql.JSONB(), nullable=False, server_default=text("'[]'::jsonb")),
    Column("sent_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    Column("read_at", TIMESTAMPTZ),
    Column("external_id", _varchar(COMMUNICATION, "external_id")),
    _inserted_at(),
    _updated_at(),
    PrimaryKeyConstraint("id", name="communications_pkey"),
    # added by step 17, for attachments' composite foreign key (errata C8)
    UniqueConstraint("id", "user_id", name="communications_id_user_id_index"),
    _cascade_to_user("communications"),
    _to_entity("communications"),
    ForeignKeyConstraint(
        ["conversation_id", "user_id"], ["conversations.id", "conversations.user_id"],
        name="communications_conversation_id_user_id_fkey", ondelete="SET NULL (conversation_id)",
    ),
    _one_of(COMMUNICATION, "channel"),
    _one_of(COMMUNICATION, "direction"),
    _length_between(COMMUNICATION, "content"),
    CheckConstraint("jsonb_typeof(attachments) = 'array'", name="communications_attachments_check"),
    Index("communications_conversation_id_sent_at_id_index", "conversation_id", "sent_at", "id"),
    Index("communications_user_id_entity_id_sent_at_index", "user_id", "entity_id", "sent_at"),
    Index("communications_sent_at_index", "sent_at"),
    Index("communications_external_id_index", "external_id"),
)

interactions = Table(
    "interactions",
    metadata,
    *_owned_row("interactions"),
    Column("entity_id", UUID_TYPE, nullable=False),
    Column("type", _varchar(INTERACTION, "type"), nullable=False),
    Column("title", _varchar(INTERACTION, "title")),
    Column("content", Text(), nullable=False),
    Column("occurred_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    _inserted_at(),
    _updated_at(),
    # added by step 17, for attachments' composite foreign key (errata C8)
    UniqueConstraint("id", "user_id", name="interactions_id_user_id_index"),
    _to_entity("interactions"),
    _one_of(INTERACTION, "type"),
    _length_between(INTERACTION, "content"),
    Index("interactions_user_id_occurred_at_id_index", "user_id", "occurred_at", "id"),
    Index("interactions_entity_id_occurred_at_id_index", "entity_id", "occurred_at", "id"),
)
