"""The processes of ``make bench``: server subprocesses, their CPU time, a setup client, machine facts."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from bench.load import REPO_DIR
from bench.scenarios import BenchConfig, BenchError, say

__all__ = [
    "BIN_DIR",
    "Client",
    "Service",
    "app_argv",
    "cpu_ticks",
    "find_key",
    "free_port",
    "granian_argv",
    "hint_for_status",
    "machine_info",
    "pids_where",
    "server_env",
    "versions",
    "wait_until_serving",
]

BIN_DIR: Final = Path(sys.executable).parent
STARTUP_TIMEOUT: Final = 90.0
# High enough that the limiter never answers 429 in a run, while it still counts every request.
HIGH_RATE_LIMIT: Final = 1_000_000_000
RATE_LIMIT_TIERS: Final = ("free", "personal", "professional", "enterprise")


def _proc_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces and parentheses; the fields follow the last ')'.
    return raw[raw.rfind(")") + 2:].split()


def cpu_ticks(pids: Sequence[int]) -> int:
    """CPU clock ticks used so far by these processes and by their children already reaped."""
    total = 0
    for pid in pids:
        fields = _proc_stat(pid)
        if fields is not None:
            # utime, stime, cutime, cstime: the reaped children's share keeps the sum from
            # dropping when, say, PostgreSQL closes a backend in the middle of a measurement.
            total += sum(int(x) for x in fields[11:15])
    return total


def _all_pids() -> Iterator[int]:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            yield int(entry.name)


def pids_where(predicate: Callable[[list[str]], bool]) -> list[int]:
    found = []
    for pid in _all_pids():
        fields = _proc_stat(pid)
        if fields is not None and predicate(fields):
            found.append(pid)
    return found


class Service:
    """A server subprocess in its own session (process group), logging to a file."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], log_path: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            # A session of its own: Ctrl-C in the terminal reaches only us, and we stop the
            # whole group (granian's workers included) ourselves.
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=REPO_DIR, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:]) or "    (log is empty)"

    def pids(self) -> list[int]:
        if self.proc is None:
            return []
        pgid = self.proc.pid
        return pids_where(lambda fields: int(fields[2]) == pgid)

    def stop(self, timeout: float = 8.0) -> None:
        """SIGTERM the whole group (repeatedly), SIGKILL what is left after ``timeout`` seconds."""
        proc = self.proc
        if proc is None:
            return
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            # Granian misses a SIGTERM that arrives while it is still starting, so repeat it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=1.0)
        if proc.poll() is None:
            say(f"{self.name} did not stop within {timeout:.0f} s; killing it")
        # Workers may outlive granian's main process; the group id is still ours.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Client:
    """A keep-alive JSON client for setting up (not for measuring)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self, method: str, path: str, body: object = None, headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any, str]:
        """Status, parsed JSON (``None`` if not JSON) and text of the response."""
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        sent = dict(headers or {})
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=sent)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server may close an idle keep-alive connection; one fresh try is enough.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        text = raw.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text) if text else None
        except json.JSONDecodeError:
            parsed = None
        return response.status, parsed, text

    def close(self) -> None:
        self.conn.close()


def wait_until_serving(service: Service, port: int, path: str, timeout: float = STARTUP_TIMEOUT) -> None:
    """Poll ``GET path`` until it answers 200; fail early if the server exits."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        code = service.exit_code()
        if code is not None:
            raise BenchError(
                f"{service.name} exited (code {code}) before answering GET {path}",
                _hint_for_exit(service),
                f"its log ({service.log_path}) ends with:\n{service.tail()}",
            )
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return
            last = f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            last = type(exc).__name__
        time.sleep(0.2)
    raise BenchError(
        f"{service.name} did not answer GET {path} with 200 within {timeout:.0f} s (last: {last})",
        _hint_for_exit(service),
        f"its log ({service.log_path}) ends with:\n{service.tail()}",
    )


