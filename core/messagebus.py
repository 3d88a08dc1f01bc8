"""The message bus: hands a unit of work's events to the handlers subscribed to them.

Two kinds of handler (cosmicpython, chapters 8-9):

* **in the transaction**: ``await handler(event, uow)`` runs before the commit,
  on the same unit of work, so what it writes (an activity log row, a webhook
  outbox row) commits with the change or not at all. If it raises, nothing is
  committed and the error reaches the caller.
* **after the commit**: ``await handler(event)`` runs once the change is
  durable (forgetting remembered sessions). If it raises, the error is logged
  and the change stands.

A handler subscribed to a class receives its subclasses' events too: one
subscribed to :class:`~conezia.core.events.Event` sees everything.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Final, TypeAlias

from .events import Event

if TYPE_CHECKING:
    from .ports import UnitOfWork

__all__ = ["AfterCommitHandler", "MessageBus", "TransactionHandler"]

TransactionHandler: TypeAlias = Callable[[Event, "UnitOfWork"], Awaitable[None]]
AfterCommitHandler: TypeAlias = Callable[[Event], Awaitable[None]]

_log: Final = logging.getLogger("conezia.events")


class MessageBus:
    """Subscriptions of handlers to event classes. Built and wired by the composition root."""

    def __init__(self) -> None:
        self._in_transaction: list[tuple[type[Event], TransactionHandler]] = []
        self._after_commit: list[tuple[type[Event], AfterCommitHandler]] = []

    def subscribe(self, event_type: type[Event], handler: TransactionHandler) -> None:
        """Run ``handler`` inside the transaction of every unit of work that records such an event."""
        if (event_type, handler) not in self._in_transaction:
            self._in_transaction.append((event_type, handler))

    def subscribe_after_commit(self, event_type: type[Event], handler: AfterCommitHandler) -> None:
        """Run ``handler`` after a unit of work that recorded such an event committed."""
        if (event_type, handler) not in self._after_commit:
            self._after_commit.append((event_type, handler))

    async def handle_in_transaction(self, events: Sequence[Event], uow: UnitOfWork) -> None:
        """Run the transaction handlers of each event, in order; the first error propagates."""
        for event in events:
            for event_type, handler in self._in_transaction:
                if isinstance(event, event_type):
                    await handler(event, uow)

    async def handle_after_commit(self, events: Sequence[Event]) -> None:
        """Run the after-commit handlers of each event; an error is logged, never raised."""
        for event in events:
            for event_type, handler in self._after_commit:
                if isinstance(event, event_type):
                    try:
                        await handler(event)
                    except Exception:
                        # the change is committed: a failed follow-up must not make it look undone
                        _log.exception(
                            "after-commit handler %s failed on %s", getattr(handler, "__qualname__", handler),
                            type(event).__name__,
                        )
