"""``make bench``: the real server against two baselines, in one run, on this machine.

Starts an embedded PostgreSQL in a temporary folder, migrates it, serves the real app with
``conezia serve`` (granian, ASGI, uvloop) twice (as configured, and with the session cache
off) and the baselines of :mod:`bench.baseline_app` the same way, then loads each scenario of
:mod:`bench.scenarios` in turn with ``wrk`` and prints requests/s, p50 and p99 latency, and
the ratio of each API scenario to the bare-SELECT baseline, with its target. By default each
ratio is paired (:mod:`bench.paired`): every scenario is measured right after a bare SELECT of
its own, and the ratios are taken round by round to it, so the machine's drift between
scenarios cancels out.

Targets are informational: the exit code is 0 whether they are met or not. It is 1 when the
run itself failed (a server did not start, or a scenario answered anything but 2xx), 130 when
interrupted. Everything started is stopped in every case.

Environment:
    BENCH_DURATION     seconds measured per scenario (default 10)
    BENCH_CONNECTIONS  concurrent keep-alive connections (default 32)
    BENCH_WORKERS      granian workers for every server (default 1)
    BENCH_THREADS      wrk threads (default 1)
    BENCH_WARMUP       seconds of warm-up per scenario, not measured (default 1)
    BENCH_ROUNDS       repeat every scenario this often and report medians (default 1)
    BENCH_PAIRED       1 (default): a bare SELECT just before each scenario (and one to end the round),
                       ratios to the mean of those before and after, round by round; 0: the bare SELECT
                       once per round, ratios of the medians
    BENCH_PAIR_DURATION  seconds of each paired bare SELECT (default half of BENCH_DURATION, at least 1)
    BENCH_ENTITIES     entities created through the API for the benchmark user (default 200)
    BENCH_BIG_ENTITIES entities copied into the table for the big owner (default 50000)
    BENCH_POOL_SIZE    database pool size for every server (default 10)
    BENCH_ONLY         run only these scenarios (comma-separated names, e.g. ``list,list-big``)
                       and the baselines their targets need
    BENCH_LOADGEN      ``wrk`` (default; installed with apt-get if missing) or ``python``
                       (the built-in :mod:`bench.loadgen`)
    BENCH_SERVER_FACTORY  serve this granian factory (``module:function``) instead of
                       ``conezia serve``, with the same settings; for trying the harness out
    BENCH_DUE_REMINDERS   0 skips the in-process due-reminders measurement (:mod:`bench.due_reminders`,
                       pseudo-scenario ``due-reminders`` in BENCH_ONLY); BENCH_DUE_USERS,
                       BENCH_DUE_COUNT, BENCH_DUE_REPEATS size it (1000, 100000, 3)

Results: ``bench/results/latest.json``; server logs and raw load-generator output in
``bench/results/logs/``.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import traceback
from collections.abc import Sequence
from types import FrameType
from typing import Any, Final

import attrs

from bench import attachments as bench_attachments
from bench import due_reminders
from bench.harness import Harness
from bench.load import REPO_DIR, choose_load_generator
from bench.paired import MEDIANS, PAIRED, Sample, describe, pairing_plan, ratio_function, rounds_json, with_round_ratios
from bench.processes import machine_info, versions
from bench.report import (
    Measurement,
    format_table,
    median_measurement,
    parse_wrk_output,
    verdicts,
    write_results,
)
from bench.rounds import run_scenarios
from bench.scenarios import SCENARIOS, TARGETS, BenchConfig, BenchError, Scenario, Target, say

__all__ = [
    "SCENARIOS",
    "TARGETS",
    "BenchConfig",
    "BenchError",
    "Measurement",
    "Scenario",
    "Target",
    "main",
    "parse_wrk_output",
    "run_scenarios",
]

RESULTS_DIR: Final = REPO_DIR / "bench" / "results"


def _run_due_reminders(
    harness: Harness, config: due_reminders.DueConfig, failures: dict[str, str],
) -> due_reminders.DueResult | None:
    """The in-process due-reminders measurement on the run's PostgreSQL; a failure is reported, not raised."""
    say("due reminders: the core's due_notifications against the bare SQL it runs (bench/due_reminders.py) ...")
    try:
        return due_reminders.run_due_reminders(harness.postgres.server_url, config)
    except BenchError as exc:
        failures[due_reminders.NAME] = str(exc) + (f"\n    next: {exc.hint}" if exc.hint else "")
    except Exception as exc:  # report it with the HTTP figures instead of losing them
        traceback.print_exc()
        failures[due_reminders.NAME] = f"{type(exc).__name__}: {exc}"
    say(f"    FAILED: {failures[due_reminders.NAME]}")
    return None


