"""The ``reminders`` table (step 15), on the schema's one ``metadata`` (see ``tables.py``)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects import postgresql

from conezia.core.reminders import CHANNELS, REMINDER

from ._columns import (
    TIMESTAMPTZ,
    UUID_TYPE,
    _at_most,
    _inserted_at,
    _not_blank,
    _one_of,
    _owned_row,
    _updated_at,
    _varchar,
)
from .tables import metadata

__all__ = ["reminders"]

_PENDING = text("completed_at IS NULL")
_CHANNELS = ", ".join(f"'{channel}'" for channel in CHANNELS)

reminders = Table(
    "reminders",
    metadata,
    *_owned_row("reminders"),
    Column("entity_id", UUID_TYPE),
    Column("type", _varchar(REMINDER, "type"), nullable=False),
    Column("title", _varchar(REMINDER, "title"), nullable=False),
    Column("description", Text()),
    Column("due_at", TIMESTAMPTZ, nullable=False),
    Column("recurrence_rule", postgresql.JSONB()),
    Column("notification_channels", postgresql.ARRAY(Text()), nullable=False, server_default=text("ARRAY['in_app']")),
    Column("snoozed_until", TIMESTAMPTZ),
    Column("completed_at", TIMESTAMPTZ),
    Column("recurrence_anchor", TIMESTAMPTZ),
    _inserted_at(),
    _updated_at(),
    # the target of the composite keys of notifications and deliveries (migration 0015a; errata C8)
    UniqueConstraint("id", "user_id", name="reminders_id_user_id_index"),
    ForeignKeyConstraint(
        ["entity_id", "user_id"],
        ["entities.id", "entities.owner_id"],
        name="reminders_entity_id_user_id_fkey",
        ondelete="SET NULL (entity_id)",
    ),
    _one_of(REMINDER, "type"),
    _not_blank(REMINDER, "title"),
    _at_most(REMINDER, "description"),
    CheckConstraint("jsonb_typeof(recurrence_rule) = 'object'", name="reminders_recurrence_rule_check"),
    CheckConstraint(
        f"cardinality(notification_channels) >= 1 AND notification_channels <@ ARRAY[{_CHANNELS}]",
        name="reminders_notification_channels_check",
    ),
    Index("reminders_user_id_completed_at_index", "user_id", "completed_at"),
    Index("reminders_user_id_due_at_index", "user_id", "due_at", "id"),
    Index("reminders_pending_user_id_due_at_index", "user_id", "due_at", "id", postgresql_where=_PENDING),
    Index("reminders_entity_id_index", "entity_id"),
    Index("reminders_due_pending_idx", "due_at", "id", postgresql_where=_PENDING),
)
