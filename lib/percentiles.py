"""Percentiles by nearest rank: the one definition behind every p50, p95, p99 the dashboard or a benchmark shows.

Nearest rank reports a value that was measured (never one between two samples), so "p99 = 19 ms"
means some message took 19 ms. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def nearest_rank(values: Sequence[float], *quantiles: float) -> tuple[float, ...]:
    """The ``q``-th percentile of ``values`` for each ``q`` in ``quantiles`` (0-100), sorting once.

    Each is the smallest value with at least ``q`` percent of the values at or below it.

    Raises:
        ValueError: If there are no values, or a quantile is outside 0-100.
    """
    if not values:
        raise ValueError("no samples")
    if any(not 0 <= q <= 100 for q in quantiles):
        raise ValueError(f"percentiles must be in 0-100, got {quantiles}")
    ordered = sorted(values)
    last = len(ordered) - 1
    return tuple(ordered[min(last, max(0, math.ceil(q / 100 * len(ordered)) - 1))] for q in quantiles)
