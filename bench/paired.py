"""Paired baselines of ``make bench``: each scenario against bare SELECTs measured just before and after it.

The machines drift (the same code measured minutes apart moves by up to 1.6x), so a ratio of
two figures taken minutes apart mostly measures the drift. With pairing, every scenario's
measurement in a round is *normalized*: its requests/s over those of the bare SELECTs measured
next to it, the mean of the one just before and the one just after (the next scenario's, or the
round's closing one), so that a machine drifting steadily slows both sides alike;
normalized(bare SELECT) = 1. A target's ratio in a round is normalized(S) over normalized(B),
whether B is the bare SELECT or another scenario, and the ratio reported is the median of the
rounds' ratios. A round where either side has no normalized figure (its paired baseline failed,
or the scenario did not run in it) is left out rather than guessed; without the bare SELECT after
it (that one failed), a scenario is normalized by the one before alone.

Without pairing (``BENCH_PAIRED=0``), a ratio is that of the two scenarios' median requests/s
over the rounds (:func:`bench.report.median_ratio`), as before.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from bench.report import BASE, Measurement, RatioFn, median_ratio

__all__ = [
    "MEDIANS",
    "NEVER_PAIRED",
    "PAIRED",
    "Sample",
    "describe",
    "needs_paired_baseline",
    "normalized",
    "paired_ratio",
    "pairing_plan",
    "ratio_function",
    "round_ratios",
    "rounds_json",
    "with_round_ratios",
]

# The two ways a run takes its ratios, as ``latest.json`` names them.
PAIRED: Final = "paired"
MEDIANS: Final = "medians"
# Scenarios measured without a paired bare SELECT before them: the bare SELECT itself, and
# hello, a baseline too (it runs just before the bare SELECT, which then serves as its pair).
NEVER_PAIRED: Final = (BASE, "hello")


@attrs.define
class Sample:
    """One scenario's measurement in one round, and the bare SELECTs measured next to it.

    ``baseline`` is the requests/s of the bare SELECT before it: the paired one just before, the
    ``bare-select`` scenario itself when it was measured just before (or, for hello, just after),
    ``None`` when unpaired or when the paired measurement failed (``baseline_error`` says why).
    ``after`` is the requests/s of the bare SELECT measured next after it (``None``: not measured,
    or failed).
    """

    round_no: int
    measurement: Measurement
    baseline: float | None = None
    baseline_error: str | None = None
    after: float | None = None

    @property
    def bracket(self) -> float | None:
        """What the scenario is normalized by: the mean of the bare SELECTs before and after, or the one before."""
        if not self.baseline:
            return None
        return (self.baseline + self.after) / 2 if self.after else self.baseline

    def as_json(self, name: str) -> dict[str, Any]:
        """The round's figures, its paired baselines and its normalized throughput."""
        share = normalized(name, self)
        return {
            "round": self.round_no,
            **self.measurement.as_json(),
            "paired_baseline_req_per_s": self.baseline,
            "paired_after_req_per_s": self.after,
            "normalized": None if share is None else round(share, 4),
            **({"paired_baseline_failed": self.baseline_error} if self.baseline_error else {}),
        }


def needs_paired_baseline(name: str, previous: str | None) -> bool:
    """Whether a bare SELECT is measured just before ``name``.

    ``previous`` is the scenario measured last in this round (``None`` at its start, or when the
    last one failed): right after the bare SELECT, that measurement serves as the pair.
    """
    return name not in NEVER_PAIRED and previous != BASE


def pairing_plan(names: Sequence[str]) -> tuple[str, ...]:
    """The scenarios of a round that get a paired bare SELECT, if every measurement succeeds."""
    planned, previous = [], None
    for name in names:
        if needs_paired_baseline(name, previous):
            planned.append(name)
        previous = name
    return tuple(planned)


