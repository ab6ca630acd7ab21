"""Game detail: the win-probability chart over game time, with the margin beneath it, then the figures.

The chart is the ESPN / inpredictable layout: home win probability on top, the score margin
below on the same game-time axis, period boundaries marked. Feed text reaches the chart only
as Vega-Lite titles and data, which Vega draws as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pandas as pd
import streamlit as st

from lib.analytics.game import GameSummary
from lib.frames import game_stats_frame
from lib.protocol import REGULATION_PERIODS, clock_seconds, elapsed_seconds, period_seconds
from lib.store import HistoryPoint, PredictionPoint
from lib.views.format import escape_markdown, known_from

_ORANGE: Final = "#f97316"


def timeline(
    history: Sequence[HistoryPoint], predictions: Sequence[PredictionPoint]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chart's data: (minute, home win probability) and (minute, home margin) rows."""
    probability = pd.DataFrame(
        [(elapsed_seconds(p.period, clock_seconds(p.clock)) / 60, p.home_win_probability) for p in predictions],
        columns=["minute", "home_win_probability"],
    )
    margin = pd.DataFrame(
        [(elapsed_seconds(h.period, clock_seconds(h.clock)) / 60, h.home_score - h.away_score) for h in history],
        columns=["minute", "margin"],
    )
    return probability, margin


def period_marks(last_period: int) -> list[float]:
    """Minutes at which each period ends, through ``last_period`` (at least regulation)."""
    marks, minute = [], 0.0
    for period in range(1, max(REGULATION_PERIODS, last_period) + 1):
        minute += period_seconds(period) / 60
        marks.append(minute)
    return marks


_Y_AXIS_WIDTH: Final = 48
"""Pixels for each chart's y axis, the same in both, so that their plots line up minute by minute."""


def timeline_specs(home: str, away: str, marks: Sequence[float]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Vega-Lite for the two panels, win probability above the margin, on the same game-time axis.

    Two charts rather than one stacked (``vconcat``) spec: Streamlit cannot fit a stacked spec
    to the page's width, and it spilled past the column's right edge.
    """
    x = {
        "field": "minute",
        "type": "quantitative",
        "title": "game minute",
        "scale": {"domain": [0, marks[-1]], "nice": False},
    }
    rules = {
        "data": {"values": [{"minute": m} for m in marks[:-1]]},
        "mark": {"type": "rule", "color": "#4b5563", "strokeDash": [4, 4]},
        "encoding": {"x": {"field": "minute", "type": "quantitative"}},
    }
    y_axis = {"minExtent": _Y_AXIS_WIDTH, "maxExtent": _Y_AXIS_WIDTH}
    # The page's width, and the height for the plot alone: by default Streamlit fits title, axes
    # and plot into the height, which left the shorter panel a sliver.
    autosize = {"type": "fit-x", "contains": "padding"}
    probability = {
        "title": f"{home} win probability",
        "autosize": autosize,
        "height": 220,
        "layer": [
            rules,
            {
                "data": {"values": [{"p": 0.5}]},
                "mark": {"type": "rule", "color": "#6b7280"},
                "encoding": {"y": {"field": "p", "type": "quantitative"}},
            },
            {
                "data": {"name": "probability"},
                "mark": {"type": "line", "color": _ORANGE, "interpolate": "step-after"},
                "encoding": {
                    "x": {**x, "title": None},
                    "y": {
                        "field": "home_win_probability",
                        "type": "quantitative",
                        "title": None,
                        "scale": {"domain": [0, 1]},
                        "axis": {**y_axis, "format": "%"},
                    },
                },
            },
        ],
    }
    margin = {
        "title": f"Margin in points ({home} minus {away})",
        "autosize": autosize,
        "height": 140,
        "layer": [
            rules,
            {
                "data": {"name": "margin"},
                "mark": {"type": "area", "interpolate": "step-after", "opacity": 0.6, "color": "#60a5fa"},
                "encoding": {
                    "x": x,
                    "y": {"field": "margin", "type": "quantitative", "title": None, "axis": y_axis},
                },
            },
        ],
    }
    return probability, margin


def render_timeline(
    summary: GameSummary, probability: pd.DataFrame, margin: pd.DataFrame, marks: Sequence[float]
) -> None:
    """The win-probability and margin charts for one game."""
    if probability.empty and margin.empty:
        st.caption("Nothing received for this game yet.")
        return
    probability_spec, margin_spec = timeline_specs(summary.home_team, summary.away_team, marks)
    st.vega_lite_chart(None, {**probability_spec, "datasets": {"probability": probability}}, width="stretch")
    st.vega_lite_chart(None, {**margin_spec, "datasets": {"margin": margin}}, width="stretch")


def render_figures(summary: GameSummary) -> None:
    """The game's figures, labelled live or final, and partial with from when."""
    state = "Final figures" if summary.final else "So far (live)"
    since = known_from(summary.known_from_period, summary.known_from_clock)
    partial = f" · partial, known from {since}: first seen after its tip-off" if summary.partial else ""
    st.caption(
        f"{state}: {escape_markdown(summary.away_team)} {summary.away_score} @ "
        f"{escape_markdown(summary.home_team)} {summary.home_score}{partial}"
    )
    cells = st.columns(6)
    cells[0].metric("Lead changes", summary.lead_changes)
    cells[1].metric("Times tied", summary.times_tied)
    cells[2].metric("Leads (home / away)", f"{summary.biggest_home_lead} / {summary.biggest_away_lead}")
    cells[3].metric(
        "Biggest run",
        f"{summary.biggest_run}–0" if summary.biggest_run else "–",
        help=None if summary.biggest_run_team is None else f"by {summary.biggest_run_team}",
    )
    cells[4].metric(
        "Excitement index",
        "–" if summary.excitement is None else f"{summary.excitement:.2f}",
        help="Sum of absolute changes in win probability over the game",
    )
    cells[5].metric(
        "Comeback factor",
        "–" if summary.comeback is None else f"{summary.comeback:.0%}",
        help="The eventual winner's lowest win probability"
        + ("" if summary.comeback_team is None else f" ({summary.comeback_team})"),
    )


def render_game_table(summaries: Sequence[GameSummary]) -> None:
    """Every game's figures, most exciting first, partial games marked with from when; click a header to sort."""
    frame = game_stats_frame(summaries)
    frame["known_from"] = [known_from(s.known_from_period, s.known_from_clock) for s in summaries]
    table = frame[
        [
            "away_team",
            "home_team",
            "away_score",
            "home_score",
            "status",
            "partial",
            "known_from",
            "lead_changes",
            "times_tied",
            "biggest_home_lead",
            "biggest_away_lead",
            "biggest_run",
            "excitement",
            "comeback",
            "predictions",
        ]
    ]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "away_team": "Away",
            "home_team": "Home",
            "away_score": "Away pts",
            "home_score": "Home pts",
            "status": "Status",
            "partial": st.column_config.CheckboxColumn(
                "Partial", help="First seen after its tip-off: the figures miss the start"
            ),
            "known_from": "Known from",
            "lead_changes": "Lead changes",
            "times_tied": "Ties",
            "biggest_home_lead": "Home lead",
            "biggest_away_lead": "Away lead",
            "biggest_run": "Run",
            "excitement": st.column_config.NumberColumn("Excitement", format="%.2f"),
            "comeback": st.column_config.NumberColumn("Comeback", format="percent"),
            "predictions": "Predictions",
        },
    )
