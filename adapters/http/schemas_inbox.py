"""The response bodies of the in-app feed (see :mod:`.schemas`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from msgspec import Meta

from conezia.core.inbox import NOTIFICATION

from .schemas import Out, Timestamp

__all__ = ["NotificationOut", "NotificationPage", "ReadCount"]

if TYPE_CHECKING:
    NotificationKind: TypeAlias = str
else:
    NotificationKind = Literal[NOTIFICATION["kind"].choices]


class NotificationOut(Out):
    id: uuid.UUID
    kind: NotificationKind
    reminder_id: Annotated[uuid.UUID, Meta(description="null once the reminder is deleted.")] | None
    title: Annotated[str, Meta(description="The reminder's title when it was notified.")]
    due_at: Annotated[Timestamp, Meta(description="When the occurrence fell due: its due date, or the end of its snooze.")]
    read_at: Timestamp | None
    inserted_at: Annotated[Timestamp, Meta(description="When it was notified.")]


class NotificationPage(Out):
    data: list[NotificationOut]
    next_cursor: Annotated[str, Meta(description="Pass as `cursor` for the next (older) page.")] | None


class ReadCount(Out):
    marked_read: Annotated[int, Meta(ge=0, description="How many unread notifications were marked read.")]
