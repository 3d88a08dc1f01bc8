"""The rounds of ``make bench``: every scenario in turn, each with its paired bare SELECT (bench/paired.py)."""

from __future__ import annotations

import contextlib
import http.client
from typing import Final

import attrs

from bench.harness import Harness
from bench.load import WRK_TIMEOUT, LoadGenerator
from bench.paired import NEVER_PAIRED, Sample, needs_paired_baseline
from bench.report import BASE, Measurement
from bench.scenarios import SCENARIOS, BenchError, Scenario, say

__all__ = ["check_clean", "run_scenarios"]

BARE_SELECT: Final = next(s for s in SCENARIOS if s.name == BASE)


def check_clean(measurement: Measurement, scenario: Scenario, phase: str) -> None:
    """Raise :class:`BenchError` if any response was not 2xx/3xx, or a socket failed."""
    if measurement.non_2xx:
        raise BenchError(
            f"{scenario.name}: {measurement.non_2xx} of {measurement.requests} responses in the {phase} "
            "were not 2xx/3xx, so its figures mean nothing",
            "look at the server log in bench/results/logs/ (and the raw output "
            f"{measurement.raw_log}); a 429 means the rate limit settings were not applied",
        )
    if measurement.socket_errors:
        raise BenchError(
            f"{scenario.name}: socket errors in the {phase}: {measurement.socket_errors}",
            f"the server dropped connections or answered slower than {WRK_TIMEOUT}; see bench/results/logs/",
        )


@attrs.define
class _Pairing:
    """What one round knows about its bare SELECTs, to pair each scenario with the one just before it."""

    harness: Harness
    loadgen: LoadGenerator
    round_no: int
    # The scenario measured last in the round (None at its start, or when the last one failed)
    # and, if it was the bare SELECT, its requests/s.
    previous: str | None = None
    last_base: float | None = None
    warm: bool = False
    # An unpaired sample (hello) that takes the bare SELECT measured right after it.
    waiting: Sample | None = None
    # The paired sample measured last, whose bracket the next bare SELECT closes (its ``after``).
    open: Sample | None = None

    def baseline_for(self, scenario: Scenario) -> tuple[float | None, str | None]:
        """The req/s of the bare SELECT just before ``scenario`` (measured now if need be), or why not."""
        if scenario.name in NEVER_PAIRED:
            return None, None
        if not needs_paired_baseline(scenario.name, self.previous):  # the bare SELECT was just measured
            return self.last_base, None
        config = self.harness.config
        try:
            if not self.warm:
                self.harness.preflight(BARE_SELECT)
                if config.warmup:
                    say(f"    warming up the bare SELECT {config.warmup} s (once this round) ...")
                    check_clean(self.harness.measure(self.loadgen, BARE_SELECT, config.warmup, "warmup-paired"),
                                BARE_SELECT, "warm-up")
                self.warm = True
            rate = self._paired("paired bare SELECT", f"paired-{scenario.name}-r{self.round_no}")
        except BenchError as exc:
            say(f"    paired bare SELECT FAILED ({str(exc).splitlines()[0]}); this round of {scenario.name} "
                "has no ratio")
            self.waiting = None
            return None, str(exc)
        return rate, None

    def _paired(self, what: str, log_name: str) -> float:
        """Measure a paired bare SELECT (``what`` in the log), and give its req/s to what awaits it.

        Raises:
            BenchError: it failed (socket errors, a non-2xx answer).
        """
        seconds = self.harness.config.pair_seconds
        measured = self.harness.measure(self.loadgen, BARE_SELECT, seconds, log_name)
        check_clean(measured, BARE_SELECT, "paired measurement")
        say(f"    {what}: {measured.req_per_s:,.0f} req/s ({seconds} s)")
        self._bare_select_measured(measured.req_per_s)
        return measured.req_per_s

    def _bare_select_measured(self, req_per_s: float) -> None:
        if self.waiting is not None:
            self.waiting.baseline = req_per_s
        if self.open is not None:
            self.open.after = req_per_s
        self.waiting = self.open = None

    def measured(self, scenario: Scenario, sample: Sample | None) -> None:
        """Note what was just measured (``None``: the scenario failed)."""
        if sample is not None and scenario.name == BASE:
            self._bare_select_measured(sample.measurement.req_per_s)
            self.last_base, self.warm = sample.measurement.req_per_s, True
        self.waiting = sample if sample is not None and scenario.name in NEVER_PAIRED and scenario.name != BASE else None
        # a failed scenario ran between: the next bare SELECT is not just after the one before it
        self.open = sample if sample is not None and sample.baseline else None
        self.previous = None if sample is None else scenario.name

    def close(self) -> None:
        """At the round's end, the bare SELECT just after its last scenario, which closes that one's bracket."""
        if self.open is None:
            return
        try:
            self._paired("closing bare SELECT", f"paired-after-{self.previous}-r{self.round_no}")
        except BenchError as exc:
            say(f"    closing bare SELECT FAILED ({str(exc).splitlines()[0]}); the last scenario is paired with the "
                "one before it alone")
            self.open = None


