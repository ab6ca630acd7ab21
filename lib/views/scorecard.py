"""The prediction scorecard: overall figures, the model by game phase beside its baselines, calibration, per game."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Final

import pandas as pd
import streamlit as st

from lib.analytics.metrics import MIN_GAMES_FOR_MEANING
from lib.analytics.phases import ALL
from lib.frames import ScorecardFrames
from lib.views.format import known_from, plural


def scorecard_note(card: ScorecardFrames) -> str | None:
    """Why the figures mean little, when they do: no finished game yet, or too few scored (besides the partial games
    left out, which finished too)."""
    games = int(card.overall.iloc[0]["games"])
    if games == 0 and card.partial_left_out:
        return (
            "No game seen from its tip-off has finished yet: the overall figures leave out the "
            f"{plural(card.partial_left_out, 'partial game')} below."
        )
    if games == 0:
        return "No finished game with predictions yet: the scorecard fills in as games end."
    if not card.enough:
        besides = (
            f" (and {plural(card.partial_left_out, 'partial game')}, first seen after tip-off, left out)"
            if card.partial_left_out
            else ""
        )
        return (
            f"Only {plural(games, 'scored game')} so far{besides}: with fewer than {MIN_GAMES_FOR_MEANING}, "
            "these figures say more about luck than about the model."
        )
    return None


def partial_note(card: ScorecardFrames) -> str | None:
    """How many partial games the overall figures leave out, when any."""
    if not card.partial_left_out:
        return None
    left_out = plural(card.partial_left_out, "partial game")
    return f"Left out: {left_out}, first seen after tip-off, whose predictions miss the start (marked below)."


def render_scorecard(card: ScorecardFrames) -> None:
    """Everything the scorecard tab shows, with a plain warning when too few games have ended."""
    overall = card.overall.iloc[0]
    games = int(overall["games"])
    note = scorecard_note(card)
    if games == 0:
        st.info(note, icon="⏳")
        if not card.games.empty:
            _render_per_game(card.games)
        return
    if note is not None:
        st.warning(note, icon="⚠️")
    cells = st.columns(5)
    cells[0].metric(
        "Brier score", f"{overall['brier']:.4f}", help="Mean squared error of the probabilities; lower is better"
    )
    cells[1].metric("Log loss", f"{overall['log_loss']:.4f}", help="Lower is better; punishes confident misses")
    accuracy = overall["accuracy"]
    cells[2].metric("Favourite won", "–" if pd.isna(accuracy) else f"{accuracy:.1%}")
    cells[3].metric("Predictions", f"{int(overall['predictions']):,}")
    cells[4].metric("Scored games", games, help="Finished games with a prediction made before the end")
    left_out = partial_note(card)
    if left_out is not None:
        st.caption(left_out)
    _render_phases(card.phases)

    left, right = st.columns(2)
    with left:
        st.markdown("**Reliability**: predicted against observed home-win share")
        st.vega_lite_chart(
            card.calibration,
            {
                "height": 260,
                "layer": [
                    {
                        "data": {"values": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]},
                        "mark": {"type": "line", "color": "#6b7280", "strokeDash": [4, 4]},
                        "encoding": {
                            "x": {"field": "x", "type": "quantitative"},
                            "y": {"field": "y", "type": "quantitative"},
                        },
                    },
                    {
                        "mark": {"type": "circle", "color": "#f97316", "opacity": 0.9},
                        "encoding": {
                            "x": {
                                "field": "mean_predicted",
                                "type": "quantitative",
                                "title": "predicted",
                                "scale": {"domain": [0, 1]},
                                "axis": {"format": "%"},
                            },
                            "y": {
                                "field": "observed",
                                "type": "quantitative",
                                "title": "observed",
                                "scale": {"domain": [0, 1]},
                                "axis": {"format": "%"},
                            },
                            "size": {"field": "predictions", "type": "quantitative", "title": "predictions"},
                        },
                    },
                ],
            },
            width="stretch",
        )
    with right:
        st.markdown("**Calibration buckets**")
        st.dataframe(
            card.calibration,
            hide_index=True,
            width="stretch",
            placeholder="–",
            column_config={
                "lower": st.column_config.NumberColumn("From", format="percent"),
                "upper": st.column_config.NumberColumn("To", format="percent"),
                "predictions": "Predictions",
                "mean_predicted": st.column_config.NumberColumn("Predicted", format="percent"),
                "observed": st.column_config.NumberColumn("Observed", format="percent"),
            },
        )
    _render_per_game(card.games)


def phase_table(phases: pd.DataFrame) -> pd.DataFrame:
    """The table by phase as the page shows it: the phases with predictions, named as people read them, each figure
    ours then the baselines' under one heading, calibration errors in percentage points."""
    table = phases.loc[phases["predictions"] > 0, list(PHASE_HEADINGS)].reset_index(drop=True)
    table["phase"] = table["phase"].map(PHASE_NAMES)
    for column in _CALIBRATION_COLUMNS:
        table[column] = table[column].astype(float) * 100.0
    table.columns = pd.MultiIndex.from_tuples(PHASE_HEADINGS.values())
    return table


