"""The in-app feed: a user's notifications, newest first, read and unread."""

from __future__ import annotations

import uuid
from typing import Final

from ..deps import Deps
from ..events import Updated
from ..inbox import Notification
from ..pagination import Page, PageRequest
from ..validation import Changes
from .owned import NOTIFICATIONS, Subject

__all__ = [
    "UNREAD_CHOICES",
    "get_notification",
    "list_notifications",
    "mark_all_notifications_read",
    "mark_notification_read",
    "mark_notification_unread",
    "parse_unread",
]

UNREAD_CHOICES: Final = ("true", "false")


def parse_unread(value: object) -> bool | None:
    """``unread``: ``true`` (unread only), ``false`` (read only), or absent (None: all).

    Raises:
        ValidationError: on ``unread`` for any other value.
    """
    changes = Changes({} if value is None else {"unread": value}, ("unread",))
    raw = changes.choice("unread", UNREAD_CHOICES)
    changes.raise_if_invalid()
    return raw == "true" if isinstance(raw, str) else None


async def list_notifications(
    deps: Deps, user_id: uuid.UUID, page: PageRequest | None = None, unread: bool | None = None
) -> Page[Notification]:
    """The user's notifications, newest first; only the unread ones with ``unread=True`` (the read ones with False)."""
    async with deps.uow() as uow:
        return await uow.notifications.list(user_id, unread, page or PageRequest())


async def get_notification(deps: Deps, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    """One of the user's notifications.

    Raises:
        NotFoundError: unless it exists and is the user's.
    """
    return await NOTIFICATIONS.get(deps, user_id, notification_id)


async def mark_notification_read(deps: Deps, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    """Mark it read (reading it again keeps the first time)."""
    return await NOTIFICATIONS.change(
        deps, user_id, notification_id, lambda n, now: n.mark_read(now), operation="read"
    )


async def mark_notification_unread(deps: Deps, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    return await NOTIFICATIONS.change(
        deps, user_id, notification_id, lambda n, now: n.mark_unread(), operation="unread"
    )


async def mark_all_notifications_read(deps: Deps, user_id: uuid.UUID) -> int:
    """Mark every unread notification of the user read; how many there were."""
    async with deps.uow() as uow:
        count = await uow.notifications.mark_all_read(user_id, deps.clock.now())
        if count:
            uow.record(Subject("user", user_id).event(Updated, user_id, operation="read_notifications",
                                                      fields=("notifications",)))
        await uow.commit()
    return count
