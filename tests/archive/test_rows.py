"""Accepted messages as archive rows: natural keys, predictions under their game's state, sources without secrets."""

from __future__ import annotations

import pytest

from lib.archive.rows import REMEMBERED_GAMES, Batch, RowBuilder, StateRow, source_label
from lib.protocol import GameEnd, PongMessage, PredictionUpdate, ScoreUpdate
from tests.helpers import NOW, game


def state(**fields: object) -> ScoreUpdate:
    return ScoreUpdate.model_validate({"type": "score_update", "ts": NOW, "data": game(**fields)})


def prediction(game_id: str = "g1", p: float = 0.6, **fields: object) -> PredictionUpdate:
    data = {"game_id": game_id, "home_win_probability": p, **fields}
    return PredictionUpdate.model_validate({"type": "prediction", "data": data})


def test_a_game_message_becomes_a_state_row_with_its_receipt() -> None:
    """A score update is one row: the state, the teams, the game time, the receive and send times, the source."""
    batch = Batch()
    RowBuilder("demo", first_arrival=7).add(state(period=3, clock="07:12"), NOW + 1, batch)
    assert batch.states == [
        StateRow("g1", 50, 48, 3, "07:12", "live", "Boston Celtics", "New York Knicks", None, "score_update",
                 2 * 720 + 720 - 432, NOW + 1, NOW, "demo", 7)
    ]  # fmt: skip
    assert batch.predictions == []


def test_a_prediction_is_filed_under_the_state_its_game_had_when_it_arrived() -> None:
    """The prediction row carries the latest state seen before it, and ``arrival`` counts every row."""
    builder, batch = RowBuilder("nba", first_arrival=1), Batch()
    builder.add(state(home_score=50), NOW, batch)
    builder.add(state(home_score=53, clock="06:40"), NOW + 1, batch)
    builder.add(prediction(p=0.71, model="m", predicted_home_score=110.5), NOW + 2, batch)
    (row,) = batch.predictions
    assert (row.home_score, row.away_score, row.period, row.clock, row.status) == (53, 48, 3, "06:40", "live")
    assert (row.home_win_probability, row.model, row.predicted_home_score, row.predicted_away_score) == (
        0.71,
        "m",
        110.5,
        None,
    )
    assert (row.received_at, row.ts, row.arrival) == (NOW + 2, None, 3)


def test_a_prediction_without_a_model_has_an_empty_model_key() -> None:
    """A key column cannot be NULL: no model is the empty string (the ``predictions`` view shows NULL)."""
    builder, batch = RowBuilder("demo", first_arrival=1), Batch()
    builder.add(state(), NOW, batch)
    builder.add(prediction(), NOW, batch)
    assert batch.predictions[0].model == ""


def test_a_prediction_for_a_game_never_seen_is_counted_not_archived() -> None:
    """Filing a prediction under a made-up state would corrupt the key: it is an orphan."""
    builder, batch = RowBuilder("demo", first_arrival=1), Batch()
    builder.add(prediction("unknown"), NOW, batch)
    assert (len(batch), builder.orphans) == (0, 1)


def test_other_messages_make_no_rows() -> None:
    """A pong is accepted by the store but is not part of a night."""
    builder, batch = RowBuilder("demo", first_arrival=1), Batch()
    builder.add(PongMessage.model_validate({"type": "pong", "data": {"timestamp": 1.0}}), NOW, batch)
    assert len(batch) == 0


def test_the_final_state_and_its_message_type_are_kept() -> None:
    """A game end is a state row of type ``game_end`` at the game's full time."""
    batch = Batch()
    final = GameEnd.model_validate({"type": "game_end", "data": game(status="final", period=5, clock="00:00")})
    RowBuilder("demo", first_arrival=1).add(final, NOW, batch)
    assert (batch.states[0].type, batch.states[0].game_seconds) == ("game_end", 4 * 720 + 300)


def test_the_builder_remembers_a_bounded_number_of_games() -> None:
    """Only the most recently updated games' states are kept: an old game's late prediction is an orphan."""
    builder, batch = RowBuilder("demo", first_arrival=1), Batch()
    for number in range(REMEMBERED_GAMES + 1):
        builder.add(state(game_id=f"g{number}"), NOW, batch)
    builder.add(prediction("g0"), NOW, batch)
    builder.add(prediction(f"g{REMEMBERED_GAMES}"), NOW, batch)
    assert (len(batch.predictions), builder.orphans) == (1, 1)


@pytest.mark.parametrize(
    ("source", "label"),
    [
        ("demo", "demo"),
        ("  nba ", "nba"),
        ("wss://alice:s3cret@feed.example.com:8443/ws/live?token=abc", "wss://feed.example.com:8443/ws/live?token=***"),
        ("import:night.jsonl", "import:night.jsonl"),
    ],
)
def test_a_source_is_a_short_label_and_a_url_loses_its_credentials(source: str, label: str) -> None:
    """A feed URL is recorded without ``user:password@`` and with every query value masked."""
    assert source_label(source) == label


@pytest.mark.parametrize("source", ["", "   ", "x" * 201])
def test_an_empty_or_overlong_source_is_refused(source: str) -> None:
    """A source label is 1-200 characters."""
    with pytest.raises(ValueError, match="1-200 characters"):
        source_label(source)