def normalized(name: str, sample: Sample) -> float | None:
    """Requests/s over the bare SELECTs measured next to it (:attr:`Sample.bracket`); 1 for the bare SELECT; ``None`` unpaired."""
    if name == BASE:
        return 1.0
    bracket = sample.bracket
    return None if bracket is None else sample.measurement.req_per_s / bracket


def round_ratios(samples: Mapping[str, Sequence[Sample]], scenario: str, baseline: str) -> dict[int, float]:
    """normalized(scenario) / normalized(baseline) by round, for the rounds where both are known.

    Against the bare SELECT, every round of ``scenario`` with a paired baseline counts, whether
    or not the ``bare-select`` scenario itself was measured in it.
    """
    got = {s.round_no: normalized(scenario, s) for s in samples.get(scenario, ())}
    if baseline == BASE:
        base: dict[int, float | None] = dict.fromkeys(got, 1.0)
    else:
        base = {s.round_no: normalized(baseline, s) for s in samples.get(baseline, ())}
    return {
        round_no: value / divisor
        for round_no, value in sorted(got.items())
        if value is not None and (divisor := base.get(round_no))
    }


def paired_ratio(samples: Mapping[str, Sequence[Sample]], scenario: str, baseline: str) -> float | None:
    """The median over rounds of :func:`round_ratios`; ``None`` when no round has both."""
    ratios = list(round_ratios(samples, scenario, baseline).values())
    return statistics.median(ratios) if ratios else None


def ratio_function(
    method: str, samples: Mapping[str, Sequence[Sample]], results: Mapping[str, Measurement],
) -> RatioFn:
    """``ratio(scenario, baseline)`` by ``method`` (:data:`PAIRED` or :data:`MEDIANS`).

    Only the scenarios of ``results`` (those that did not fail) have a ratio either way.
    """
    if method == PAIRED:
        return lambda scenario, baseline: (
            paired_ratio(samples, scenario, baseline)
            if scenario in results and (baseline == BASE or baseline in results) else None
        )
    return lambda scenario, baseline: median_ratio(results, scenario, baseline)


def rounds_json(name: str, samples: Sequence[Sample], method: str) -> dict[str, Any]:
    """The ``rounds`` of a scenario in ``latest.json``: with pairing, every round with its paired
    baseline and normalized throughput; without, the rounds' figures when there are several."""
    if method == PAIRED:
        return {"rounds": [sample.as_json(name) for sample in samples]}
    return {"rounds": [sample.measurement.as_json() for sample in samples]} if len(samples) > 1 else {}


def with_round_ratios(rows: list[dict[str, Any]], samples: Mapping[str, Sequence[Sample]]) -> list[dict[str, Any]]:
    """:func:`bench.report.verdicts`' rows, each with its paired ratio in every round (``round_ratios``)."""
    for row in rows:
        ratios = round_ratios(samples, row["scenario"], row["baseline"]) if row["ratio"] is not None else {}
        row["round_ratios"] = {str(round_no): round(value, 3) for round_no, value in ratios.items()}
    return rows


def describe(method: str, pair_seconds: int) -> str:
    """The table's footnote on how its ratios were taken."""
    if method == PAIRED:
        return (
            "Ratios are paired: in each round, every scenario's req/s over the mean of those of the bare SELECTs"
            f" measured just\nbefore and after it ({pair_seconds} s each); a ratio between two scenarios is the ratio"
            " of those. \"x bare SELECT\""
            " and \"got\" (over the target's\nbaseline: the bare SELECT, or the scenario named in the target column)"
            " are medians over rounds of the rounds'\nratios; req/s, p50, p99 and CPU are medians over rounds."
            " BENCH_PAIRED=0 takes ratios of the medians instead."
        )
    return (
        "Ratios are of medians (BENCH_PAIRED=0): \"x bare SELECT\": median requests/s over the bare SELECT's (measured"
        " once per\nround); \"got\": over the target's baseline (the bare SELECT, or the scenario named in the target"
        " column)."
    )
