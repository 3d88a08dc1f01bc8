"""The embedding API: Conezia's use-cases for other Python programs, without HTTP.

Synchronous code::

    import conezia

    with conezia.open("memory") as crm:
        crm.register(email="ada@example.com", password="Analytical-Engine-1")
        me = crm.as_user(crm.log_in("ada@example.com", "Analytical-Engine-1").user.id)
        grace = me.create_entity(type="person", name="Grace Hopper")

asyncio code::

    async with conezia.open_async("memory") as crm:
        await crm.register(email="ada@example.com", password="Analytical-Engine-1")
        me = crm.as_user((await crm.log_in("ada@example.com", "Analytical-Engine-1")).user.id)
        grace = await me.create_entity(type="person", name="Grace Hopper")

The async classes (:mod:`.aio`, :mod:`.aio_scope`) are written by hand; their
synchronous twins (:mod:`.sync`, :mod:`.sync_scope`) are generated from them by
``tools/generate_sync_api.py`` and run each call on the store's private event
loop (:mod:`.portal`).
"""

from __future__ import annotations

from .aio import AsyncConezia
from .aio_scope import AsyncUserScope
from .opening import AsyncOpening, open, open_async  # noqa: A004 - conezia.open is the API
from .sync import Conezia
from .sync_scope import UserScope

__all__ = ["AsyncConezia", "AsyncOpening", "AsyncUserScope", "Conezia", "UserScope", "open", "open_async"]
