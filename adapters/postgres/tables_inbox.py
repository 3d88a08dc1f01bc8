"""The worker's tables (migration 0015a): the in-app feed and the delivery bookkeeping, on the one ``metadata``."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKeyConstraint, Index, PrimaryKeyConstraint, Table, text

from conezia.core.inbox import DELIVERY, NOTIFICATION

from ._columns import TIMESTAMPTZ, UUID_TYPE, _cascade_to_user, _inserted_at, _not_blank, _one_of, _owned_row, _varchar
from .tables import metadata

__all__ = ["notification_deliveries", "notifications"]

notifications = Table(
    "notifications",
    metadata,
    *_owned_row("notifications"),
    Column("reminder_id", UUID_TYPE),
    Column("kind", _varchar(NOTIFICATION, "kind"), nullable=False),
    Column("title", _varchar(NOTIFICATION, "title"), nullable=False),
    Column("due_at", TIMESTAMPTZ, nullable=False),
    Column("read_at", TIMESTAMPTZ),
    _inserted_at(),
    ForeignKeyConstraint(
        ["reminder_id", "user_id"],
        ["reminders.id", "reminders.user_id"],
        name="notifications_reminder_id_user_id_fkey",
        ondelete="SET NULL (reminder_id)",
    ),
    _one_of(NOTIFICATION, "kind"),
    _not_blank(NOTIFICATION, "title"),
    Index("notifications_user_id_inserted_at_index", "user_id", "inserted_at", "id"),
    Index(
        "notifications_unread_user_id_inserted_at_index", "user_id", "inserted_at", "id",
        postgresql_where=text("read_at IS NULL"),
    ),
    Index("notifications_reminder_id_index", "reminder_id"),
)

notification_deliveries = Table(
    "notification_deliveries",
    metadata,
    Column("reminder_id", UUID_TYPE, nullable=False),
    Column("due_at", TIMESTAMPTZ, nullable=False),
    Column("channel", _varchar(DELIVERY, "channel"), nullable=False),
    Column("user_id", UUID_TYPE, nullable=False),
    Column("claimed_at", TIMESTAMPTZ, nullable=False),
    Column("delivered_at", TIMESTAMPTZ),
    PrimaryKeyConstraint("reminder_id", "due_at", "channel", name="notification_deliveries_pkey"),
    _cascade_to_user("notification_deliveries"),
    ForeignKeyConstraint(
        ["reminder_id", "user_id"],
        ["reminders.id", "reminders.user_id"],
        name="notification_deliveries_reminder_id_user_id_fkey",
        ondelete="CASCADE",
    ),
    _one_of(DELIVERY, "channel"),
    Index("notification_deliveries_user_id_index", "user_id"),
)