def _pairing_note(config: BenchConfig) -> str:
    """What the pairing costs, said before the run."""
    if not config.paired:
        return "ratios: of the medians over rounds (BENCH_PAIRED=0), the bare SELECT measured once per round"
    plan = pairing_plan([s.name for s in config.scenarios()])
    extra = (len(plan) + 1) * config.pair_seconds if plan else 0  # one more closes the round's last bracket
    return (f"ratios: paired, a {config.pair_seconds} s bare SELECT just before each of {len(plan)} scenario(s) "
            f"and one at the end, each scenario over the mean of those before and after it, in every round "
            f"(about +{extra} s per round; BENCH_PAIRED=0 skips them)")


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit code (0 even when targets are missed)."""
    if argv:
        print(__doc__)
        return 0 if argv[0] in ("-h", "--help") else 2
    started = dt.datetime.now(dt.timezone.utc)
    status = "failed"
    samples: dict[str, list[Sample]] = {}
    failures: dict[str, str] = {}
    loadgen_label = ""
    attachment_result: dict[str, Any] | None = None
    harness: Harness | None = None
    config: BenchConfig | None = None
    due: due_reminders.DueResult | None = None
    previous_term = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        config = BenchConfig.from_env()
        harness = Harness(config)
        say(f"config: {config.duration} s per scenario, {config.connections} connections, "
            f"{config.workers} worker(s), {config.rounds} round(s), warm-up {config.warmup} s")
        due_config = due_reminders.DueConfig.from_env()
        if config.scenarios():
            say(_pairing_note(config))
            say("checking the load generator ...")
            loadgen = choose_load_generator(config)
            loadgen_label = loadgen.label
            say(f"load generator: {loadgen_label}")
        harness.start_database()
        if config.scenarios() or config.attachments:
            harness.start_servers()
            harness.create_data()
        if config.scenarios():
            run_scenarios(harness, loadgen, samples, failures)
        if config.attachments:
            try:
                attachment_result = bench_attachments.measure(harness)
            except BenchError as exc:
                failures[bench_attachments.NAME] = str(exc)
        if due_config.wanted(config.only):
            due = _run_due_reminders(harness, due_config, failures)
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
    except Exception as exc:  # report, tear down, then exit non-zero
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

    results = {
        name: median_measurement([s.measurement for s in ms]) for name, ms in samples.items()
        if ms and name not in failures
    }
    config = harness.config if harness is not None else None
    method = PAIRED if config is None or config.paired else MEDIANS
    ratio_of = ratio_function(method, samples, results)
    targets = verdicts(results, config.targets() if config else TARGETS, ratio_of)
    payload: dict[str, Any] = {
        "status": status,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "server": {
            "app": (f"granian {config.server_factory}" if config and config.server_factory else "conezia serve")
                   + " (granian, ASGI, uvloop)",
            "app_no_session_cache": "the same with CONEZIA_SESSION_CACHE_SECONDS=0",
            "app_no_activity_log": "the same with CONEZIA_ACTIVITY_LOG=false (only to measure the log's cost)",
            "baseline": "granian bench.baseline_app:create_app (ASGI, uvloop)",
            "granian": versions().get("granian"),
            "postgres": harness.postgres_version if harness else "",
        },
        "config": attrs.asdict(config) if config else None,
        "load_generator": loadgen_label,
        "ratios": method,
        "scenarios": {
            s.name: {"title": s.label(config) if config else s.title, "method": s.method, "path": s.path,
                     "server": s.server, "user": s.user, "body": s.body,
                     **(results[s.name].as_json() if s.name in results else {"failed": failures.get(s.name)}),
                     **rounds_json(s.name, samples.get(s.name, []), method)}
            for s in (config.scenarios() if config else SCENARIOS)
        },
        "targets": with_round_ratios(targets, samples) if method == PAIRED else targets,
        due_reminders.NAME: (
            due.as_json() if due else {"failed": failures[due_reminders.NAME]} if due_reminders.NAME in failures
            else {"skipped": "BENCH_DUE_REMINDERS=0, or BENCH_ONLY without due-reminders, or the run stopped first"}
        ),
        "failures": failures,
        "attachments": attachment_result,
    }
    out = RESULTS_DIR / "latest.json"
    write_results(out, payload)

    if results:
        print(flush=True)
        print(f"Conezia benchmark — {loadgen_label}; {config.connections if config else '?'} connections, "
              f"{config.duration if config else '?'} s per scenario, {config.workers if config else '?'} worker(s), "
              f"{payload['machine']['nproc']} CPUs, {payload['machine']['python']}, granian "
              f"{payload['server']['granian']}, PostgreSQL {payload['server']['postgres']}")
        print(format_table(results, failures, config or BenchConfig(), ratio_of))
        print("CPU columns: CPU time per request of the server's processes and of PostgreSQL's (from /proc);"
              " new PG sessions: connections opened during the measurement (pool churn shows here).")
        print(describe(method, config.pair_seconds if config else 0))
        print("Update and archive send each request to the next of the user's entities in turn, so concurrent writes"
              " do not queue\non one row's lock.")
        print("Targets are informational (compare only figures from one run; the machines are noisy).")
    if due is not None:
        print(flush=True)
        print(due_reminders.format_due(due))
    if attachment_result is not None:
        print(flush=True)
        print(bench_attachments.describe(attachment_result))
    say(f"results written to {out.relative_to(REPO_DIR)}")
    if status == "interrupted":
        return 130
    if failures:
        say("the run FAILED: " + "; ".join(f"{k}: {v.splitlines()[0]}" for k, v in failures.items()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
