"""Latency figures with the performance monitor, from plain samples."""

from __future__ import annotations

import pytest

from lib.store import LatencySample
from lib.views.latency import latency_figures, percentiles

NOW = 1_800_000_000.0


def test_percentiles_nearest_rank() -> None:
    """p50/p95/p99 by nearest rank; None when there is nothing to summarise."""
    figures = percentiles([float(v) for v in range(1, 101)])
    assert figures is not None
    assert (figures.p50, figures.p95, figures.p99, figures.count) == (50.0, 95.0, 99.0, 100)
    assert percentiles([]) is None


def test_figures_cover_the_window_per_second() -> None:
    """Only the last five minutes count, aggregated per second; samples without ts are skipped for e2e."""
    samples = [LatencySample(NOW - 400, 99.0, 9.0, "score_update")]  # outside the window
    samples += [LatencySample(NOW - 10 + i / 10, float(i), 0.01, "score_update") for i in range(20)]
    samples.append(LatencySample(NOW - 1, None, 0.02, "prediction"))
    figures = latency_figures(samples, [(int(NOW) - 500, 3), (int(NOW) - 10, 10), (int(NOW) - 9, 10)], [5.0], NOW)
    assert figures.e2e is not None
    assert figures.e2e.count == 20
    assert figures.e2e.p99 == 19.0
    assert figures.apply is not None
    assert figures.apply.count == 21
    assert len(figures.per_second) == 3
    assert list(figures.rate["messages"]) == [10, 10]
    assert figures.render is not None
    assert figures.render.p50 == pytest.approx(5.0)
