"""Delivering due reminders, each occurrence once per channel: in the app's feed, by email, by push.

The worker calls :func:`deliver_notifications` every minute or so. For each
notification :func:`~conezia.core.services.reminders.due_notifications` says to
send now, it

1. **claims** the (reminder, occurrence, channel) key, at once and for good: of two
   workers, exactly one gets it (``uow.deliveries.claim``);
2. **delivers**: mails it, pushes it, or, for ``in_app``, adds it to the user's feed
   in the same transaction as step 3;
3. **records the delivery** (``delivered_at``).

So a restart or a second worker never notifies twice, and never skips one: what
is not delivered is found due again on the next run, and email and push held back
by quiet hours are sent on the first run after they end. This is **at least once**:
a worker that dies between its claim and step 3 leaves a claim without a delivery,
which another run takes over once the claim is older than
:data:`~conezia.core.inbox.CLAIM_LEASE` (10 minutes) and delivers again; an email
or push sent just before such a crash is then sent twice. In-app notifications are
exactly once (the feed row and the record commit together). A missed reminder costs
more than a rare duplicate, so a failure never drops a notification.

Logs name reminders by id and channels, never a title or an address.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Final

import attrs

from ..deps import Deps
from ..inbox import CLAIM_LEASE, Delivery, DeliveryKey, Notification
from ..notifications import Notification as Due
from ..pagination import PageRequest, decode_cursor
from .reminders import DUE_BATCH, due_notifications

__all__ = ["DeliveryReport", "deliver_notifications"]

_log: Final = logging.getLogger("conezia.worker")


@attrs.define
class DeliveryReport:
    """What one run did, by channel: delivered now, held back by quiet hours, or failed (tried again later).

    Attributes:
        skipped: notifications due but delivered already (or being delivered by another worker).
    """

    now: dt.datetime
    delivered: dict[str, int] = attrs.Factory(dict)
    held: int = 0
    skipped: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return sum(self.delivered.values())

    def summary(self) -> str:
        """One log line of counts (no ids, no titles)."""
        channels = ", ".join(f"{channel} {count}" for channel, count in sorted(self.delivered.items())) or "none"
        return f"delivered: {channels}; held by quiet hours: {self.held}; already done: {self.skipped}; failed: {self.failed}"


def _key(notification: Due) -> DeliveryKey:
    return DeliveryKey(notification.reminder.id, notification.occurrence, notification.channel)


async def deliver_notifications(
    deps: Deps, now: dt.datetime | None = None, *, batch_size: int = DUE_BATCH
) -> DeliveryReport:
    """Deliver every notification due at ``now`` (default: the clock's now) that was not delivered yet.

    Safe to run from several workers at once, and again after a crash (see the module's docstring).
    A delivery that fails is logged and counted, and tried again on the next run.
    """
    now = now or deps.clock.now()
    report = DeliveryReport(now=now)
    page = PageRequest(limit=batch_size)
    while True:
        batch = await due_notifications(deps, now, page)
        report.held += len(batch.held)
        await _deliver_batch(deps, batch.send, now, report)
        if batch.next_cursor is None:
            return report
        page = PageRequest(limit=batch_size, after=decode_cursor(batch.next_cursor))


async def _deliver_batch(deps: Deps, due: Iterable[Due], now: dt.datetime, report: DeliveryReport) -> None:
    wanted = list(due)
    if not wanted:
        return
    stale_before = now - CLAIM_LEASE
    async with deps.uow() as uow:
        settled = await uow.deliveries.settled({_key(n) for n in wanted}, stale_before)
    for notification in wanted:
        if _key(notification) in settled:
            report.skipped += 1
            continue
        try:
            delivered = await _deliver_one(deps, notification, now, stale_before)
        except Exception as error:  # one failure must not stop the others; it is tried again next run
            report.failed += 1
            _log.warning(
                "delivering reminder %s on %s failed (%s); it is tried again on a later run",
                notification.reminder.id, notification.channel, type(error).__name__,
            )
            continue
        if delivered:
            report.delivered[notification.channel] = report.delivered.get(notification.channel, 0) + 1
        else:
            report.skipped += 1


async def _deliver_one(deps: Deps, notification: Due, now: dt.datetime, stale_before: dt.datetime) -> bool:
    """Claim, deliver, record; False when another worker holds the claim or delivered it already."""
    reminder, key = notification.reminder, _key(notification)
    async with deps.uow() as uow:
        claimed = await uow.deliveries.claim(
            Delivery(key.reminder_id, key.due_at, key.channel, reminder.user_id, claimed_at=now), stale_before
        )
        await uow.commit()
    if not claimed:
        return False
    if key.channel == "email":
        address = notification.recipient.email if notification.recipient is not None else None
        if address is None:
            raise LookupError("the user has no email address")
        deps.mailer.send_reminder(address, reminder_id=reminder.id, title=reminder.title, due_at=key.due_at)
    elif key.channel == "push":
        await deps.push.send(reminder.user_id, reminder_id=reminder.id, title=reminder.title, due_at=key.due_at)
    async with deps.uow() as uow:
        if not await uow.deliveries.mark_delivered(key, deps.clock.now()):
            return False  # a worker that took over a stale claim recorded it first
        if key.channel == "in_app":
            await uow.notifications.add(Notification(
                id=deps.ids.new_id(), user_id=reminder.user_id, reminder_id=reminder.id, kind="reminder",
                title=reminder.title, due_at=key.due_at, inserted_at=deps.clock.now(),
            ))
        await uow.commit()
    return True
