"""The in-memory schema of the worker's tables (migration 0015a): the in-app feed and the delivery bookkeeping."""

from __future__ import annotations

from typing import Final

from .schema import CASCADE, SET_NULL, ForeignKey, Table, Unique, _pkey, _table, _to_user

__all__ = ["INBOX_TABLES"]

INBOX_TABLES: Final[tuple[Table, ...]] = (
    _table(
        "notifications", "notification",
        (_pkey("notifications"),),
        (_to_user("notifications"),
         # ON DELETE SET NULL (reminder_id): what was notified stays in the feed, without its reminder
         ForeignKey("notifications_reminder_id_user_id_fkey", ("reminder_id", "user_id"), "reminders",
                    ("id", "user_id"), on_delete=SET_NULL, set_null=("reminder_id",))),
    ),
    _table(
        "notification_deliveries", "delivery",
        (Unique("notification_deliveries_pkey", ("reminder_id", "due_at", "channel"), "channel"),),
        (_to_user("notification_deliveries"),
         ForeignKey("notification_deliveries_reminder_id_user_id_fkey", ("reminder_id", "user_id"), "reminders",
                    ("id", "user_id"), on_delete=CASCADE)),
    ),
)
