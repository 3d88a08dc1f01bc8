"""The activity log: written in the change's transaction, read newest first."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from sqlalchemy import bindparam, delete, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from conezia.core.activity import ActivityFilter, ActivityLog
from conezia.core.pagination import Page, PageRequest, page_of

from ._owned import Owned, OwnedRepository, page_statement
from ._prepared import Prepared
from .tables import TIMESTAMPTZ, UUID_TYPE, activity_logs

__all__ = ["ACTIVITY", "PostgresActivityRepository", "activity_list_statement"]

ACTIVITY: Final = Owned(ActivityLog, activity_logs, "user_id", resource="activity")

_c = activity_logs.c
# newest first: the (user_id, inserted_at, id) index read backwards
_NEWEST_FIRST: Final = (
    select(*ACTIVITY.columns).where(_c.user_id == bindparam("owner")).order_by(_c.inserted_at.desc(), _c.id.desc())
)
_BEFORE: Final = tuple_(_c.inserted_at, _c.id) < tuple_(
    bindparam("after_at", type_=TIMESTAMPTZ), bindparam("after_id", type_=UUID_TYPE)
)
_OF_TYPE: Final = _c.resource_type == bindparam("resource_type")
# "IS NOT NULL" lets the planner match the partial index of one resource's history
_OF_RESOURCE: Final = (_c.resource_id == bindparam("resource_id", type_=UUID_TYPE)) & _c.resource_id.is_not(None)
_OF_ACTION: Final = _c.action == bindparam("action")

_EXPIRED: Final = select(_c.id).where(_c.inserted_at < bindparam("cutoff", type_=TIMESTAMPTZ)).order_by(
    _c.inserted_at
).limit(bindparam("limit")).scalar_subquery()
_PURGE: Final = Prepared(delete(activity_logs).where(_c.id.in_(_EXPIRED)))


def activity_list_statement(
    user_id: uuid.UUID, criteria: ActivityFilter, page: PageRequest
) -> tuple[Prepared, dict[str, Any]]:
    """The prepared SELECT of one page of the user's log, newest first, and its parameters."""
    params: dict[str, Any] = {"owner": user_id, "limit": page.limit + 1}
    conditions: list[ColumnElement[bool]] = []
    if criteria.resource_type is not None:
        conditions.append(_OF_TYPE)
        params["resource_type"] = criteria.resource_type
    if criteria.resource_id is not None:
        conditions.append(_OF_RESOURCE)
        params["resource_id"] = criteria.resource_id
    if criteria.action is not None:
        conditions.append(_OF_ACTION)
        params["action"] = criteria.action
    if page.after is not None:
        params["after_at"], params["after_id"] = page.after
        conditions.append(_BEFORE)
    return page_statement(_NEWEST_FIRST, conditions), params


def _inserted_at_and_id(entry: ActivityLog) -> tuple[dt.datetime, uuid.UUID]:
    return entry.inserted_at, entry.id


class PostgresActivityRepository(OwnedRepository[ActivityLog]):
    """A user's log rows; only ever inserted, read and, past retention, deleted."""

    __slots__ = ()

    owned = ACTIVITY

    async def list(self, user_id: uuid.UUID, criteria: ActivityFilter, page: PageRequest) -> Page[ActivityLog]:
        statement, params = activity_list_statement(user_id, criteria, page)
        rows = await self._all(statement, params)
        return page_of(rows, page.limit, _inserted_at_and_id)

    async def delete_older_than(self, cutoff: dt.datetime, limit: int) -> int:
        return await self._count(_PURGE, {"cutoff": cutoff, "limit": limit})
