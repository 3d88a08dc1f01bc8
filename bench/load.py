"""The load generators of ``make bench``: ``wrk`` (installed with apt-get if missing) or :mod:`bench.loadgen`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Protocol
from urllib.parse import urlsplit

from bench.report import Measurement, parse_wrk_output
from bench.scenarios import BenchConfig, BenchError, say

__all__ = [
    "LOG_DIR", "REPO_DIR", "REQUEST_SCRIPT", "WRK_TIMEOUT", "LoadGenerator", "choose_load_generator", "join_values",
]

BENCH_DIR: Final = Path(__file__).resolve().parent
REPO_DIR: Final = BENCH_DIR.parent
LOG_DIR: Final = BENCH_DIR / "results" / "logs"
REQUEST_SCRIPT: Final = BENCH_DIR / "wrk" / "request.lua"
WRK_TIMEOUT: Final = "10s"


class LoadGenerator(Protocol):
    """Loads one URL for a while and reports what it measured."""

    label: str

    def run(
        self, url: str, *, method: str, headers: Sequence[str], body: str | None, ids: Sequence[str],
        duration: int, config: BenchConfig, log_name: str, slot: str = "{id}",
    ) -> Measurement:
        """Load ``url`` (``slot``, ``{id}`` by default, in it taking each of ``ids`` in turn; ``{n}`` in
        ``body`` a counter). No value of ``ids`` may hold a comma: they travel comma-separated."""
        ...


def _apt_install_wrk() -> bool:
    apt = shutil.which("apt-get")
    if apt is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        say("wrk is not installed, and apt-get cannot be used here (not Debian, or not root)")
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def apt_run(*args: str) -> bool:
        try:
            done = subprocess.run([apt, *args], env=env, capture_output=True, text=True, timeout=600, check=False)
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
    """``wrk -t1 -c32 -d10s --latency``; anything but a plain GET through ``bench/wrk/request.lua``."""

    def __init__(self, path: str) -> None:
        self.path = path
        probe = subprocess.run([path, "-v"], capture_output=True, text=True, check=False)
        first = (probe.stdout or probe.stderr).strip().splitlines()
        self.label = first[0].split(" Copyright")[0].strip() if first else "wrk"

    def run(
        self, url: str, *, method: str, headers: Sequence[str], body: str | None, ids: Sequence[str],
        duration: int, config: BenchConfig, log_name: str, slot: str = "{id}",
    ) -> Measurement:
        """One ``wrk`` run; its raw output is kept in ``bench/results/logs/<log_name>.txt``."""
        argv = [
            self.path, f"-t{config.threads}", f"-c{config.connections}", f"-d{duration}s",
            "--latency", "--timeout", WRK_TIMEOUT,
        ]
        for header in headers:
            argv += ["-H", header]
        env = dict(os.environ)
        if body is not None or method != "GET" or slot in url:
            parts = urlsplit(url)
            argv += ["-s", str(REQUEST_SCRIPT)]
            env.update({
                "BENCH_METHOD": method,
                "BENCH_BODY": body or "",
                "BENCH_PATH": parts.path + (f"?{parts.query}" if parts.query else ""),
                "BENCH_SLOT": slot,
                "BENCH_IDS": join_values(ids),
                "BENCH_THREADS": str(config.threads),
            })
            if ids:
                # wrk parses the URL itself; the script sends the real paths.
                url = url.replace(slot, ids[0])
        argv.append(url)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=duration + 60, check=False)
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
        self, url: str, *, method: str, headers: Sequence[str], body: str | None, ids: Sequence[str],
        duration: int, config: BenchConfig, log_name: str, slot: str = "{id}",
    ) -> Measurement:
        """One :mod:`bench.loadgen` run; its output is kept in ``bench/results/logs/<log_name>.txt``."""
        argv = [
            sys.executable, "-m", "bench.loadgen", "--url", url, "--method", method,
            "--duration", str(duration), "--connections", str(config.connections),
        ]
        for header in headers:
            argv += ["--header", header]
        if body is not None:
            argv += ["--body-template", body]
        if ids:
            argv += ["--ids", join_values(ids), "--slot", slot]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO_DIR, timeout=duration + 60, check=False)
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


def join_values(values: Sequence[str]) -> str:
    """The values of a rotating placeholder as the load generators take them: comma-separated.

    Raises:
        BenchError: a value holds a comma, which would split it in two.
    """
    bad = [value for value in values if "," in value]
    if bad:
        raise BenchError(f"a rotating value holds a comma: {bad[0]!r}", "percent-encode it (a page's cursor is)")
    return ",".join(values)


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
