"""The in-app feed: what the background worker notified, newest first; mark read and unread."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import get, post
from litestar.params import FromPath

from conezia.core import services
from conezia.core.pagination import PageRequest

from ..openapi import errors
from ..schemas import out, out_page
from ..schemas_inbox import NotificationOut, NotificationPage, ReadCount
from ._common import AUTHENTICATED, Core, CurrentUser, Cursor, Limit, query

__all__ = ["ROUTES"]

TAGS = ["notifications"]
Unread = Annotated[
    str | None,
    query("`true`: unread ones only; `false`: read ones only; absent: all.", choices=services.UNREAD_CHOICES, max_length=5),
]
NotificationId = FromPath[uuid.UUID]


@get("/notifications", tags=TAGS, summary="List notifications", responses=errors(*AUTHENTICATED, 422))
async def list_notifications(
    deps: Core, user: CurrentUser, unread: Unread = None, limit: Limit = None, cursor: Cursor = None
) -> NotificationPage:
    """The caller's in-app notifications of due reminders, newest first."""
    page = PageRequest.parse(limit=limit, cursor=cursor)
    found = await services.list_notifications(deps, user.id, page, services.parse_unread(unread))
    return out_page(NotificationPage, found)


@get(
    "/notifications/{notification_id:uuid}", tags=TAGS, summary="Show a notification",
    responses=errors(*AUTHENTICATED, 404),
)
async def show_notification(deps: Core, user: CurrentUser, notification_id: NotificationId) -> NotificationOut:
    """One of the caller's notifications."""
    return out(NotificationOut, await services.get_notification(deps, user.id, notification_id))


@post(
    "/notifications/{notification_id:uuid}/read", status_code=200, tags=TAGS, summary="Mark a notification read",
    responses=errors(*AUTHENTICATED, 404),
)
async def read_notification(deps: Core, user: CurrentUser, notification_id: NotificationId) -> NotificationOut:
    """Read now (a notification read already keeps its first `read_at`)."""
    return out(NotificationOut, await services.mark_notification_read(deps, user.id, notification_id))


@post(
    "/notifications/{notification_id:uuid}/unread", status_code=200, tags=TAGS, summary="Mark a notification unread",
    responses=errors(*AUTHENTICATED, 404),
)
async def unread_notification(deps: Core, user: CurrentUser, notification_id: NotificationId) -> NotificationOut:
    """Unread again."""
    return out(NotificationOut, await services.mark_notification_unread(deps, user.id, notification_id))


@post(
    "/notifications/read-all", status_code=200, tags=TAGS, summary="Mark every notification read",
    responses=errors(*AUTHENTICATED),
)
async def read_all_notifications(deps: Core, user: CurrentUser) -> ReadCount:
    """Mark all of the caller's unread notifications read."""
    return ReadCount(marked_read=await services.mark_all_notifications_read(deps, user.id))


ROUTES = [list_notifications, show_notification, read_notification, unread_notification, read_all_notifications]
