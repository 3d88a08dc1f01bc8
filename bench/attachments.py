"""The attachments scenario of ``make bench``: upload and download a 20 MB file against a plain file copy,
and the server's peak memory during the upload.

The baseline copies the same file on the same disk (``shutil.copyfile`` and an ``fsync``, then reads the copy
back), which is what the server's part of an upload and a download amount to; the ratio says what HTTP,
the guard, the type check, the digest and the database add. The server's resident memory (every process of
the app's group, from ``/proc``) is sampled every 5 ms during the upload: a server that held the body whole
would grow by 20 MB or more.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from bench.harness import Harness
from bench.scenarios import APP, USER, BenchError, say

__all__ = ["NAME", "SIZE", "describe", "measure", "resident_bytes"]

NAME: Final = "attachments"
SIZE: Final = 20 * 1024 * 1024
REPEAT: Final = 3
_CHUNK: Final = 256 * 1024


def resident_bytes(pids: Sequence[int]) -> int:
    """The resident memory of these processes together, from ``/proc/<pid>/status``."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError):
            continue
    return total


class _PeakSampler:
    def __init__(self, pids: Sequence[int]) -> None:
        self._pids = list(pids)
        self.before = resident_bytes(self._pids)
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, resident_bytes(self._pids))
            time.sleep(0.005)

    def __enter__(self) -> _PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, resident_bytes(self._pids))


def _file(folder: Path) -> Path:
    path = folder / "bench.pdf"
    with path.open("wb") as out:
        header = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        out.write(header)
        left = SIZE - len(header)
        while left > 0:
            block = os.urandom(min(left, 1 << 20))
            out.write(block)
            left -= len(block)
    return path


def _copy(source: Path, folder: Path) -> float:
    started = time.perf_counter()
    target = folder / "copy.pdf"
    shutil.copyfile(source, target)
    with target.open("rb+") as written:
        os.fsync(written.fileno())
    with target.open("rb") as back:
        while back.read(_CHUNK):
            pass
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            yield chunk


def _upload(port: int, headers: dict[str, str], path: Path, entity_id: str) -> tuple[float, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        started = time.perf_counter()
        connection.request(
            "POST", f"/api/v1/attachments?filename=bench.pdf&entity_id={entity_id}", body=_chunks(path),
            headers={**headers, "Content-Type": "application/pdf", "Content-Length": str(SIZE)},
        )
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    if response.status != 201:
        raise BenchError(f"POST /api/v1/attachments answered {response.status}: {body[:300]!r}")
    return elapsed, json.loads(body)


def _download(port: int, headers: dict[str, str], attachment_id: str) -> tuple[float, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    digest = hashlib.sha256()
    try:
        started = time.perf_counter()
        connection.request("GET", f"/api/v1/attachments/{attachment_id}/content", headers=headers)
        response = connection.getresponse()
        while chunk := response.read(_CHUNK):
            digest.update(chunk)
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    if response.status != 200:
        raise BenchError(f"GET .../content answered {response.status}")
    return elapsed, digest.hexdigest()


def measure(harness: Harness) -> dict[str, Any]:
    """Upload and download the file ``REPEAT`` times through the app; medians, with the copy's for the ratio."""
    port, headers = harness.ports[APP], harness.auth_headers(USER)
    pids = harness.services[APP].pids()
    with tempfile.TemporaryDirectory(prefix="conezia-bench-") as scratch:
        folder = Path(scratch)
        source = _file(folder)
        expected = hashlib.sha256(source.read_bytes()).hexdigest()
        copies, uploads, downloads, growths = [], [], [], []
        for attempt in range(REPEAT):
            say(f"attachments: copy, upload and download {SIZE // (1 << 20)} MB ({attempt + 1}/{REPEAT}) ...")
            copies.append(_copy(source, folder))
            with _PeakSampler(pids) as sampler:
                upload_s, stored = _upload(port, headers, source, harness.entity_id)
            uploads.append(upload_s)
            growths.append(sampler.peak - sampler.before)
            download_s, digest = _download(port, headers, stored["id"])
            if digest != expected or stored["sha256"] != expected:
                raise BenchError("the downloaded file differs from the uploaded one")
            downloads.append(download_s)
    copy, upload, download = statistics.median(copies), statistics.median(uploads), statistics.median(downloads)
    return {
        "size_bytes": SIZE,
        "copy_ms": round(copy * 1000, 1),
        "upload_ms": round(upload * 1000, 1),
        "download_ms": round(download * 1000, 1),
        "upload_and_download_vs_copy": round((upload + download) / copy, 2),
        "upload_mb_per_s": round(SIZE / upload / (1 << 20), 1),
        "download_mb_per_s": round(SIZE / download / (1 << 20), 1),
        "server_rss_before_mb": round(resident_bytes(pids) / (1 << 20), 1),
        "server_peak_rss_growth_mb": round(max(growths) / (1 << 20), 1),
    }


def describe(result: dict[str, Any]) -> str:
    """One paragraph for the bench's printout."""
    return (
        f"attachments, {result['size_bytes'] // (1 << 20)} MB: upload {result['upload_ms']:,} ms "
        f"({result['upload_mb_per_s']} MB/s), download {result['download_ms']:,} ms "
        f"({result['download_mb_per_s']} MB/s), both {result['upload_and_download_vs_copy']}x a plain file copy "
        f"({result['copy_ms']:,} ms); the server's memory grew by at most {result['server_peak_rss_growth_mb']} MB "
        f"during an upload (from {result['server_rss_before_mb']} MB)"
    )
