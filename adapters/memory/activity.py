"""The in-memory activity log."""

from __future__ import annotations

import datetime as dt
import uuid

from conezia.core.activity import ActivityFilter, ActivityLog
from conezia.core.pagination import Page, PageRequest, page_of

from .kit import OwnedRepository, by_insertion, clone

__all__ = ["MemoryActivityRepository"]


def _matches(criteria: ActivityFilter, entry: ActivityLog) -> bool:
    return (
        (criteria.resource_type is None or entry.resource_type == criteria.resource_type)
        and (criteria.resource_id is None or entry.resource_id == criteria.resource_id)
        and (criteria.action is None or entry.action == criteria.action)
    )


class MemoryActivityRepository(OwnedRepository[ActivityLog], table="activity_logs"):
    """A user's log rows, newest first."""

    async def list(self, user_id: uuid.UUID, criteria: ActivityFilter, page: PageRequest) -> Page[ActivityLog]:
        ordered = sorted(self._rows.find(user_id, lambda entry: _matches(criteria, entry)), key=by_insertion,
                         reverse=True)
        if page.after is not None:
            after = page.after
            ordered = [entry for entry in ordered if by_insertion(entry) < after]
        return page_of([clone(entry) for entry in ordered[: page.limit + 1]], page.limit, by_insertion)

    async def delete_older_than(self, cutoff: dt.datetime, limit: int) -> int:
        tables = self._tables()
        doomed = sorted(
            (entry for entry in tables.rows("activity_logs").values() if entry.inserted_at < cutoff), key=by_insertion
        )[:limit]
        for entry in doomed:
            tables.delete("activity_logs", entry.id)
        return len(doomed)
