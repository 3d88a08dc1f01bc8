"""Benchmarks: ``make bench`` (``python -m bench.run``) measures the real server against baselines."""

from __future__ import annotations

__all__: list[str] = []
