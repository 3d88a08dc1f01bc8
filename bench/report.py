"""Figures of ``make bench``: reading ``wrk``'s output, medians over rounds, targets, the table."""

from __future__ import annotations

import json
import os
import re
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from bench.scenarios import TARGETS, BenchConfig, BenchError, Target

__all__ = [
    "BASE",
    "Measurement",
    "format_table",
    "median_measurement",
    "parse_wrk_output",
    "verdicts",
    "write_results",
]

# The scenario every other one is shown against.
BASE: Final = "bare-select"


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
        """The figures as a JSON-ready dict."""
        return attrs.asdict(self)


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


def median_measurement(rounds: Sequence[Measurement]) -> Measurement:
    """Medians of the rates, latencies and CPU figures; sums of the counts."""
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
                       for k in sorted({k for m in rounds for k in m.socket_errors})},
        server_cpu_us_per_req=med([m.server_cpu_us_per_req for m in rounds]),
        db_cpu_us_per_req=med([m.db_cpu_us_per_req for m in rounds]),
        db_sessions_opened=sum(m.db_sessions_opened or 0 for m in rounds),
    )


def _ratio(results: Mapping[str, Measurement], scenario: str, baseline: str) -> float | None:
    got, base = results.get(scenario), results.get(baseline)
    return got.req_per_s / base.req_per_s if got and base and base.req_per_s else None


def _verdict(ratio: float | None, target: Target) -> str:
    return "FAILED" if ratio is None else ("PASS" if ratio >= target.ratio else "BELOW")


def verdicts(results: Mapping[str, Measurement], targets: Sequence[Target] = TARGETS) -> list[dict[str, Any]]:
    """Each target with the ratio reached and PASS, BELOW or FAILED (a scenario did not run)."""
    rows = []
    for target in targets:
        ratio = _ratio(results, target.scenario, target.baseline)
        rows.append({
            "scenario": target.scenario,
            "baseline": target.baseline,
            "target_ratio": target.ratio,
            "ratio": None if ratio is None else round(ratio, 3),
            "verdict": _verdict(ratio, target),
        })
    return rows


def format_table(results: Mapping[str, Measurement], failures: Mapping[str, str], config: BenchConfig) -> str:
    """The human-readable summary.

    "x bare SELECT" compares every scenario with the async bare-SELECT baseline; "target" and
    "got" compare it with its target's baseline (the bare SELECT, or another scenario named
    in the target column).
    """
    targets = {t.scenario: t for t in config.targets()}
    header = (f"{'scenario':<28}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'x bare SELECT':>15}{'target':>14}"
              f"{'got':>7}{'result':>9}{'srv CPU µs/req':>16}{'PG CPU µs/req':>15}{'new PG sessions':>17}")
    lines = [header, "-" * len(header)]
    for scenario in config.scenarios():
        title = scenario.label(config)
        m = results.get(scenario.name)
        target = targets.get(scenario.name)
        if m is None:
            lines.append(f"{title:<28}{'FAILED':>9}")
            continue
        ratio = _ratio(results, scenario.name, BASE)
        if target is None:
            goal, got, verdict = "-", "-", ("baseline" if scenario.name in (BASE, "hello") else "")
        else:
            reached = _ratio(results, target.scenario, target.baseline)
            goal = f">={target.ratio:.1f}x" + ("" if target.baseline == BASE else f" {target.baseline}")
            got = "-" if reached is None else f"{reached:.2f}x"
            verdict = "-" if reached is None else _verdict(reached, target)
        cpu = f"{m.server_cpu_us_per_req:.0f}" if m.server_cpu_us_per_req is not None else "-"
        db = f"{m.db_cpu_us_per_req:.0f}" if m.db_cpu_us_per_req is not None else "-"
        sessions = f"{m.db_sessions_opened:,}" if m.db_sessions_opened is not None else "-"
        lines.append(
            f"{title:<28}{m.req_per_s:>9,.0f}{m.p50_ms:>8.2f}{m.p99_ms:>8.2f}"
            f"{(f'{ratio:.2f}x' if ratio is not None else '-'):>15}{goal:>14}{got:>7}{verdict:>9}"
            f"{cpu:>16}{db:>15}{sessions:>17}"
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
