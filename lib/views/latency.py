"""Latency charts with the performance monitor: plain figures first, then their rendering."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import pandas as pd
import pyarrow as pa
import streamlit as st

from lib.percentiles import nearest_rank
from lib.status import FeedStatus
from lib.store import ConnectionState, LatencySample
from lib.views.format import ago, apply_time

WINDOW_SECONDS: Final = 5 * 60
"""The charts show the last five minutes."""
_TIME_AXIS: Final = {"format": "%H:%M:%S", "labelAngle": 0, "tickCount": 5}


@dataclass(frozen=True)
class Percentiles:
    """p50/p95/p99 of a set of milliseconds, and how many there were."""

    p50: float
    p95: float
    p99: float
    count: int


def percentiles(values: Sequence[float]) -> Percentiles | None:
    """p50, p95 and p99 by :func:`~lib.percentiles.nearest_rank`, as the benchmarks report them; ``None`` for none."""
    if not values:
        return None
    p50, p95, p99 = nearest_rank(values, 50, 95, 99)
    return Percentiles(p50, p95, p99, len(values))


@dataclass(frozen=True)
class LatencyFigures:
    """What the latency section shows, computed from a snapshot."""

    e2e: Percentiles | None
    apply: Percentiles | None
    render: Percentiles | None
    per_second: pd.DataFrame | pa.Table
    """Per-second p50 and p95 of end-to-end and apply time (ms), by ``time`` (epoch ms); or its Arrow table."""
    rate: pd.DataFrame | pa.Table
    """Frames received per second, by ``time`` (epoch ms); or its Arrow table."""


def _per_second(samples: Sequence[LatencySample]) -> pd.DataFrame:
    buckets: dict[int, tuple[list[float], list[float]]] = {}
    for sample in samples:
        e2e, apply = buckets.setdefault(int(sample.received_at), ([], []))
        if sample.e2e_ms is not None:
            e2e.append(sample.e2e_ms)
        apply.append(sample.apply_ms)
    rows = []
    for second, (e2e, apply) in buckets.items():
        e2e_figures, apply_figures = percentiles(e2e), percentiles(apply)
        rows.append(
            (
                second * 1000,
                e2e_figures.p50 if e2e_figures else None,
                e2e_figures.p95 if e2e_figures else None,
                apply_figures.p50 if apply_figures else None,
                apply_figures.p95 if apply_figures else None,
            )
        )
    return pd.DataFrame(rows, columns=["time", *SERIES])


SERIES: Final = ("end-to-end p50", "end-to-end p95", "apply p50", "apply p95")


def latency_figures(
    samples: Sequence[LatencySample],
    rate: Sequence[tuple[int, int]],
    render_ms: Sequence[float],
    now: float,
    window: float = WINDOW_SECONDS,
) -> LatencyFigures:
    """Summaries and per-second series over the last ``window`` seconds.

    Series are aggregated per second so a chart carries a few hundred points, not thousands.
    Times in the series are epoch milliseconds, as Vega-Lite takes them.
    """
    since = now - window
    recent = [s for s in samples if s.received_at >= since]
    return LatencyFigures(
        e2e=percentiles([s.e2e_ms for s in recent if s.e2e_ms is not None]),
        apply=percentiles([s.apply_ms for s in recent]),
        render=percentiles(render_ms),
        per_second=_per_second(recent),
        rate=pd.DataFrame([(s * 1000, n) for s, n in rate if s >= since], columns=["time", "messages"]),
    )


def _metric_row(label: str, figures: Percentiles | None, digits: int = 1) -> str:
    if figures is None:
        return f"{label}: no samples yet"
    return (
        f"{label}: p50 {figures.p50:.{digits}f} ms · p95 {figures.p95:.{digits}f} ms · "
        f"p99 {figures.p99:.{digits}f} ms ({figures.count} samples)"
    )


def render_latency(figures: LatencyFigures) -> None:
    """Latency section: percentile lines and per-second charts for the last minutes; no empty charts."""
    st.caption(_metric_row("End-to-end (receive − server ts)", figures.e2e))
    st.caption(_metric_row("Apply (parse + validate + store)", figures.apply, 3))
    st.caption(_metric_row("Live section render", figures.render))
    if len(figures.per_second) == 0 and len(figures.rate) == 0:  # DataFrames, or the Arrow tables the board makes
        st.caption("Nothing received in the last 5 minutes: the charts start with the next update.")
        return
    left, right = st.columns(2)
    # Hand-written Vega-Lite specs: st.line_chart builds an Altair chart on every call, which
    # costs tens of milliseconds a refresh; a dict with a fold transform costs well under one.
    left.vega_lite_chart(
        figures.per_second,
        {
            "title": "Latency per second, last 5 min (ms)",
            "height": 220,
            "transform": [{"fold": list(SERIES), "as": ["series", "ms"]}],
            "mark": {"type": "line", "point": {"size": 12}},
            "encoding": {
                "x": {"field": "time", "type": "temporal", "title": None, "axis": _TIME_AXIS},
                "y": {"field": "ms", "type": "quantitative", "title": "ms"},
                "color": {"field": "series", "type": "nominal", "title": None, "sort": list(SERIES)},
            },
        },
        width="stretch",
    )
    right.vega_lite_chart(
        figures.rate,
        {
            "title": "Messages per second",
            "height": 220,
            "mark": {"type": "bar", "color": "#f97316"},
            "encoding": {
                # A band per second, so that a bar is a second wide however few there are.
                "x": {
                    "field": "time",
                    "type": "temporal",
                    "timeUnit": "yearmonthdatehoursminutesseconds",
                    "title": None,
                    "axis": _TIME_AXIS,
                },
                # One row per second: nothing to stack or sum.
                "y": {
                    "field": "messages",
                    "type": "quantitative",
                    "title": "messages/s",
                    "stack": None,
                    "axis": {"format": "d", "tickMinStep": 1},  # whole messages
                },
            },
        },
        width="stretch",
    )


@dataclass(frozen=True)
class MonitorFigures:
    """The performance monitor panel (render time, apply time, connection, counts), as plain values."""

    render_ms: float | None
    average_apply_ms: float | None
    connection: str
    last_update: str
    received: int
    rejected: int
    reconnects: int


_STATE_WORDS: Final = {
    ConnectionState.CONNECTING: "Connecting",
    ConnectionState.CONNECTED: "Connected",
    ConnectionState.RECONNECTING: "Reconnecting",
    ConnectionState.CLOSED: "Disconnected",
    ConnectionState.GIVEN_UP: "Gave up",
}
"""The connection in a word for the monitor; the header has the whole sentence."""


def monitor_figures(
    status: FeedStatus, samples: Sequence[LatencySample], render_ms: float | None, now: float
) -> MonitorFigures:
    """The panel's figures; the average apply time is over the last 10 updates, to follow the feed closely."""
    last_ten = [s.apply_ms for s in samples[-10:]]
    return MonitorFigures(
        render_ms=render_ms,
        average_apply_ms=statistics.fmean(last_ten) if last_ten else None,
        connection=_STATE_WORDS[status.state],
        last_update="Never" if status.last_update_at is None else ago(now - status.last_update_at),
        received=status.messages_received,
        rejected=status.messages_rejected,
        reconnects=status.reconnects,
    )


def render_monitor(figures: MonitorFigures) -> None:
    """The 📊 panel: render time, average apply time, connection, last update, counts, in two rows that fit."""
    with st.container(border=True):
        st.markdown("**📊 Performance metrics**")
        first, second = st.columns(4), st.columns(4)
        first[0].metric("Render", "–" if figures.render_ms is None else f"{figures.render_ms:.1f} ms")
        first[1].metric(
            "Apply time (avg of 10)",
            apply_time(figures.average_apply_ms),
            help="Parse, validate and store, over the last 10 updates",
        )
        first[2].metric("Connection", figures.connection)
        first[3].metric("Last update", figures.last_update)
        second[0].metric("Received", f"{figures.received:,}")
        second[1].metric("Rejected", f"{figures.rejected:,}")
        second[2].metric("Reconnects", f"{figures.reconnects:,}")
