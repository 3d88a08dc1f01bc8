"""The activity log's use-cases: recording events in their transaction, reading and trimming the log."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Final

import attrs

from ..activity import ActivityFilter, ActivityLog
from ..deps import Deps
from ..errors import ValidationError
from ..events import AccountDeleted, Event, current_origin
from ..messagebus import MessageBus
from ..pagination import Page, PageRequest
from ..ports import Clock, IdGenerator, UnitOfWork

__all__ = [
    "DEFAULT_PURGE_BATCH",
    "ActivityRecorder",
    "list_activity",
    "purge_activity",
    "subscribe_activity_log",
]

DEFAULT_PURGE_BATCH: Final = 10_000


@attrs.frozen
class ActivityRecorder:
    """The transaction handler that writes one activity log row per event.

    A deleted account is the one event it skips: the row would belong to the
    user being deleted, and goes with them (ON DELETE CASCADE) in the same
    transaction.
    """

    clock: Clock
    ids: IdGenerator

    async def __call__(self, event: Event, uow: UnitOfWork) -> None:
        if isinstance(event, AccountDeleted):
            return
        entry = ActivityLog.of(event, id=self.ids.new_id(), now=self.clock.now(), origin=current_origin())
        await uow.activity.add(entry)


def subscribe_activity_log(bus: MessageBus, *, clock: Clock, ids: IdGenerator) -> None:
    """Have every event recorded in the activity log, in the transaction of the change."""
    bus.subscribe(Event, ActivityRecorder(clock, ids))


async def list_activity(
    deps: Deps, user_id: uuid.UUID, criteria: ActivityFilter | None = None, page: PageRequest | None = None
) -> Page[ActivityLog]:
    """The user's own activity, newest first, one page (see :func:`~conezia.core.activity.parse_activity_filter`)."""
    async with deps.uow() as uow:
        return await uow.activity.list(user_id, criteria or ActivityFilter(), page or PageRequest())


async def purge_activity(
    deps: Deps,
    older_than: dt.timedelta,
    *,
    batch_size: int = DEFAULT_PURGE_BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Delete every user's log rows older than ``older_than``, in batches of ``batch_size``.

    Each batch is its own short transaction, so a long purge never holds locks for
    long and can be interrupted and run again.

    Args:
        progress: called after each batch with the number of rows deleted so far.

    Returns:
        How many rows were deleted.

    Raises:
        ValidationError: on ``older_than`` (not positive) or ``batch_size`` (below 1).
    """
    errors: dict[str, list[str]] = {}
    if older_than <= dt.timedelta(0):
        errors["older_than"] = ["must be positive"]
    if batch_size < 1:
        errors["batch_size"] = ["must be at least 1"]
    if errors:
        raise ValidationError(errors)
    cutoff = deps.clock.now() - older_than
    total = 0
    while True:
        async with deps.uow() as uow:
            deleted = await uow.activity.delete_older_than(cutoff, batch_size)
            await uow.commit()
        total += deleted
        if progress is not None:
            progress(total)
        if deleted < batch_size:
            return total
