"""Paired baselines of ``make bench``: ratios that survive a drifting machine, and the rounds that measure them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import attrs
import pytest

from bench.harness import Harness
from bench.load import LoadGenerator
from bench.paired import (
    MEDIANS,
    PAIRED,
    Sample,
    describe,
    needs_paired_baseline,
    normalized,
    paired_ratio,
    pairing_plan,
    ratio_function,
    round_ratios,
    rounds_json,
    with_round_ratios,
)
from bench.report import Measurement, format_table, median_measurement, median_ratio, verdicts
from bench.rounds import run_scenarios
from bench.scenarios import BenchConfig, BenchError, Scenario

__all__: list[str] = []


def _m(rate: float) -> Measurement:
    return Measurement(req_per_s=rate, p50_ms=1.0, p99_ms=2.0, requests=100)


def _samples(**rounds: Sequence[tuple[float, float | None]]) -> dict[str, list[Sample]]:
    """``name=[(req/s, paired bare SELECT req/s), ...]``, one pair per round."""
    return {
        name.replace("_", "-"): [Sample(i, _m(rate), base) for i, (rate, base) in enumerate(figures, 1)]
        for name, figures in rounds.items()
    }


def _medians(samples: dict[str, list[Sample]]) -> dict[str, Measurement]:
    return {name: median_measurement([s.measurement for s in ms]) for name, ms in samples.items()}


def test_a_drifting_machine_gives_the_same_paired_ratio_in_every_round_but_not_the_same_ratio_of_medians() -> None:
    # Round 2: the machine halves its speed after the round's first bare SELECT; the paired one
    # and the scenario measured after it both run at half speed.
    samples = _samples(bare_select=[(1000.0, None), (1000.0, None)], get_one=[(800.0, 1000.0), (400.0, 500.0)])
    assert round_ratios(samples, "get-one", "bare-select") == {1: 0.8, 2: 0.8}
    assert paired_ratio(samples, "get-one", "bare-select") == 0.8
    assert median_ratio(_medians(samples), "get-one", "bare-select") == pytest.approx(0.6)


def test_a_target_whose_baseline_is_another_scenario_is_the_ratio_of_their_normalized_throughputs() -> None:
    samples = _samples(list=[(600.0, 1000.0), (300.0, 500.0)], list_big=[(480.0, 1000.0), (270.0, 450.0)])
    # round 1: 0.48 / 0.6; round 2: 0.6 / 0.6; their median
    assert round_ratios(samples, "list-big", "list") == pytest.approx({1: 0.8, 2: 1.0})
    assert paired_ratio(samples, "list-big", "list") == pytest.approx(0.9)
    assert median_ratio(_medians(samples), "list-big", "list") == pytest.approx(375.0 / 450.0)


def test_a_round_without_its_paired_baseline_is_left_out_of_the_ratio() -> None:
    samples = _samples(list=[(600.0, 1000.0), (300.0, None)], list_big=[(480.0, 1000.0), (270.0, 450.0)])
    assert round_ratios(samples, "list-big", "list") == pytest.approx({1: 0.8})
    assert round_ratios(samples, "list", "bare-select") == {1: 0.6}
    samples["list"][0].baseline = None
    assert paired_ratio(samples, "list-big", "list") is None


def test_the_bare_select_normalizes_to_one_and_an_unpaired_scenario_to_nothing() -> None:
    assert normalized("bare-select", Sample(1, _m(3000.0))) == 1.0
    assert normalized("get-one", Sample(1, _m(3000.0))) is None
    assert normalized("get-one", Sample(1, _m(3000.0), after=2000.0)) is None
    assert normalized("get-one", Sample(1, _m(1500.0), 3000.0)) == 0.5


def test_a_scenario_is_normalized_by_the_mean_of_the_bare_selects_before_and_after_it() -> None:
    assert Sample(1, _m(1500.0), 3000.0, after=2000.0).bracket == 2500.0
    assert normalized("get-one", Sample(1, _m(1500.0), 3000.0, after=2000.0)) == pytest.approx(0.6)
    assert Sample(1, _m(1500.0), 3000.0).bracket == 3000.0  # the one after failed, or was not measured
    rounds = rounds_json("get-one", [Sample(1, _m(1500.0), 3000.0, after=2000.0)], PAIRED)["rounds"]
    assert (rounds[0]["paired_after_req_per_s"], rounds[0]["normalized"]) == (2000.0, 0.6)


def test_every_scenario_but_the_baselines_is_paired_unless_the_bare_select_ran_just_before() -> None:
    assert pairing_plan(["hello", "bare-select", "get-one", "list", "list-big"]) == ("list", "list-big")
    assert pairing_plan(["list", "list-big"]) == ("list", "list-big")
    assert not needs_paired_baseline("hello", None)
    assert not needs_paired_baseline("bare-select", "hello")
    assert needs_paired_baseline("get-one", None)  # the bare SELECT failed, or is not in the run


def test_without_pairing_ratios_verdicts_and_the_table_are_those_of_the_medians() -> None:
    config = BenchConfig.from_env({"BENCH_PAIRED": "0", "BENCH_ONLY": "get-one"})
    assert not config.paired
    samples = _samples(bare_select=[(1000.0, None), (1000.0, None)], get_one=[(800.0, 1000.0), (400.0, 500.0)])
    results = _medians(samples)
    ratio_of = ratio_function(MEDIANS, samples, results)
    assert ratio_of("get-one", "bare-select") == median_ratio(results, "get-one", "bare-select")
    assert verdicts(results, config.targets(), ratio_of) == verdicts(results, config.targets())
    assert format_table(results, {}, config, ratio_of) == format_table(results, {}, config)
    assert "0.60x" in format_table(results, {}, config)  # the medians: 600 over 1000
    assert rounds_json("get-one", samples["get-one"], MEDIANS) == {
        "rounds": [attrs.asdict(_m(800.0)), attrs.asdict(_m(400.0))]
    }
    assert rounds_json("get-one", samples["get-one"][:1], MEDIANS) == {}


def test_paired_ratios_go_into_the_table_and_the_targets_with_each_rounds_ratio() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "get-one"})
    samples = _samples(bare_select=[(1000.0, None), (1000.0, None)], get_one=[(800.0, 1000.0), (400.0, 500.0)])
    results = _medians(samples)
    ratio_of = ratio_function(PAIRED, samples, results)
    rows = with_round_ratios(verdicts(results, config.targets(), ratio_of), samples)
    assert rows == [{"scenario": "get-one", "baseline": "bare-select", "target_ratio": 0.8, "ratio": 0.8,
                     "verdict": "PASS", "round_ratios": {"1": 0.8, "2": 0.8}}]
    assert "0.80x" in format_table(results, {}, config, ratio_of)
    rounds = rounds_json("get-one", samples["get-one"], PAIRED)["rounds"]
    assert [(r["round"], r["paired_baseline_req_per_s"], r["normalized"]) for r in rounds] == [
        (1, 1000.0, 0.8), (2, 500.0, 0.8),
    ]
    assert "paired" in describe(PAIRED, 5) and "BENCH_PAIRED=0" in describe(MEDIANS, 5)


def test_a_failed_scenario_has_no_paired_ratio() -> None:
    samples = _samples(get_one=[(800.0, 1000.0)])
    assert ratio_function(PAIRED, samples, {})("get-one", "bare-select") is None


def test_pairing_is_on_by_default_and_its_duration_half_a_scenarios() -> None:
    assert (BenchConfig.from_env({}).paired, BenchConfig.from_env({}).pair_seconds) == (True, 5)
    assert BenchConfig.from_env({"BENCH_DURATION": "3"}).pair_seconds == 1
    assert BenchConfig.from_env({"BENCH_DURATION": "1"}).pair_seconds == 1
    assert BenchConfig.from_env({"BENCH_PAIR_DURATION": "4"}).pair_seconds == 4
    assert BenchConfig(duration=8).pair_seconds == 4
    with pytest.raises(BenchError):
        BenchConfig.from_env({"BENCH_PAIRED": "2"})


# -- the rounds, against a fake harness on a machine that slows down ----------------------------


@attrs.define
class FakeHarness:
    """Answers every scenario at its own speed times the machine's, which ``speed`` gives by time.

    The machine's speed is taken when a measurement starts, or with ``midway`` half way through it.
    """

    config: BenchConfig
    rates: dict[str, float]
    speed: Callable[[float], float] = lambda now: 1.0
    fail: tuple[str, ...] = ()
    midway: bool = False
    clock: float = 0.0
    log: list[tuple[str, int]] = attrs.Factory(list)

    def restore_data(self) -> None:
        pass

    def target(self, scenario: Scenario) -> tuple[int, str, list[str]]:
        return 1, scenario.path, []

    def ids_for(self, scenario: Scenario) -> list[str]:
        return ["a"]

    def preflight(self, scenario: Scenario) -> None:
        pass

    def probe(self, scenario: Scenario) -> tuple[int, str]:
        return 200, ""

    def measure(self, loadgen: Any, scenario: Scenario, duration: int, log_name: str) -> Measurement:
        self.log.append((log_name, duration))
        if log_name in self.fail:
            raise BenchError(f"{log_name}: socket errors")
        rate = self.rates[scenario.name] * self.speed(self.clock + (duration / 2 if self.midway else 0))
        self.clock += duration
        return _m(rate)


def _run(harness: FakeHarness) -> tuple[dict[str, list[Sample]], dict[str, str]]:
    samples: dict[str, list[Sample]] = {}
    failures: dict[str, str] = {}
    run_scenarios(cast(Harness, harness), cast(LoadGenerator, None), samples, failures)
    return samples, failures


RATES = {"hello": 9000.0, "bare-select": 3000.0, "get-one": 2400.0, "create": 1800.0, "create-no-log": 2000.0}


def test_each_round_measures_a_bare_select_just_before_each_scenario_not_right_after_the_bare_select() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "get-one,create", "BENCH_DURATION": "4", "BENCH_ROUNDS": "2"})
    harness = FakeHarness(config, RATES)
    _run(harness)
    round_one = [name for name, _ in harness.log[: len(harness.log) // 2]]
    assert round_one == [
        "warmup-bare-select", "bare-select-r1", "warmup-get-one", "get-one-r1",
        "warmup-create", "paired-create-r1", "create-r1",
        "warmup-create-no-log", "paired-create-no-log-r1", "create-no-log-r1", "paired-after-create-no-log-r1",
    ]
    assert dict(harness.log)["paired-create-r1"] == 2


def test_a_machine_slowing_down_mid_round_leaves_the_paired_ratios_as_they_are() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "get-one,create", "BENCH_DURATION": "4", "BENCH_ROUNDS": "3"})
    # A round takes 24 s; from the paired bare SELECT before round 2's create on, the machine runs at
    # half speed, after that round's bare SELECT was measured at full speed.
    harness = FakeHarness(config, RATES, speed=lambda now: 0.5 if now >= 35 else 1.0)
    samples, failures = _run(harness)
    assert failures == {}
    results = _medians(samples)
    paired, medians = ratio_function(PAIRED, samples, results), ratio_function(MEDIANS, samples, results)
    assert paired("create", "bare-select") == pytest.approx(0.6)
    assert paired("create", "create-no-log") == pytest.approx(0.9)
    assert medians("create", "bare-select") != pytest.approx(0.6)


def test_a_machine_slowing_down_steadily_leaves_the_bracketed_ratios_nearly_true_where_the_one_before_drifts() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "get-one,create", "BENCH_DURATION": "4", "BENCH_ROUNDS": "3"})
    # 1% slower every second: what each measurement sees is the speed half way through it
    harness = FakeHarness(config, RATES, speed=lambda now: 1.0 - 0.01 * now, midway=True)
    samples, failures = _run(harness)
    assert failures == {}
    bracketed = round_ratios(samples, "create", "bare-select")
    before_only = {s.round_no: s.measurement.req_per_s / s.baseline for s in samples["create"] if s.baseline}
    true = RATES["create"] / RATES["bare-select"]
    assert all(s.after is not None for ms in samples.values() for s in ms if s.baseline)
    assert all(abs(bracketed[r] - true) < abs(before_only[r] - true) / 2 for r in bracketed)
    assert paired_ratio(samples, "create", "bare-select") == pytest.approx(true, rel=0.02)


def test_a_failed_closing_bare_select_leaves_the_last_scenario_paired_with_the_one_before() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "create"})
    harness = FakeHarness(config, RATES, fail=("paired-after-create-no-log-r1",))
    samples, failures = _run(harness)
    assert failures == {}
    assert samples["create-no-log"][0].after is None
    assert samples["create"][0].after == samples["create-no-log"][0].baseline == 3000.0
    assert round_ratios(samples, "create", "create-no-log") == pytest.approx({1: 0.9})


def test_hello_is_never_paired_and_takes_the_bare_select_measured_right_after_it() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "hello,get-one"})
    harness = FakeHarness(config, RATES)
    samples, _ = _run(harness)
    # the one paired measurement closes the round, after its last scenario
    assert [name for name, _ in harness.log if name.startswith("paired-")] == ["paired-after-get-one-r1"]
    assert samples["hello"][0].baseline == 3000.0
    assert samples["hello"][0].after is None
    assert samples["get-one"][0].baseline == 3000.0
    assert samples["bare-select"][0].baseline is None


def test_without_pairing_the_rounds_measure_the_bare_select_once_each() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "get-one,create", "BENCH_PAIRED": "0", "BENCH_ROUNDS": "2"})
    harness = FakeHarness(config, RATES)
    samples, _ = _run(harness)
    names = [name for name, _ in harness.log]
    assert [n for n in names if "bare-select" in n] == ["warmup-bare-select", "bare-select-r1",
                                                         "warmup-bare-select", "bare-select-r2"]
    assert not any("paired" in n for n in names)
    assert all(s.baseline is None for ms in samples.values() for s in ms)


def test_a_failed_paired_baseline_drops_that_rounds_ratio_and_the_run_goes_on() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "list-big", "BENCH_ROUNDS": "2"})
    harness = FakeHarness(config, {"bare-select": 3000.0, "list": 1500.0, "list-big": 1200.0},
                          fail=("paired-list-big-r2",))
    samples, failures = _run(harness)
    assert failures == {}
    assert samples["list-big"][1].baseline is None
    assert "socket errors" in (samples["list-big"][1].baseline_error or "")
    assert round_ratios(samples, "list-big", "list") == pytest.approx({1: 0.8})
    # without the bare-select scenario in the run, its first paired measurement of a round is warmed up
    assert [n for n, _ in harness.log].count("warmup-paired") == 2
