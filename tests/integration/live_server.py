"""``conezia serve`` as a real process on a free port of 127.0.0.1, for tests that need the real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from conezia.keys import create_key_file

__all__ = ["serving", "serving_process"]

PATIENCE_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(database_url: str, folder: Path, **env: str) -> Iterator[str]:
    """The base URL of a running server over ``database_url``, stopped on leaving.

    The test database's role is a superuser: the server is told that this is allowed
    (least privilege has its own tests). ``env`` adds or overrides ``CONEZIA_*`` settings.
    """
    with serving_process(database_url, folder, **env) as (base, _):
        yield base


@contextmanager
def serving_process(database_url: str, folder: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`serving`, with the server's process (its group holds granian's workers)."""
    key_file = folder / "keys.json"
    create_key_file(key_file)
    port = _free_port()
    settings = {
        **os.environ, "CONEZIA_DATABASE_URL": database_url, "CONEZIA_KEY_FILE": str(key_file),
        "CONEZIA_DATA_DIR": str(folder), "CONEZIA_HOST": "127.0.0.1", "CONEZIA_PORT": str(port),
        "CONEZIA_PASSWORD_PROFILE": "test", "CONEZIA_ALLOW_SUPERUSER": "true", **env,
    }
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "conezia.cli", "serve"], env=settings, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + PATIENCE_SECONDS
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start:\n" + log_path.read_text()
                time.sleep(0.1)
            yield base, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