def _hint_for_exit(service: Service) -> str:
    try:
        log = service.log_path.read_text(errors="replace")
    except OSError:
        log = ""
    if "conezia.adapters.http" in log and "Error" in log:
        return ("the HTTP adapter (adapters/http) cannot be imported or built yet; re-run `make bench` once "
                "`.venv/bin/python -c 'import conezia.adapters.http as h; h.make_app'` works")
    if "address already in use" in log.lower():
        return "another process took the port between choosing and binding it; just run `make bench` again"
    return (f"read the full log {service.log_path}; `make run` starts the same server by hand, "
            f"and this one was started as: {' '.join(service.argv)}")


# ---------------------------------------------------------------------------------------------
# Facts and hints


def versions() -> dict[str, str]:
    """Versions of the packages that shape the figures."""
    found = {}
    for dist in ("granian", "litestar", "uvloop", "psycopg", "psycopg-pool", "sqlalchemy", "msgspec"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[dist] = metadata.version(dist)
    return found


def machine_info() -> dict[str, Any]:
    """CPU, memory and software facts recorded next to the figures."""
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    mem_gib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "mem_gib": mem_gib,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "hostname": platform.node(),
        "packages": versions(),
    }



def find_key(data: Any, key: str) -> Any:
    """``data[key]``, or ``data["data"][key]`` for an enveloped response."""
    if isinstance(data, dict):
        if key in data:
            return data[key]
        inner = data.get("data")
        if isinstance(inner, dict) and key in inner:
            return inner[key]
    return None


def hint_for_status(status: int) -> str:
    return {
        401: "the API refused the bearer token (sent as 'Authorization: Bearer <token>'); "
             "check how adapters/http expects it and what /api/v1/auth/login returns",
        404: "the route is not served: is the HTTP adapter (adapters/http) serving the agreed /api/v1 routes?",
        405: "the route exists but not for this method: check the agreed contract in adapters/http",
        422: "the API rejected the request body: compare it with the entity validation in core/",
        400: "the API rejected the request: compare it with the agreed contract",
        429: "the rate limiter answered: are CONEZIA_RATE_LIMIT_<TIER> settings honoured by adapters/http?",
    }.get(status, "look at the server log in bench/results/logs/ for the exception")


def server_env(config: BenchConfig, tmp: Path, db_url: str) -> dict[str, str]:
    """The environment of every bench server: the run's database, a fresh key file, no rate limit in effect."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANIAN_")}
    # A fresh key file for a throwaway database; inline keys and debug mode would change what runs.
    for name in ("CONEZIA_KEYS", "CONEZIA_DEBUG"):
        env.pop(name, None)
    env.update({
        "CONEZIA_DATABASE_URL": db_url,
        "CONEZIA_DATA_DIR": str(tmp / "data"),
        "CONEZIA_KEY_FILE": str(tmp / "keys.json"),
        "CONEZIA_HOST": "127.0.0.1",
        "CONEZIA_WORKERS": str(config.workers),
        "CONEZIA_POOL_SIZE": str(config.pool_size),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH")])),
    })
    # Only register/login hash passwords, and neither is measured: cheap hashes make setup quick.
    env.setdefault("CONEZIA_PASSWORD_PROFILE", "test")
    for tier in RATE_LIMIT_TIERS:
        env[f"CONEZIA_RATE_LIMIT_{tier.upper()}"] = str(HIGH_RATE_LIMIT)
    return env


def granian_argv(config: BenchConfig, target: str, port: int) -> list[str]:
    """granian serving the factory ``target`` on ``port`` (ASGI, uvloop, the configured workers)."""
    granian = BIN_DIR / "granian"
    head = [str(granian)] if granian.exists() else [sys.executable, "-m", "granian"]
    return [
        *head, "--interface", "asgi", "--loop", "uvloop", "--workers", str(config.workers),
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--factory", target,
    ]


def app_argv(config: BenchConfig, port: int) -> tuple[list[str], str]:
    """The app server's command line and what to call it: ``conezia serve``, or BENCH_SERVER_FACTORY."""
    if config.server_factory:
        return (granian_argv(config, config.server_factory, port),
                f"granian {config.server_factory} (BENCH_SERVER_FACTORY)")
    script = BIN_DIR / "conezia"
    argv = [str(script), "serve"] if script.exists() else [sys.executable, "-m", "conezia.cli", "serve"]
    return argv, "conezia serve"
