"""predict_game: the shipped model's prediction of a game's state, named with its prior."""

from __future__ import annotations

from typing import Any

import pytest

from lib.feed.model import predict_game
from lib.model import MODEL_NAME, TeamForm, home_win_probability
from lib.protocol import Game
from tests.helpers import game


def _game(**fields: Any) -> Game:
    return Game.model_validate(game("g1", **fields))


def test_predict_game_names_the_prior_it_used() -> None:
    """predict_game's model name says whether the spread, the teams' points, their records or the home edge was used."""
    game = _game(status="live", period=2, clock="06:00")
    full = TeamForm(wins=10, losses=5, points_for=1700, points_against=1650)
    record = TeamForm(wins=7, losses=8)
    assert predict_game(game, full, full).model == f"{MODEL_NAME}+form"
    assert predict_game(game, full, record).model == f"{MODEL_NAME}+record"
    assert predict_game(game, full, None).model == f"{MODEL_NAME}+home-edge"
    assert predict_game(game, full, record, home_spread=4.5).model == f"{MODEL_NAME}+spread"


def test_predict_game_is_the_public_model_for_the_state() -> None:
    """predict_game's chance is lib.model.home_win_probability of the game's lead and clock; a final is its result."""
    home, away = TeamForm(wins=20, losses=5, points_for=2900, points_against=2700), TeamForm(wins=5, losses=20)
    game = _game(status="live", period=3, clock="05:30")
    seconds_left = 12 * 60 + 5 * 60 + 30
    expected = home_win_probability(game.score_differential, float(seconds_left), None, home, away)
    assert predict_game(game, home, away).home_win_probability == pytest.approx(expected)
    overtime = _game(status="live", period=5, clock="02:00")
    assert predict_game(overtime).home_win_probability == pytest.approx(
        home_win_probability(overtime.score_differential, 0.0, 120.0)
    )
    final = _game(status="final", period=4, clock="00:00")
    assert predict_game(final, home, away).home_win_probability in (0.0, 0.5, 1.0)
