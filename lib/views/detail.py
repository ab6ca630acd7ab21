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
from lib.views.format import escape_markdown, known_from, period_name, win_chance

_ORANGE: Final = "#f97316"
_TOOLTIP_LINES: Final = "<style>#vg-tooltip-element table tr td.value{white-space:pre-line}</style>"
"""A chart tooltip's values keep their line breaks, so that a moment's plays read one a line."""


def timeline(
    history: Sequence[HistoryPoint], predictions: Sequence[PredictionPoint]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The charts' data: (minute, home win probability) and (minute, home margin) rows, in the order they came.

    Each row carries its game time and score as read in a tooltip, and each probability its
    words (``>99 %`` until the final). Several rows can share a minute (free throws, an and-one):
    each is a value of its own, never summed.
    """
    probability = pd.DataFrame(
        [
            (
                elapsed_seconds(p.period, clock_seconds(p.clock)) / 60,
                p.home_win_probability,
                win_chance(p.home_win_probability, final=p.status == "final"),
                _game_time(p.period, p.clock, p.status),
                f"{p.away_score}–{p.home_score}",
            )
            for p in predictions
        ],
        columns=["minute", "home_win_probability", "home_win", "game_time", "score"],
    )
    margin = pd.DataFrame(
        [
            (
                elapsed_seconds(h.period, clock_seconds(h.clock)) / 60,
                h.home_score - h.away_score,
                _game_time(h.period, h.clock, h.status),
                f"{h.away_score}–{h.home_score}",
            )
            for h in history
        ],
        columns=["minute", "margin", "game_time", "score"],
    )
    return probability, margin


def _game_time(period: int, clock: str, status: str) -> str:
    if status == "final":
        return "Final"
    if period == 0:
        return "Before tip-off"
    return f"{period_name(period)} {clock}"


def period_marks(last_period: int) -> list[float]:
    """Minutes at which each period ends, through ``last_period`` (at least regulation)."""
    marks, minute = [], 0.0
    for period in range(1, max(REGULATION_PERIODS, last_period) + 1):
        minute += period_seconds(period) / 60
        marks.append(minute)
    return marks


_Y_AXIS_WIDTH: Final = 48
"""Pixels for each chart's y axis, the same in both, so that their plots line up minute by minute."""


def timeline_specs(
    home: str, away: str, marks: Sequence[float], *, plays: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Vega-Lite for the two panels, win probability above the margin, on the same game-time axis.

    Two charts rather than one stacked (``vconcat``) spec: Streamlit cannot fit a stacked spec
    to the page's width, and it spilled past the column's right edge. Hovering anywhere over a
    panel marks the moment nearest the pointer and reads it in a tooltip: its game time, value,
    score and, with ``plays``, the plays of that moment (the data's ``plays`` column).
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
    probability_y = {
        "field": "home_win_probability",
        "type": "quantitative",
        "title": None,
        "scale": {"domain": [0, 1]},
        "axis": {**y_axis, "format": "%"},
    }
    played = [{"field": "plays", "title": "Plays"}] if plays else []
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
                "encoding": {"x": {**x, "title": None}, "y": probability_y},
            },
            _hover("probability", {**x, "title": None}, probability_y, ("home_win", "Home win"), played),
        ],
    }
    # Area marks stack by default: rows that share a minute (free throws) would be summed.
    margin_y = {"field": "margin", "type": "quantitative", "title": None, "axis": y_axis, "stack": None}
    margin = {
        # Which way the sign runs on lines of their own: one long title was cut short on a phone.
        "title": {
            "text": "Margin in points",
            "subtitle": [f"above 0: {home} ahead", f"below 0: {away} ahead"],
            "subtitleColor": "#9ca3af",  # the theme's own is too dark to read on the page's background
            "subtitleFontSize": 12,
        },
        "autosize": autosize,
        "height": 140,
        "layer": [
            rules,
            {
                "data": {"name": "margin"},
                "mark": {"type": "area", "interpolate": "step-after", "opacity": 0.6, "color": "#60a5fa"},
                "encoding": {"x": x, "y": margin_y},
            },
            _hover("margin", x, margin_y, ("margin", "Margin"), played),
        ],
    }
    return probability, margin


