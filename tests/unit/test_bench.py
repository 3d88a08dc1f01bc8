"""The pure parts of ``make bench``: reading wrk's output, medians, targets, settings, generated rows."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.entity_data import BIG_HISTORY_DAYS, big_rows
from bench.report import Measurement, format_table, median_measurement, parse_wrk_output, verdicts
from bench.scenarios import SCENARIOS, TARGETS, BenchConfig, BenchError

__all__: list[str] = []

WRK_OUTPUT = """\
Running 4s test @ http://127.0.0.1:40000/api/v1/entities?limit=50
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    13.20ms    2.01ms  40.11ms   90.00%
    Req/Sec     2.43k   120.00     2.60k    80.00%
  Latency Distribution
     50%   12.90ms
     75%   13.50ms
     90%   14.80ms
     99%    1.02s
  9712 requests in 4.00s, 50.12MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:   2427.91
Transfer/sec:     12.53MB
"""


def test_wrk_output_gives_rate_latencies_and_errors() -> None:
    m = parse_wrk_output(WRK_OUTPUT)
    assert (m.req_per_s, m.p50_ms, m.p99_ms, m.requests, m.non_2xx) == (2427.91, 12.9, 1020.0, 9712, 3)
    assert m.socket_errors == {"read": 2, "timeout": 1}


def test_wrk_output_without_latency_distribution_is_an_error() -> None:
    with pytest.raises(BenchError):
        parse_wrk_output("Requests/sec: 10\n")


def test_medians_over_rounds_and_sums_of_counts() -> None:
    rounds = [Measurement(req_per_s=r, p50_ms=1.0, p99_ms=2.0, requests=10, non_2xx=0) for r in (100.0, 300.0, 200.0)]
    m = median_measurement(rounds)
    assert (m.req_per_s, m.requests) == (200.0, 30)


def _results(**rates: float) -> dict[str, Measurement]:
    return {name: Measurement(req_per_s=rate, p50_ms=1.0, p99_ms=2.0, requests=1) for name, rate in rates.items()}


def test_targets_are_judged_against_their_own_baseline() -> None:
    results = _results(**{"bare-select": 1000.0, "get-one": 850.0, "list": 500.0, "list-big": 410.0})
    by_name = {row["scenario"]: row for row in verdicts(results)}
    assert by_name["get-one"]["verdict"] == "PASS"
    assert by_name["list"]["verdict"] == "BELOW"
    # 410 over the 200-entity list's 500, not over the bare SELECT.
    assert (by_name["list-big"]["ratio"], by_name["list-big"]["verdict"]) == (0.82, "PASS")
    assert by_name["update"]["verdict"] == "FAILED"


def test_every_target_names_known_scenarios() -> None:
    names = {s.name for s in SCENARIOS}
    assert all(t.scenario in names and t.baseline in names for t in TARGETS)


def test_table_shows_every_scenario_and_the_target_baseline() -> None:
    table = format_table(_results(**{"bare-select": 1000.0, "list": 500.0, "list-big": 410.0}), {}, BenchConfig())
    assert "list 50, 50,000 owned" in table
    assert ">=0.8x list" in table
    assert "FAILED" in table  # scenarios without figures


def test_a_long_target_keeps_its_column_and_its_second_decimal() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "create"})
    table = format_table(_results(**{"bare-select": 1000.0, "create": 600.0, "create-no-log": 700.0}), {}, config)
    header, _, *rows = table.splitlines()
    assert ">=0.85x create-no-log" in table
    assert all(len(row) == len(header) for row in rows)


def test_settings_are_read_and_checked() -> None:
    config = BenchConfig.from_env({"BENCH_DURATION": "3", "BENCH_BIG_ENTITIES": "1000"})
    assert (config.duration, config.big_entities, config.entities) == (3, 1000, 200)
    with pytest.raises(BenchError):
        BenchConfig.from_env({"BENCH_ROUNDS": "0"})


def test_big_owner_rows_are_spread_over_time_and_repeatable() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    rows = list(big_rows("owner", 1000, now))
    assert rows == list(big_rows("owner", 1000, now))
    inserted = [r[3] for r in rows]
    assert inserted == sorted(inserted)
    assert inserted[0] >= now - dt.timedelta(days=BIG_HISTORY_DAYS)
    assert all(r[3] <= r[4] <= now for r in rows)
    assert len({r[2] for r in rows}) == 1000


def test_only_some_scenarios_bring_the_baselines_their_targets_need() -> None:
    config = BenchConfig.from_env({"BENCH_ONLY": "list-big"})
    assert [s.name for s in config.scenarios()] == ["list", "list-big"]
    assert [t.scenario for t in config.targets()] == ["list-big"]
    with pytest.raises(BenchError):
        BenchConfig.from_env({"BENCH_ONLY": "nope"})
