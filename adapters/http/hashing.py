"""Password work (argon2id, 64 MiB and ~90 ms a hash) runs in its own few threads.

Were it run in the shared thread pool, a burst of logins would fill every thread
with hashes waiting for their turn, and every other request would queue behind
them. Here the waiting happens on the event loop, holding no thread.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Final, TypeVar

import anyio
import anyio.to_thread
from litestar import Request

__all__ = ["PASSWORD_LIMITER_STATE_KEY", "password_limiter", "run_password_work"]

T = TypeVar("T")

PASSWORD_LIMITER_STATE_KEY: Final = "conezia.password_limiter"


def password_limiter(threads: int) -> anyio.CapacityLimiter:
    """The limiter make_app keeps in the app state (one per process)."""
    return anyio.CapacityLimiter(threads)


async def run_password_work(request: Request[Any, Any, Any], fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a use-case that hashes or verifies a password in one of the password threads."""
    limiter: anyio.CapacityLimiter = request.app.state[PASSWORD_LIMITER_STATE_KEY]
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs), limiter=limiter)