def _hover(
    data: str, x: dict[str, Any], y: dict[str, Any], value: tuple[str, str], more: list[dict[str, str]]
) -> dict[str, Any]:
    """A dot on the panel's line at the moment nearest the pointer (anywhere over the panel), its tooltip reading
    that moment's game time, value and score, then ``more``."""
    field, title = value
    hover = f"{data}_hover"
    return {
        "data": {"name": data},
        "params": [
            {
                "name": hover,
                "select": {
                    "type": "point",
                    "encodings": ["x"],
                    "nearest": True,
                    "on": "pointerover",
                    "clear": "pointerout",
                },
            }
        ],
        "mark": {"type": "point", "filled": True, "size": 60, "color": "#f9fafb"},
        "encoding": {
            "x": x,
            "y": y,
            "opacity": {"condition": {"param": hover, "empty": False, "value": 1}, "value": 0},
            "tooltip": [
                {"field": "game_time", "title": "Game time"},
                {"field": field, "title": title},
                {"field": "score", "title": "Score (away–home)"},
                *more,
            ],
        },
    }


def render_timeline(
    summary: GameSummary, probability: Any, margin: Any, marks: Sequence[float], *, plays: bool = False
) -> None:
    """The win-probability and margin charts for one game (DataFrames, or Arrow tables, of :func:`timeline`'s
    columns; with ``plays``, of the plays' moments, whose tooltips list them)."""
    if len(probability) == 0 and len(margin) == 0:
        st.caption("Nothing received for this game yet.")
        return
    probability_spec, margin_spec = timeline_specs(summary.home_team, summary.away_team, marks, plays=plays)
    if plays:
        st.html(_TOOLTIP_LINES)  # styles only: Streamlit gives it no room on the page
    st.vega_lite_chart(None, {**probability_spec, "datasets": {"probability": probability}}, width="stretch")
    st.vega_lite_chart(None, {**margin_spec, "datasets": {"margin": margin}}, width="stretch")


def render_figures(summary: GameSummary) -> None:
    """The game's figures, labelled live or final, and partial with from when; away before home, as everywhere."""
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
    cells[2].metric(
        "Biggest leads",
        f"{summary.biggest_away_lead} / {summary.biggest_home_lead}",
        help=f"{summary.away_team} / {summary.home_team}",
    )
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
        "–" if summary.comeback is None else win_chance(summary.comeback, final=summary.final),
        help="The eventual winner's lowest win probability"
        + ("" if summary.comeback_team is None else f" ({summary.comeback_team})"),
    )


GAME_TABLE_COLUMNS: Final = {
    "away_team": "Away",
    "home_team": "Home",
    "score": "Score",
    "status": "Status",
    "known_from": "Known from",
    "lead_changes": "Lead changes",
    "leads": "Leads",
    "biggest_run": "Run",
    "excitement": "Excitement",
    "comeback": "Comeback",
}
"""The every-game table's columns, away before home, with their headers: what fits beside the sidebar at
1,400 px with the longest team names (times tied is in the game's figures above and in the download; each
side's biggest lead is one column, as the figures above show it)."""


def game_table(summaries: Sequence[GameSummary]) -> pd.DataFrame:
    """Every game's figures as the table shows them; the comeback factor in percent, never 0 or 100 before the final."""
    stats = game_stats_frame(summaries)
    stats["score"] = stats["away_score"].astype(str) + "–" + stats["home_score"].astype(str)
    stats["known_from"] = [known_from(s.known_from_period, s.known_from_clock) for s in summaries]
    stats["leads"] = stats["biggest_away_lead"].astype(str) + " / " + stats["biggest_home_lead"].astype(str)
    table = stats[list(GAME_TABLE_COLUMNS)].copy()
    comeback = stats["comeback"].astype(float) * 100.0
    table["comeback"] = comeback.where(stats["final"].astype(bool), comeback.clip(1.0, 99.0))
    return table


def render_game_table(summaries: Sequence[GameSummary]) -> None:
    """Every game's figures, most exciting first, partial games with from when; click a header to sort."""
    headers: dict[str, Any] = dict(GAME_TABLE_COLUMNS)
    st.dataframe(
        game_table(summaries),
        hide_index=True,
        width="stretch",
        placeholder="–",
        column_config={
            **headers,
            "score": st.column_config.TextColumn("Score", help="Away–home", alignment="right"),
            # Sized for the longest status, which may be below the rows the table measures.
            "status": st.column_config.TextColumn("Status", width=84),
            "known_from": st.column_config.TextColumn(
                "Known from", help="tip-off, or where a partial game was first seen: its figures miss the start"
            ),
            "leads": st.column_config.TextColumn("Leads", help="Biggest lead, away / home", alignment="right"),
            "excitement": st.column_config.NumberColumn(
                "Excitement", format="%.2f", help="Sum of absolute changes in win probability"
            ),
            "comeback": st.column_config.NumberColumn(
                "Comeback", format="%.0f %%", help="The eventual winner's lowest win probability"
            ),
        },
    )
