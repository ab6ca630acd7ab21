"""The shipped model's prediction of a game's state, as every source of the feed sends it.

The sources (the demo night, real games from a file, the NBA bridge) know different things of the
teams; each passes what it knows to :func:`predict_game`, so one state with one form gets one
chance whichever source served it. ``docs/model.md`` has the model; ``bench/legacy_model.py`` the
one the sources used before, kept as the benches' baseline.

This module is pure: no I/O, no sockets, no Streamlit.
"""

from __future__ import annotations

from lib.model import MODEL_NAME, TeamForm, expected_final_score, home_win_probability, model_clock, prior_name
from lib.protocol import MAX_SCORE, Game, Prediction, clock_seconds

__all__ = ["predict_game"]


def _prediction(game: Game, model: str, probability: float, home: float, away: float) -> Prediction:
    return Prediction(
        game_id=game.game_id,
        home_win_probability=probability,
        predicted_home_score=home,
        predicted_away_score=away,
        model=model,
    )


def _result(game: Game, model: str) -> Prediction:
    """A final game's prediction: its result as a certainty, and its actual score."""
    lead = game.score_differential
    probability = 1.0 if lead > 0 else 0.0 if lead < 0 else 0.5
    return _prediction(game, model, probability, float(game.home_score), float(game.away_score))


def predict_game(
    game: Game, home: TeamForm | None = None, away: TeamForm | None = None, home_spread: float | None = None
) -> Prediction:
    """The shipped model's prediction of a game's state, from what is known of its teams before tip-off.

    Every source predicts through this one function, so a page shows the same chance for the same
    state and form whichever source served it. The prediction's ``model`` is
    :data:`lib.model.MODEL_NAME` with the prior used (``+spread``, ``+form``, ``+record`` or
    ``+home-edge``: :func:`lib.model.prior_name`), so an analyst can tell a game predicted from
    the teams' points from one predicted from the home edge alone. A final game gets its result as
    a certainty; before that the chance is strictly between 0 and 1. The predicted final score is
    the model's expected one at the end of regulation (or of the overtime being played).

    Args:
        game: The game's current state.
        home: The home team's form this season before the game, or ``None`` when unknown.
        away: The away team's, or ``None``.
        home_spread: The pregame betting line, points the home team is expected to win by, or ``None``.

    Returns:
        The prediction.
    """
    model = MODEL_NAME + prior_name(home, away, home_spread)
    if game.status == "final":
        return _result(game, model)
    seconds_left, overtime_left = model_clock(game.period, clock_seconds(game.clock))
    lead = game.score_differential
    probability = home_win_probability(lead, seconds_left, overtime_left, home, away, home_spread)
    home_points, away_points = expected_final_score(
        game.home_score, game.away_score, seconds_left, overtime_left, home, away, home_spread
    )
    return _prediction(game, model, probability, min(home_points, MAX_SCORE), min(away_points, MAX_SCORE))
