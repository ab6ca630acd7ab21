"""The analyst's DataFrames, built from store records: columns, values, times as UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd

from lib.analytics.report import score_finished_games
from lib.frames import (
    GAME_COLUMNS,
    PHASE_COLUMNS,
    PREDICTION_COLUMNS,
    SCORECARD_COLUMNS,
    game_stats_frame,
    games_frame,
    history_frame,
    latency_frame,
    player_wpa_frame,
    plays_frame,
    prediction_history_frame,
    predictions_frame,
    scorecard_frames,
)
from lib.protocol import Game, Prediction
from lib.store import GameRecord, HistoryPoint, LatencySample, PredictionPoint, PredictionRecord
from tests.helpers import game

T = 1_800_000_000.0


def record(**fields: Any) -> GameRecord:
    return GameRecord(Game.model_validate(game(**fields)), T, T + 1, None, None, 0)


def test_games_frame_has_the_standard_columns_then_a_servers_extra_fields() -> None:
    """One row per game, home-minus-away differential derived, times in UTC, extra fields after the standard ones."""
    frame = games_frame({"g1": record(home_score=60, away_score=52, home_tricode="BOS", correction=True)})
    assert tuple(frame.columns) == (*GAME_COLUMNS, "home_tricode")
    row = frame.iloc[0]
    assert (row.game_id, row.differential, row.home_tricode) == ("g1", 8, "BOS")
    assert row.updated_at == pd.Timestamp(T, unit="s", tz="UTC")
    assert row.received_at == pd.Timestamp(T + 1, unit="s", tz="UTC")


def test_games_frame_keeps_the_start_time_as_a_utc_timestamp() -> None:
    """A tip-off time comes out as a pandas UTC timestamp."""
    start = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
    frame = games_frame({"g1": record(status="scheduled", period=0, clock="12:00", start_time=start)})
    assert frame.iloc[0].start_time == pd.Timestamp(start)


def test_predictions_and_histories_in_order_with_their_columns() -> None:
    """The latest prediction per game; every score change and prediction in the order received."""
    prediction = PredictionRecord(Prediction(game_id="g1", home_win_probability=0.7, model="m"), T, None, None, 0)
    assert tuple(predictions_frame({"g1": prediction}).columns) == PREDICTION_COLUMNS
    points = [
        HistoryPoint("g1", T, T, "score_update", 2, 0, 1, "11:00", "live"),
        HistoryPoint("g1", T + 5, T + 5, "score_update", 2, 3, 1, "10:30", "live"),
    ]
    history = history_frame(points)
    assert list(history.differential) == [2, -1]
    assert list(history.columns[:7]) == [
        "game_id",
        "received_at",
        "ts",
        "type",
        "home_score",
        "away_score",
        "differential",
    ]
    made = prediction_history_frame([PredictionPoint("g1", T, None, 0.6, 1, "11:00", 2, 0, "live")])
    assert made.iloc[0].home_win_probability == 0.6
    latency = latency_frame([LatencySample(T, 1.5, 0.01, "score_update")])
    assert (latency.iloc[0].e2e_ms, latency.iloc[0].received_at) == (1.5, pd.Timestamp(T, unit="s", tz="UTC"))


def test_empty_frames_still_have_their_columns() -> None:
    """Nothing yet: every frame has its columns, so code written for a live night runs on a quiet one."""
    assert tuple(games_frame({}).columns) == GAME_COLUMNS
    assert len(history_frame([]).columns) == len(HistoryPoint._fields) + 1
    card = scorecard_frames(score_finished_games({}, {}))
    assert tuple(card.games.columns) == SCORECARD_COLUMNS
    assert tuple(card.phases.columns) == PHASE_COLUMNS
    assert list(card.phases.predictions) == [0] * 6
    assert card.phases.brier.isna().all()


def test_empty_frames_have_the_types_their_rows_would_give() -> None:
    """Nothing yet: numbers are numbers and truths truths, so ``nlargest`` and friends work on a quiet night."""
    card = scorecard_frames(score_finished_games({}, {}))
    empty = {
        "games": games_frame({}),
        "predictions": predictions_frame({}),
        "history": history_frame([]),
        "prediction_history": prediction_history_frame([]),
        "latency": latency_frame([]),
        "plays": plays_frame([]),
        "player_wpa": player_wpa_frame([]),
        "game_stats": game_stats_frame([]),
        "scorecard games": card.games,
    }
    assert empty["player_wpa"].nlargest(5, "wpa").empty
    assert empty["plays"].nlargest(5, "home_wp_change").empty
    kinds = {name: {column: frame[column].dtype.kind for column in frame.columns} for name, frame in empty.items()}
    assert kinds["plays"]["play_id"] == kinds["plays"]["home_score"] == "i"
    assert kinds["plays"]["wpa"] == kinds["player_wpa"]["wpa"] == "f"
    assert kinds["player_wpa"]["plays"] == "i"
    assert kinds["game_stats"]["final"] == kinds["scorecard games"]["home_won"] == "b"
    assert kinds["history"]["received_at"] == "M"
    assert str(empty["latency"]["received_at"].dtype) == "datetime64[ns, UTC]"
    assert kinds["predictions"]["predicted_home_score"] == kinds["latency"]["e2e_ms"] == "f"
    leads = ("biggest_home_lead", "biggest_away_lead", "biggest_run")
    assert {kinds["game_stats"][column] for column in leads} == {"i"}


def test_a_figure_not_known_is_nan_in_a_float_column() -> None:
    """A prediction without a predicted score has NaN there, in a float column, as when some have one."""
    unscored = Prediction(game_id="g1", home_win_probability=0.6)
    frame = predictions_frame({"g1": PredictionRecord(unscored, T, None, None, 0)})
    assert frame["predicted_home_score"].dtype == "float64"
    assert frame["predicted_home_score"].isna().all()
