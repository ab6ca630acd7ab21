"""The predictions table: one row per card, the win probability in percent, the model named."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lib.protocol import Game, Prediction
from lib.store import PredictionRecord
from lib.views.format import CardData
from lib.views.predictions import predictions_table
from tests.helpers import NOW, game


def card(game_id: str, prediction: float | None, model: str = "stern-refit-2015-16+odds", **fields: object) -> CardData:
    made = None
    if prediction is not None:
        made = PredictionRecord(
            Prediction(
                game_id=game_id,
                home_win_probability=prediction,
                predicted_home_score=110.4,
                predicted_away_score=104.6,
                model=model,
            ),
            NOW,
            None,
            None,
            0,
        )
    return CardData(Game.model_validate(game(game_id, **fields)), made, NOW)


def test_a_row_per_card_in_the_cards_order() -> None:
    """Teams, score, clock, the probability in percent, the predicted final away-home, the model; no game id."""
    table = predictions_table([card("b", 0.713, away_team="First"), card("a", None)], NOW)
    assert list(table.Away) == ["First", "New York Knicks"]
    assert "Game" not in table.columns
    first = table.iloc[0]
    assert (first.Away, first.Home, first.Score, first.Clock) == (
        "First",
        "Boston Celtics",
        "48–50",
        "Q3 07:12",
    )
    assert first["Home win"] == "71 %"
    assert (first["Predicted final"], first.Prior, first.Model) == ("105–110", "Betting line", "stern-refit-2015-16")
    second = table.iloc[1]
    assert second[["Home win", "Predicted final", "Prior", "Model"]].isna().all()


def test_the_prior_in_words_beside_the_model() -> None:
    """The Prior column says what the model knew of the teams before tip-off, from the model name's suffix."""
    from lib.model import MODEL_NAME

    def prior(model: str) -> tuple[str, str]:
        row = predictions_table([card("g", 0.5, model=model)], NOW).iloc[0]
        return row.Prior, row.Model

    assert prior(f"{MODEL_NAME}+form") == ("Team form", MODEL_NAME)
    assert prior(f"{MODEL_NAME}+record") == ("Records", MODEL_NAME)
    assert prior(f"{MODEL_NAME}+home-edge") == ("Home edge", MODEL_NAME)
    assert prior(f"{MODEL_NAME}+spread") == ("Betting line", MODEL_NAME)
    assert prior("elo+vibes") == ("vibes", "elo")


def test_tip_off_times_in_the_viewers_time_zone() -> None:
    """A scheduled game's clock column reads the tip-off in the viewer's zone."""
    start = datetime.fromtimestamp(NOW + 3 * 3600, UTC)
    scheduled = card(
        "s", 0.5, status="scheduled", period=0, clock="12:00", home_score=0, away_score=0, start_time=start
    )
    table = predictions_table([scheduled], NOW, ZoneInfo("America/New_York"))
    expected = start.astimezone(ZoneInfo("America/New_York")).strftime("%I:%M %p").lstrip("0")
    assert table.iloc[0].Clock.startswith(f"Tip-off {expected}")
