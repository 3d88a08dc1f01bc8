"""The async embedding API's in-app feed, part of :class:`~conezia.api.aio_scope.AsyncUserScope`."""

from __future__ import annotations

import uuid

from conezia.core import services
from conezia.core.deps import Deps
from conezia.core.inbox import Notification
from conezia.core.pagination import Page, PageRequest

__all__ = ["AsyncNotifications"]


class AsyncNotifications:
    """The in-app notifications of one user (mixed into the user scope, which sets ``_deps`` and ``_user_id``)."""

    _deps: Deps
    _user_id: uuid.UUID

    async def notifications(
        self, *, unread: bool | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[Notification]:
        """One page of the feed, newest first; only unread ones with ``unread=True``, only read ones with False."""
        page = PageRequest.parse(limit, cursor)
        return await services.list_notifications(self._deps, self._user_id, page, unread)

    async def notification(self, notification_id: uuid.UUID) -> Notification:
        """One notification."""
        return await services.get_notification(self._deps, self._user_id, notification_id)

    async def mark_notification_read(self, notification_id: uuid.UUID) -> Notification:
        """Mark it read (a notification read already keeps its first ``read_at``)."""
        return await services.mark_notification_read(self._deps, self._user_id, notification_id)

    async def mark_notification_unread(self, notification_id: uuid.UUID) -> Notification:
        """Mark it unread again."""
        return await services.mark_notification_unread(self._deps, self._user_id, notification_id)

    async def mark_all_notifications_read(self) -> int:
        """Mark every unread notification read; how many there were."""
        return await services.mark_all_notifications_read(self._deps, self._user_id)
