"""A small HTTP/1.1 keep-alive load generator: ``bench.run``'s fallback when ``wrk`` is unavailable.

It runs in its own process (so it does not share an event loop with anything measured), opens
``--connections`` keep-alive connections and sends requests back to back on each for
``--duration`` seconds (``{id}``, or the ``--slot`` given, in the URL taking each of ``--ids`` in turn),
then prints one JSON object: ``requests``, ``duration_s``,
``req_per_s``, ``p50_ms``, ``p99_ms``, ``non_2xx``, ``errors``, ``status_counts``.

Being Python, it needs a good share of a CPU itself and saturates well below ``wrk``: figures
taken with it are comparable with each other (same run), not with ``wrk``'s.

Example::

    python -m bench.loadgen --url http://127.0.0.1:8000/hello --duration 5 --connections 32
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

import attrs

__all__ = ["LoadResult", "main", "percentile", "run_load"]


@attrs.define
class LoadResult:
    """What one run measured. Latencies are in nanoseconds."""

    latencies: list[int] = attrs.Factory(list)
    statuses: Counter[int] = attrs.Factory(Counter)
    errors: int = 0
    elapsed: float = 0.0

    def summary(self) -> dict[str, object]:
        """The JSON-ready figures."""
        done = len(self.latencies)
        ordered = sorted(self.latencies)
        return {
            "requests": done,
            "duration_s": round(self.elapsed, 3),
            "req_per_s": round(done / self.elapsed, 2) if self.elapsed else 0.0,
            "p50_ms": round(percentile(ordered, 50) / 1e6, 3),
            "p99_ms": round(percentile(ordered, 99) / 1e6, 3),
            "non_2xx": sum(n for status, n in self.statuses.items() if not 200 <= status < 300),
            "errors": self.errors,
            "status_counts": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def percentile(ordered: Sequence[int], pct: float) -> float:
    """The ``pct`` percentile of already sorted values (nearest rank); 0 for no values."""
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * pct // 100))
    return float(ordered[int(rank) - 1])


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns its status and whether the server keeps the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    chunked = False
    keep = True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep = False
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep


async def _connection(
    host: str, port: int, head_template: str, body_template: str | None, ids: Iterator[str] | None,
    deadline: float, result: LoadResult, offset: int, slot: str = "{id}",
) -> None:
    counter = offset
    reader = writer = None
    while time.monotonic() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            head = head_template if ids is None else head_template.replace(slot, next(ids))
            if body_template is None:
                payload = head.encode() + b"\r\n"
            else:
                counter += 1
                body = body_template.replace("{n}", str(counter)).encode()
                payload = head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
            start = time.perf_counter_ns()
            writer.write(payload)
            status, keep = await _read_response(reader)
            result.latencies.append(time.perf_counter_ns() - start)
            result.statuses[status] += 1
            if not keep:
                writer.close()
                reader = writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
            result.errors += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def run_load(
    url: str,
    *,
    method: str = "GET",
    headers: Sequence[str] = (),
    body_template: str | None = None,
    duration: float = 10.0,
    connections: int = 32,
    ids: Sequence[str] = (),
    slot: str = "{id}",
) -> LoadResult:
    """Load ``url`` from ``connections`` keep-alive connections for ``duration`` seconds.

    Args:
        headers: ``"Name: value"`` strings.
        body_template: request body; ``{n}`` in it becomes a per-connection counter.
        ids: ``slot`` in the URL becomes each of these in turn, across all connections.
        slot: the placeholder ``ids`` fill in: ``{id}``, or ``{page}`` for a page's query.
    """
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target or '/'} HTTP/1.1", f"Host: {host}:{port}"]
    lines += list(headers)
    if body_template is not None and not any(h.lower().startswith("content-type:") for h in headers):
        lines.append("Content-Type: application/json")
    head = "\r\n".join(lines) + "\r\n"
    result = LoadResult()
    started = time.monotonic()
    deadline = started + duration
    # One shared cycle: the connections run on one event loop, so concurrent requests take distinct ids.
    shared_ids = itertools.cycle(ids) if ids else None
    await asyncio.gather(*(
        _connection(host, port, head, body_template, shared_ids, deadline, result, i * 1_000_000, slot)
        for i in range(connections)
    ))
    result.elapsed = time.monotonic() - started
    return result


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry: run once and print the summary as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'; repeatable")
    parser.add_argument("--body-template", default=None)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--ids", default="", help="comma-separated values for {id} in the URL, in turn")
    parser.add_argument("--slot", default="{id}", help="the placeholder --ids fill in (default {id})")
    args = parser.parse_args(argv)
    try:
        import uvloop
    except ImportError:
        runner = asyncio.run
    else:
        runner = uvloop.run
    result = runner(run_load(
        args.url, method=args.method, headers=args.header, body_template=args.body_template,
        duration=args.duration, connections=args.connections,
        ids=[i for i in args.ids.split(",") if i], slot=args.slot,
    ))
    json.dump(result.summary(), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
