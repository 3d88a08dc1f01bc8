"""Attachments through the real server (granian): a 60 MB upload is a 413 whether or not it announces its
length, and a large upload streams to disk without the server holding it in memory."""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.live_server import serving_process

pytestmark = pytest.mark.integration

PASSWORD = "Analytical-Engine-1"
MB = 1 << 20


def _group_rss(pgid: int) -> int:
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in Path(f"/proc/{entry.name}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


def _body(size: int) -> Iterator[bytes]:
    yield b"%PDF-1.7\n"
    left = size - 9
    block = os.urandom(MB)
    while left > 0:
        yield block[: min(left, MB)]
        left -= MB


def _post(base: str, token: str, query: str, size: int, *, announce: bool) -> tuple[int, dict[str, object]]:
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/pdf"}
    if announce:
        headers["Content-Length"] = str(size)
    try:
        connection.request("POST", f"/api/v1/attachments?{query}", body=_body(size), headers=headers,
                           encode_chunked=not announce)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    except (BrokenPipeError, ConnectionResetError):
        # the server may answer 413 and close before the whole body is sent
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


@pytest.fixture
def server(migrated_database_url: str, tmp_path: Path) -> Iterator[tuple[str, int, str, str, Path]]:
    with serving_process(migrated_database_url, tmp_path) as (base, process):
        email = f"live-{os.urandom(4).hex()}@example.com"
        httpx.post(f"{base}/api/v1/auth/register", json={"email": email, "password": PASSWORD}).raise_for_status()
        token = httpx.post(f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["token"]
        entity = httpx.post(f"{base}/api/v1/entities", json={"type": "person", "name": "Grace"},
                            headers={"Authorization": f"Bearer {token}"}).json()["id"]
        yield base, process.pid, token, entity, tmp_path / "attachments"


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "chunked"])
def test_a_60_mb_upload_is_refused_with_413_and_leaves_no_file(
    server: tuple[str, int, str, str, Path], announce: bool
) -> None:
    base, _, token, entity, folder = server

    status, problem = _post(base, token, f"filename=big.pdf&entity_id={entity}", 60 * MB, announce=announce)

    assert status == 413
    assert problem["status"] == 413
    assert _files(folder) == []


def test_a_40_mb_upload_streams_to_disk_without_the_server_holding_it(
    server: tuple[str, int, str, str, Path],
) -> None:
    base, pgid, token, entity, folder = server
    before = _group_rss(pgid)
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _group_rss(pgid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        status, stored = _post(base, token, f"filename=big.pdf&entity_id={entity}", 40 * MB, announce=True)
    finally:
        done.set()
        sampler.join()

    assert status == 201, stored
    assert stored["size_bytes"] == 40 * MB
    assert [path.stat().st_size for path in _files(folder)] == [40 * MB]
    # the body passes through in chunks: far less than the 40 MB it would take to hold it
    assert peak[0] - before < 16 * MB, f"the server grew by {(peak[0] - before) / MB:.1f} MB"


def test_a_client_that_goes_away_mid_upload_leaves_no_file_and_no_error_in_the_log(
    server: tuple[str, int, str, str, Path], tmp_path: Path
) -> None:
    base, _, token, entity, folder = server
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port)) as raw:
        raw.sendall(
            f"POST /api/v1/attachments?filename=f.pdf&entity_id={entity} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/pdf\r\nContent-Length: {8 * MB}\r\n\r\n"
            .encode() + b"%PDF-1.4\n" + b"\x00" * MB
        )
        time.sleep(0.5)
    deadline = time.monotonic() + 10
    while _files(folder) and time.monotonic() < deadline:
        time.sleep(0.1)

    assert _files(folder) == []
    assert httpx.get(f"{base}/health").status_code == 200
    log = (tmp_path / "server.log").read_text()
    assert "Traceback" not in log and "unhandled error" not in log, log
