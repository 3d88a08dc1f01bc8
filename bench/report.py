"""Figures of ``make bench``: reading ``wrk``'s output, medians over rounds, targets, the table."""

from __future__ import annotations

import json
import os
import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from bench.scenarios import TARGETS, BenchConfig, BenchError, Target

__all__ = [
    "BASE",
    "Measurement",
    "RatioFn",
    "format_table",
    "median_measurement",
    "median_ratio",
    "parse_wrk_output",
    "verdicts",
    "write_results",
]

# The scenario every other one is shown against.
BASE: Final = "bare-select"

# ``ratio(scenario, baseline)``: how a run compares two scenarios (bench/paired.py); ``None``
# when it cannot (one of them did not run).
RatioFn = Callable[[str, str], "float | None"]


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


def median_ratio(results: Mapping[str, Measurement], scenario: str, baseline: str) -> float | None:
    """The ratio of two scenarios' (median) requests/s; ``None`` if either is missing."""
    got, base = results.get(scenario), results.get(baseline)
    return got.req_per_s / base.req_per_s if got and base and base.req_per_s else None


def _verdict(ratio: float | None, target: Target) -> str:
    return "FAILED" if ratio is None else ("PASS" if ratio >= target.ratio else "BELOW")


def _medians(results: Mapping[str, Measurement]) -> RatioFn:
    return lambda scenario, baseline: median_ratio(results, scenario, baseline)


def verdicts(
    results: Mapping[str, Measurement], targets: Sequence[Target] = TARGETS, ratio_of: RatioFn | None = None,
) -> list[dict[str, Any]]:
    """Each target with the ratio reached and PASS, BELOW or FAILED (a scenario did not run).

    ``ratio_of`` compares two scenarios; by default, their median requests/s.
    """
    ratio_of = ratio_of or _medians(results)
    rows = []
    for target in targets:
        ratio = ratio_of(target.scenario, target.baseline)
        rows.append({
            "scenario": target.scenario,
            "baseline": target.baseline,
            "target_ratio": target.ratio,
            "ratio": None if ratio is None else round(ratio, 3),
            "verdict": _verdict(ratio, target),
        })
    return rows


def format_table(
    results: Mapping[str, Measurement], failures: Mapping[str, str], config: BenchConfig,
    ratio_of: RatioFn | None = None,
) -> str:
    """The human-readable summary.

    "x bare SELECT" compares every scenario with the async bare-SELECT baseline; "target" and
    "got" compare it with its target's baseline (the bare SELECT, or another scenario named
    in the target column). ``ratio_of`` compares two scenarios; by default, their median
    requests/s.
    """
    ratio_of = ratio_of or _medians(results)
    targets = {t.scenario: t for t in config.targets()}
    rows: list[tuple[str, Measurement | None, str, str, str, str]] = []
    for scenario in config.scenarios():
        m = results.get(scenario.name)
        target = targets.get(scenario.name)
        ratio = ratio_of(scenario.name, BASE) if m is not None else None
        if target is None:
            goal, got, verdict = "-", "-", ("baseline" if scenario.name in (BASE, "hello") else "")
        else:
            reached = ratio_of(target.scenario, target.baseline)
            share = f"{target.ratio:.2f}".rstrip("0").rstrip(".")  # 0.85 stays 0.85, 0.80 shows as 0.8
            goal = f">={share}x" + ("" if target.baseline == BASE else f" {target.baseline}")
            got = "-" if reached is None else f"{reached:.2f}x"
            verdict = "-" if reached is None else _verdict(reached, target)
        rows.append((scenario.label(config), m, "-" if ratio is None else f"{ratio:.2f}x", goal, got, verdict))
    # Wide enough for the longest title and target (``>=0.8x create-no-log``), and never narrower than before.
    name_w = max([28, *(len(row[0]) + 2 for row in rows)])
    goal_w = max([14, *(len(row[3]) + 2 for row in rows)])
    header = (f"{'scenario':<{name_w}}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'x bare SELECT':>15}{'target':>{goal_w}}"
              f"{'got':>7}{'result':>9}{'srv CPU µs/req':>16}{'PG CPU µs/req':>15}{'new PG sessions':>17}")
    lines = [header, "-" * len(header)]
    for title, m, ratio_text, goal, got, verdict in rows:
        if m is None:
            lines.append(f"{title:<{name_w}}{'FAILED':>9}")
            continue
        cpu = f"{m.server_cpu_us_per_req:.0f}" if m.server_cpu_us_per_req is not None else "-"
        db = f"{m.db_cpu_us_per_req:.0f}" if m.db_cpu_us_per_req is not None else "-"
        sessions = f"{m.db_sessions_opened:,}" if m.db_sessions_opened is not None else "-"
        lines.append(
            f"{title:<{name_w}}{m.req_per_s:>9,.0f}{m.p50_ms:>8.2f}{m.p99_ms:>8.2f}"
            f"{ratio_text:>15}{goal:>{goal_w}}{got:>7}{verdict:>9}{cpu:>16}{db:>15}{sessions:>17}"
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