def run_scenarios(
    harness: Harness, loadgen: LoadGenerator, samples: dict[str, list[Sample]], failures: dict[str, str],
) -> None:
    """Every scenario, sequentially, ``config.rounds`` times; with ``config.paired``, each after a bare SELECT.

    Fills ``samples`` (each round's figures by scenario) and ``failures`` (why, by scenario) as
    it goes, so an interrupted run still reports what it measured. A failed paired bare SELECT
    is not a failure of the run: that round of the scenario just has no ratio.
    """
    config = harness.config
    scenarios = config.scenarios()
    total = len(scenarios)
    for round_no in range(1, config.rounds + 1):
        if round_no > 1:
            say("restoring the data the write scenarios changed ...")
            harness.restore_data()
        pairing = _Pairing(harness, loadgen, round_no)
        for index, scenario in enumerate(scenarios, 1):
            if scenario.name in failures:
                continue
            tag = f"[{index}/{total}]" + (f" round {round_no}/{config.rounds}" if config.rounds > 1 else "")
            port, path, _ = harness.target(scenario)
            turns = {"{id}": "entities", "{page}": "pages"}.get(scenario.slot or "", "")
            say(f"{tag} {scenario.label(config)}: {scenario.method} http://127.0.0.1:{port}{path}"
                + (f" ({scenario.slot}: each of {len(harness.ids_for(scenario))} {turns} in turn)"
                   if scenario.rotates else ""))
            try:
                harness.preflight(scenario)
                if config.warmup:
                    say(f"    warming up {config.warmup} s ...")
                    warm = harness.measure(loadgen, scenario, config.warmup, f"warmup-{scenario.name}")
                    check_clean(warm, scenario, "warm-up")
                # After the warm-up, so that nothing but the bare SELECT runs between the two.
                baseline, error = pairing.baseline_for(scenario) if config.paired else (None, None)
                say(f"    measuring {config.duration} s with {config.connections} connections ...")
                measured = harness.measure(loadgen, scenario, config.duration, f"{scenario.name}-r{round_no}")
                check_clean(measured, scenario, "measurement")
            except BenchError as exc:
                if "were not 2xx" in str(exc):
                    with contextlib.suppress(OSError, http.client.HTTPException):
                        status, text = harness.probe(scenario)
                        exc.hint += f"; one more request now answers {status}: {text}"
                failures[scenario.name] = str(exc) + (f"\n    next: {exc.hint}" if exc.hint else "")
                say(f"    FAILED: {failures[scenario.name]}")
                pairing.measured(scenario, None)
                continue
            sample = Sample(round_no, measured, baseline, error)
            samples.setdefault(scenario.name, []).append(sample)
            pairing.measured(scenario, sample)
            say(
                f"    {measured.req_per_s:,.0f} req/s, p50 {measured.p50_ms:.2f} ms, p99 {measured.p99_ms:.2f} ms"
                + (f", server CPU {measured.server_cpu_us_per_req:.0f} µs/req"
                   f", PostgreSQL CPU {measured.db_cpu_us_per_req:.0f} µs/req"
                   if measured.server_cpu_us_per_req is not None and measured.db_cpu_us_per_req is not None else "")
                + (f", {measured.db_sessions_opened:,} new database sessions" if measured.db_sessions_opened else "")
                + (f"; {measured.req_per_s / baseline:.2f}x the paired bare SELECT before it" if baseline else "")
            )
        if config.paired:
            pairing.close()
