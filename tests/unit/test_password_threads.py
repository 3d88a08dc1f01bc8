"""Password work is bounded by its own limiter, and waits without holding a thread."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import anyio

from conezia.adapters.http.hashing import PASSWORD_LIMITER_STATE_KEY, password_limiter, run_password_work


def test_no_more_password_jobs_run_at_once_than_the_limiter_allows() -> None:
    request = SimpleNamespace(app=SimpleNamespace(state={PASSWORD_LIMITER_STATE_KEY: password_limiter(2)}))
    lock = threading.Lock()
    running, peak = 0, 0

    def job(n: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return n * 2

    results: list[int] = []

    async def main() -> None:
        async def one(n: int) -> None:
            results.append(await run_password_work(request, job, n))  # type: ignore[arg-type]

        async with anyio.create_task_group() as group:
            for n in range(8):
                group.start_soon(one, n)

    anyio.run(main)
    assert sorted(results) == [n * 2 for n in range(8)]
    assert peak == 2
