"""What every unit of work adapter shares: collecting events and the commit that hands them on."""

from __future__ import annotations

from .events import Event
from .messagebus import MessageBus

__all__ = ["EventfulUnitOfWork"]


class EventfulUnitOfWork:
    """Base of the adapters' units of work: records events and publishes them at commit.

    Subclasses implement :meth:`_commit` and :meth:`_rollback` (the database's
    own). :meth:`commit` first runs the bus's transaction handlers on the
    recorded events (they may record more, which are handled in turn), then
    commits, then runs the after-commit handlers. Events recorded but never
    committed are dropped with the changes they describe.

    Args:
        bus: the handlers to publish to; without one, events are only dropped.
    """

    def __init__(self, bus: MessageBus | None = None) -> None:
        self._bus = bus if bus is not None else MessageBus()
        self._events: list[Event] = []

    def record(self, *events: Event) -> None:
        """Note what the work so far did; published if and when it commits."""
        self._events.extend(events)

    async def commit(self) -> None:
        """Run the transaction handlers, make everything durable, then run the after-commit handlers."""
        handled: list[Event] = []
        try:
            while self._events:
                batch, self._events = self._events, []
                await self._bus.handle_in_transaction(batch, self)  # type: ignore[arg-type]
                handled.extend(batch)
        except BaseException:
            self._events.clear()  # the caller's block ends without a commit, which rolls the change back
            raise
        await self._commit()
        if handled:
            await self._bus.handle_after_commit(handled)

    async def rollback(self) -> None:
        """Discard everything written, and every event recorded, since the last commit."""
        self._events.clear()
        await self._rollback()

    def _forget_events(self) -> None:
        """Drop the recorded events (the unit of work ended without committing them)."""
        self._events.clear()

    async def _commit(self) -> None:
        raise NotImplementedError

    async def _rollback(self) -> None:
        raise NotImplementedError
