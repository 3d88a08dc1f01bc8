"""Conezia: a personal relationship manager backend.

``conezia.open("memory")`` or ``conezia.open(database_url)`` gives the embedding
API (``conezia.open_async`` for asyncio programs); ``conezia.core`` holds the
domain, ``conezia.adapters`` its adapters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["AsyncConezia", "AsyncUserScope", "Conezia", "UserScope", "open", "open_async"]

if TYPE_CHECKING:
    from .api import AsyncConezia, AsyncUserScope, Conezia, UserScope, open, open_async  # noqa: A004


def __getattr__(name: str) -> Any:
    # Lazy, so that importing conezia.core never drags in the adapters.
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'conezia' has no attribute {name!r}")
