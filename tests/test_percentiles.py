"""Percentiles by nearest rank, the one definition behind every dashboard or benchmark figure."""

from __future__ import annotations

import pytest

from lib.percentiles import nearest_rank


def test_nearest_rank_reports_measured_values() -> None:
    """1..100: p50 is 50, p95 95, p99 99, p100 the maximum; one value is every percentile."""
    assert nearest_rank([float(v) for v in range(100, 0, -1)], 50, 95, 99, 100) == (50.0, 95.0, 99.0, 100.0)
    assert nearest_rank([7.0], 0, 50, 100) == (7.0, 7.0, 7.0)
    assert nearest_rank([1.0, 2.0, 3.0, 4.0], 50) == (2.0,)


def test_no_values_or_a_quantile_out_of_range_is_an_error() -> None:
    """Nothing to rank, or a percentile of 101: ValueError."""
    with pytest.raises(ValueError, match="no samples"):
        nearest_rank([], 50)
    with pytest.raises(ValueError, match="0-100"):
        nearest_rank([1.0], 101)