def phase_note(phases: pd.DataFrame) -> str | None:
    """What the model adds over every phase, in a sentence: its Brier score against each baseline's; ``None`` before
    any prediction is scored."""
    every = phases[phases["phase"] == ALL].iloc[0]
    if not every["predictions"]:
        return None
    ours = float(every["brier"])

    def beside(name: str, theirs: float) -> str:
        gap = round(theirs - ours, 4)
        if gap == 0:
            return f"level with {name} ({theirs:.4f})"
        return f"{abs(gap):.4f} {'below' if gap > 0 else 'above'} {name} ({theirs:.4f})"

    return (
        f"Over every phase our Brier score, {ours:.4f}, is "
        f"{beside('the model with nothing known', float(every['brier_nothing_known']))} and "
        f"{beside('Stern’s', float(every['brier_stern']))}: lower is better."
    )


def _render_phases(phases: pd.DataFrame) -> None:
    st.markdown("**By game phase**, beside two baselines on the same game states")
    table = phase_table(phases)
    brier: list[Hashable] = [PHASE_HEADINGS[column] for column in _BRIER_COLUMNS]
    calibration: list[Hashable] = [PHASE_HEADINGS[column] for column in _CALIBRATION_COLUMNS]
    styled = (
        table.style.format("{:,}", subset=[PHASE_HEADINGS["predictions"]])
        .format("{:.4f}", subset=brier, na_rep="–")
        .format("{:.1f} %", subset=calibration, na_rep="–")
    )
    st.dataframe(
        styled,
        hide_index=True,
        placeholder="–",
        # Sized for the longest phase, which the table may not hold yet when it first measures its columns.
        column_config={PHASE_HEADINGS["phase"][1]: st.column_config.TextColumn(width=_PHASE_WIDTH)},
    )
    note = phase_note(phases)
    st.caption(
        f"{'' if note is None else note + '  '}\n"
        "**Ours**: the predictions as the feed made them. **Nothing known**: the win-probability model with "
        "neither team's form nor a betting line. **Stern**: Stern's 1994 model. Overtimes count in the last five "
        "minutes. Calibration error: how far, on average over the predictions, the home-win share of each 10 % "
        "bucket is from its mean prediction, in percentage points."
    )


def _render_per_game(games: pd.DataFrame) -> None:
    st.markdown("**Per game**")
    since = [
        known_from(None if pd.isna(period) else int(period), clock)
        for period, clock in zip(games["known_from_period"], games["known_from_clock"], strict=True)
    ]
    table = games.drop(columns=["known_from_period", "known_from_clock"])
    table.insert(list(table.columns).index("partial") + 1, "known_from", since)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        placeholder="–",
        column_order=list(PER_GAME_COLUMNS),
        column_config={
            **PER_GAME_COLUMNS,
            "known_from": st.column_config.TextColumn(
                "Known from", help="tip-off, or where a partial game was first seen: left out of the overall figures"
            ),
            "brier": st.column_config.NumberColumn("Brier", format="%.4f"),
            "log_loss": st.column_config.NumberColumn("Log loss", format="%.4f"),
            "accuracy": st.column_config.NumberColumn(
                "Favourite won", format="percent", help="Share of the game's predictions whose favourite won"
            ),
        },
    )


PER_GAME_COLUMNS: Final[dict[str, Any]] = {
    "away_team": "Away",
    "home_team": "Home",
    "away_score": "Away pts",
    "home_score": "Home pts",
    "home_won": "Home won",
    "known_from": "Known from",
    "predictions": "Predictions",
    "brier": "Brier",
    "log_loss": "Log loss",
    "accuracy": "Favourite won",
}
"""The per-game table as people read it: away before home, no game ids (the download keeps them)."""


_PHASE_WIDTH: Final = 280
"""Pixels that hold the longest phase's name."""

PHASE_HEADINGS: Final[dict[str, tuple[str, str]]] = {
    "phase": ("", "Phase"),
    "predictions": ("", "Predictions"),
    "brier": ("Brier score", "Ours"),
    "brier_nothing_known": ("Brier score", "Nothing known"),
    "brier_stern": ("Brier score", "Stern"),
    "calibration_error": ("Calibration error", "Ours"),
    "calibration_error_nothing_known": ("Calibration error", "Nothing known"),
    "calibration_error_stern": ("Calibration error", "Stern"),
}
"""The table by phase as people read it, each column under its heading: every figure ours, then the two baselines'
(the analyst API has the games of each phase too)."""
_BRIER_COLUMNS: Final = ("brier", "brier_nothing_known", "brier_stern")
_CALIBRATION_COLUMNS: Final = ("calibration_error", "calibration_error_nothing_known", "calibration_error_stern")

PHASE_NAMES: Final = {
    "pregame": "Pregame",
    "first half": "First half",
    "third quarter": "Third quarter",
    "fourth quarter before the last five minutes": "Fourth quarter before the last five minutes",
    "last five minutes": "Last five minutes",
    "all": "All",
}
"""Each row of the table by phase as the page names it."""
