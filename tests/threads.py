"""Driving the synchronous embedding API from several threads at once."""

from __future__ import annotations

import threading

import conezia

__all__ = ["create_from_threads"]


def create_from_threads(me: conezia.UserScope, *, threads: int, each: int) -> tuple[list[BaseException], set[str]]:
    """Let ``threads`` threads, released together, each create ``each`` entities.

    Returns:
        What the threads raised, and the names they created.
    """
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def create(worker: int) -> None:
        try:
            start.wait()
            for n in range(each):
                me.create_entity(type="person", name=f"worker {worker} contact {n}")
        except BaseException as exc:  # reported by the caller's assertion
            failures.append(exc)

    workers = [threading.Thread(target=create, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return failures, {f"worker {w} contact {n}" for w in range(threads) for n in range(each)}
