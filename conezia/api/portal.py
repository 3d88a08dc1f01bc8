"""What the generated synchronous API stands on: one private event loop per store, behind a portal.

:func:`conezia.open` starts an event loop in a background thread with anyio's
blocking portal and opens the async API on it. Every synchronous call of that
store, from whichever thread, is handed to that loop and waited for, so its
connection pool lives (and is closed) on one loop, and a caller that runs an
event loop of its own (a Jupyter cell) is never asked to nest it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, ParamSpec, Self, TypeVar

from anyio.from_thread import BlockingPortal

if TYPE_CHECKING:
    from .aio import AsyncConezia

__all__ = ["ConeziaPortal", "PortalBound"]

P = ParamSpec("P")
T = TypeVar("T")
W = TypeVar("W")


class PortalBound(Generic[W]):
    """A synchronous face of the async object ``wrapped``, whose calls run on ``portal``'s loop."""

    def __init__(self, portal: BlockingPortal, wrapped: W) -> None:
        self._portal = portal
        self._async = wrapped

    def _call(self, fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._portal.call(functools.partial(fn, *args, **kwargs))


class ConeziaPortal(PortalBound["AsyncConezia"]):
    """The store's own part of the synchronous :class:`conezia.Conezia`: its lifetime.

    Args:
        portal: the running portal of the store's private event loop.
        wrapped: the async store opened on that loop.
        stop: stops the portal and its thread.
    """

    def __init__(self, portal: BlockingPortal, wrapped: AsyncConezia, stop: Callable[[], object]) -> None:
        super().__init__(portal, wrapped)
        self._stop = stop
        self._closed = False

    def close(self) -> None:
        """Close the backend on its loop, then stop the loop. Calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            self._portal.call(self._async.aclose)
        finally:
            self._stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
