"""Repositories of the in-app feed and of the delivery bookkeeping."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any, Final

from sqlalchemy import ARRAY, Select, any_, bindparam, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from conezia.core.inbox import Delivery, DeliveryKey, Notification
from conezia.core.pagination import Page, PageRequest

from ._base import Repository
from ._owned import Owned, OwnedRepository, keyset_page
from ._prepared import Prepared
from .tables import TIMESTAMPTZ, UUID_TYPE
from .tables_inbox import notification_deliveries, notifications

__all__ = ["NOTIFICATIONS", "PostgresDeliveryRepository", "PostgresNotificationRepository", "notification_list_statement"]

NOTIFICATIONS: Final = Owned(Notification, notifications, "user_id", resource="notification")
_n = notifications.c
# newest first: the (user_id, inserted_at, id) indexes read backwards
_NEWEST: Final[Select[Any]] = (
    select(*NOTIFICATIONS.columns).where(_n.user_id == bindparam("owner")).order_by(_n.inserted_at.desc(), _n.id.desc())
)
_BEFORE: Final = tuple_(_n.inserted_at, _n.id) < tuple_(
    bindparam("after_at", type_=TIMESTAMPTZ), bindparam("after_id", type_=UUID_TYPE)
)
_UNREAD: Final = {True: _n.read_at.is_(None), False: _n.read_at.is_not(None)}
_READ_ALL: Final = Prepared(
    update(notifications).where(_n.user_id == bindparam("owner"), _n.read_at.is_(None)).values(read_at=bindparam("now"))
)


def notification_list_statement(
    user_id: uuid.UUID, unread: bool | None, page: PageRequest
) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of the user's feed, newest first (unread only, read only, or all)."""
    conditions = [] if unread is None else [_UNREAD[unread]]
    return keyset_page(_NEWEST, _BEFORE, page, conditions, {"owner": user_id})


class PostgresNotificationRepository(OwnedRepository[Notification]):
    """The feed; a reminder that is not the user's is refused by the composite foreign key."""

    __slots__ = ()
    owned = NOTIFICATIONS

    async def list(self, user_id: uuid.UUID, unread: bool | None, page: PageRequest) -> Page[Notification]:
        return await self._page(*notification_list_statement(user_id, unread, page), page)

    async def mark_all_read(self, user_id: uuid.UUID, now: dt.datetime) -> int:
        return await self._count(_READ_ALL, {"owner": user_id, "now": now})


_d = notification_deliveries.c
_KEY: Final = (_d.reminder_id == bindparam("reminder_id"), _d.due_at == bindparam("due_at"), _d.channel == bindparam("channel"))
_STALE: Final = bindparam("stale_before", type_=TIMESTAMPTZ)
# the candidates' rows, narrowed to the exact keys in Python (few rows: one per occurrence and channel)
_SETTLED: Final = Prepared(
    select(_d.reminder_id, _d.due_at, _d.channel).where(
        _d.reminder_id == any_(bindparam("reminder_ids", type_=ARRAY(UUID_TYPE))),
        (_d.delivered_at.is_not(None)) | (_d.claimed_at >= _STALE),
    )
)
_insert = insert(notification_deliveries).values(
    reminder_id=bindparam("reminder_id"), due_at=bindparam("due_at"), channel=bindparam("channel"),
    user_id=bindparam("user_id"), claimed_at=bindparam("claimed_at"),
)
# a second claim of a key waits for the first's transaction, then takes it only if it was never
# delivered and its claim is stale (its worker died)
_CLAIM: Final = Prepared(
    _insert.on_conflict_do_update(
        constraint="notification_deliveries_pkey",
        set_={"claimed_at": _insert.excluded.claimed_at},
        where=_d.delivered_at.is_(None) & (_d.claimed_at < _STALE),
    ).returning(_d.reminder_id)
)
_DELIVERED: Final = Prepared(
    update(notification_deliveries).where(*_KEY, _d.delivered_at.is_(None)).values(delivered_at=bindparam("at"))
)


class PostgresDeliveryRepository(Repository):
    """What the worker claimed and delivered, keyed by (reminder, occurrence, channel)."""

    __slots__ = ()

    async def settled(self, keys: Collection[DeliveryKey], stale_before: dt.datetime) -> set[DeliveryKey]:
        if not keys:
            return set()
        ids = sorted({key.reminder_id for key in keys})
        rows = await self._rows(_SETTLED, {"reminder_ids": ids, "stale_before": stale_before})
        return {DeliveryKey(*row) for row in rows} & set(keys)

    async def claim(self, delivery: Delivery, stale_before: dt.datetime) -> bool:
        params = {
            "reminder_id": delivery.reminder_id, "due_at": delivery.due_at, "channel": delivery.channel,
            "user_id": delivery.user_id, "claimed_at": delivery.claimed_at, "stale_before": stale_before,
        }
        return await self._row(_CLAIM, params) is not None

    async def mark_delivered(self, key: DeliveryKey, at: dt.datetime) -> bool:
        params = {"reminder_id": key.reminder_id, "due_at": key.due_at, "channel": key.channel, "at": at}
        return await self._count(_DELIVERED, params) > 0
