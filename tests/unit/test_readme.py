"""The README's examples run as written: every Python block, and the curl tour against a real server."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conezia.keys import create_key_file

README = Path(__file__).resolve().parents[2] / "README.md"
TOUR_API = "API=http://127.0.0.1:8000/api/v1"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.S)


def curl_tour() -> str:
    (tour,) = [block for block in blocks("sh") if TOUR_API in block]
    return tour


def test_the_readme_has_a_synchronous_and_an_async_embedding_example() -> None:
    assert any("conezia.open(" in block for block in blocks("python"))
    assert any("conezia.open_async(" in block for block in blocks("python"))


@pytest.mark.parametrize("block", blocks("python"))
def test_each_python_example_in_the_readme_runs_as_written(
    block: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONEZIA_PASSWORD_PROFILE", "test")  # argon2's cheap profile; nothing else changes
    exec(compile(block, "README.md", "exec"), {"__name__": "readme_example"})
    assert "Grace Hopper" in capsys.readouterr().out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``conezia serve`` over the in-memory store on a free port; yields the API's base URL."""
    create_key_file(tmp_path / "keys.json")
    port = free_port()
    env = {
        **os.environ, "CONEZIA_DATABASE_URL": "memory", "CONEZIA_DATA_DIR": str(tmp_path),
        "CONEZIA_PORT": str(port), "CONEZIA_PASSWORD_PROFILE": "test",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "conezia.cli", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{root}/health"):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _, errors = process.communicate(timeout=30)
                raise RuntimeError(f"the server did not start: {errors.decode()}")
            time.sleep(0.1)
        yield f"{root}/api/v1"
    finally:
        if process.poll() is None:
            process.terminate()
            process.communicate(timeout=30)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.mark.skipif(shutil.which("curl") is None, reason="the tour needs curl")
def test_the_curl_tour_in_the_readme_runs_against_a_real_server(server: str) -> None:
    script = curl_tour().replace(TOUR_API, f"API={server}")
    venv_bin = str(Path(sys.executable).parent)  # the tour's python3 reads JSON; any python3 would do
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert result.returncode == 0, result.stderr
    answers = json_documents(result.stdout)
    assert not [a for a in answers if "status" in a and "title" in a], answers  # no problem+json
    navy_people = answers[-1]
    assert [e["name"] for e in navy_people["data"]] == ["Grace Hopper"]


def json_documents(text: str) -> list[dict[str, object]]:
    """The JSON documents curl printed one after another."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        document, at = decoder.raw_decode(text, at)
        found.append(document)
    return found
