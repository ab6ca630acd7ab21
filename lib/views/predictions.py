"""The predictions table: ``st.dataframe`` with column configuration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo

import pandas as pd
import pyarrow as pa
import streamlit as st

from lib.views.format import CardData, game_clock


def predictions_table(cards: Sequence[CardData], now: float, tz: tzinfo = UTC) -> pd.DataFrame:
    """One row per game: matchup, score, clock, home win probability, predicted final; times of day in ``tz``."""
    rows = []
    for card in cards:
        game = card.game
        prediction = card.prediction.prediction if card.prediction else None
        predicted = None
        if prediction and prediction.predicted_home_score is not None and prediction.predicted_away_score is not None:
            predicted = f"{prediction.predicted_away_score:.0f}–{prediction.predicted_home_score:.0f}"
        rows.append(
            {
                "Away": game.away_team,
                "Home": game.home_team,
                "Score": f"{game.away_score}–{game.home_score}",
                "Clock": game_clock(game, now, tz),
                "Home win": None if prediction is None else 100.0 * prediction.home_win_probability,
                "Predicted final": predicted,
                "Model": None if prediction is None else prediction.model,
                "Game": game.game_id,
            }
        )
    return pd.DataFrame(
        rows, columns=["Away", "Home", "Score", "Clock", "Home win", "Predicted final", "Model", "Game"]
    )


def render_predictions(table: pd.DataFrame | pa.Table) -> None:
    """The predictions table (or the Arrow table made of it); the win probability as a progress bar."""
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "Home win": st.column_config.ProgressColumn(
                "Home win", help="Home win probability", min_value=0.0, max_value=100.0, format="%.0f%%"
            ),
        },
    )
