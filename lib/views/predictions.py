"""The predictions table: one row per game, in the cards' order, as people read it (no ids, no empty values)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from typing import Final

import pandas as pd
import pyarrow as pa
import streamlit as st

from lib.views.format import CardData, game_clock, model_and_prior, predicted_final, win_chance

COLUMNS = ("Away", "Home", "Score", "Clock", "Home win", "Predicted final", "Prior", "Model")
SCORE_WIDTH: Final = 110
"""Pixels of a score column: "188–199" and its padding, with room to spare."""


def predictions_table(cards: Sequence[CardData], now: float, tz: tzinfo = UTC) -> pd.DataFrame:
    """One row per game: matchup, score, clock, home win probability, predicted final; times of day in ``tz``.

    Text as shown: the probability in words (``>99 %`` until the final), the predicted final away–home,
    what the model knew of the teams before tip-off (the prior: ``Team form``, ``Records``, ``Home edge``,
    ``Betting line``) beside the model's name; what a feed left out is ``None``, which the table shows
    as a dash.
    """
    rows = []
    for card in cards:
        game = card.game
        prediction = card.prediction.prediction if card.prediction else None
        predicted = None
        if prediction and prediction.predicted_home_score is not None and prediction.predicted_away_score is not None:
            away, home = predicted_final(prediction.predicted_away_score, prediction.predicted_home_score)
            predicted = f"{away}–{home}"
        model, prior = model_and_prior(prediction.model) if prediction and prediction.model else (None, None)
        rows.append(
            (
                game.away_team,
                game.home_team,
                f"{game.away_score}–{game.home_score}",
                game_clock(game, now, tz),
                None
                if prediction is None
                else win_chance(prediction.home_win_probability, final=game.status == "final"),
                predicted,
                prior,
                model,
            )
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def render_predictions(table: pd.DataFrame | pa.Table) -> None:
    """The predictions table (or the Arrow table made of it); a missing value is a dash; no table without games."""
    if len(table) == 0:
        st.caption("No games to predict yet.")
        return
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        placeholder="–",
        column_config={
            # Widths fixed for a triple-digit score: a column sized to the first scores a page saw
            # ("0–0") shows "113–133" as "13–133" on a phone, where the table scrolls at its widths.
            "Score": st.column_config.TextColumn("Score", help="Away–home", alignment="right", width=SCORE_WIDTH),
            "Home win": st.column_config.TextColumn("Home win", help="Home win probability", alignment="right"),
            "Predicted final": st.column_config.TextColumn(
                "Predicted final", help="Away–home", alignment="right", width=SCORE_WIDTH
            ),
            "Prior": st.column_config.TextColumn(
                "Prior", help="What the model knew before tip-off: team form, records, a betting line or the home edge"
            ),
        },
    )
