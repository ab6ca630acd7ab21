"""Tests for lib.feed.model: Stern's win probability, its end-game edge cases, and SternModel."""

from __future__ import annotations

import math
from typing import Any

import pytest

from lib.feed.model import (
    EXPECTED_TOTAL,
    MAX_PROBABILITY,
    MIN_PROBABILITY,
    SIGMA,
    SternModel,
    WinProbabilityModel,
    remaining_share,
    stern_win_probability,
)
from lib.protocol import Game, PredictionUpdate, encode, parse

OVERTIME = 5 / 48
LEADS = range(-40, 41)
REMAINING = [0.0, 1e-12, 1e-6, 0.001, 0.01, OVERTIME, 0.25, 0.5, 1.0]
MARGINS = [-20.0, -3.0, 0.0, 3.0, 20.0]


def _phi(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def _game(**fields: Any) -> Game:
    state: dict[str, Any] = {
        "game_id": "g1",
        "home_team": "Boston Celtics",
        "away_team": "New York Knicks",
        "home_score": 0,
        "away_score": 0,
        "period": 1,
        "clock": "12:00",
        "status": "live",
    }
    state.update(fields)
    return Game(**state)


def test_even_game_at_tip_off_is_a_coin_flip() -> None:
    """Two equal teams, tied at tip-off, have a 50% chance each."""
    assert stern_win_probability(0, 1.0, 0.0) == pytest.approx(0.5)


def test_matches_sterns_formula_away_from_the_buzzer() -> None:
    """With time left, the whole-point refinement stays within a percent of Phi((L + mu r) / (sigma sqrt r))."""
    for lead in (-15, -4, 0, 3, 12):
        for remaining in (0.1, 0.5, 1.0):
            plain = _phi((lead + 4.0 * remaining) / (SIGMA * math.sqrt(remaining)))
            assert stern_win_probability(lead, remaining, 4.0) == pytest.approx(plain, abs=0.01)


def test_any_lead_at_the_buzzer_decides_the_game() -> None:
    """At r = 0 the leader has won, whatever the pregame margin."""
    for margin in MARGINS:
        assert stern_win_probability(1, 0.0, margin) == 1.0
        assert stern_win_probability(-1, 0.0, margin) == 0.0


def test_r_to_zero_is_continuous() -> None:
    """As r shrinks to 0 the probability approaches the buzzer value, without a jump."""
    assert stern_win_probability(2, 1e-9, -10.0) == pytest.approx(1.0)
    assert stern_win_probability(-2, 1e-9, 10.0) == pytest.approx(0.0)
    assert stern_win_probability(0, 1e-9, 6.0) == pytest.approx(stern_win_probability(0, 0.0, 6.0))


def test_tie_at_the_buzzer_goes_to_overtime() -> None:
    """A tie at r = 0 is worth the chance of winning a fresh overtime: even for equal teams, above for the favourite."""
    assert stern_win_probability(0, 0.0, 0.0) == pytest.approx(0.5)
    favourite = stern_win_probability(0, 0.0, 6.0)
    assert 0.5 < favourite < stern_win_probability(0, 1.0, 6.0)
    assert stern_win_probability(0, 0.0, -6.0) == pytest.approx(1 - favourite)


def test_start_of_overtime_equals_tie_at_the_buzzer() -> None:
    """The end of regulation tied and the start of overtime are the same state."""
    for margin in MARGINS:
        assert stern_win_probability(0, OVERTIME, margin) == pytest.approx(stern_win_probability(0, 0.0, margin))


def test_overtime_lead_counts_for_more_than_the_same_lead_early() -> None:
    """A 3-point lead with a minute of overtime left is worth more than at tip-off."""
    late = stern_win_probability(3, 1 / 48, 0.0)
    assert late > stern_win_probability(3, 1.0, 0.0)
    assert late > 0.9


def test_monotonic_in_lead() -> None:
    """A bigger lead never lowers the home team's chance."""
    for remaining in REMAINING:
        for margin in MARGINS:
            chances = [stern_win_probability(lead, remaining, margin) for lead in LEADS]
            assert chances == sorted(chances)


def test_monotonic_in_pregame_margin() -> None:
    """A stronger home team never has a lower chance."""
    for remaining in (0.01, 0.5, 1.0):
        chances = [stern_win_probability(2, remaining, margin) for margin in MARGINS]
        assert chances == sorted(chances)


def test_never_nan_and_always_a_probability() -> None:
    """Across leads, times and margins, including r = 0 and lopsided games, the result is in [0, 1]."""
    for remaining in REMAINING:
        for margin in [*MARGINS, -400.0, 400.0]:
            for lead in (-400, -1, 0, 1, 400):
                chance = stern_win_probability(lead, remaining, margin)
                assert not math.isnan(chance)
                assert 0.0 <= chance <= 1.0


@pytest.mark.parametrize(
    ("remaining", "sigma"), [(-0.1, SIGMA), (math.nan, SIGMA), (0.5, 0.0), (0.5, -1.0)]
)
def test_rejects_impossible_arguments(remaining: float, sigma: float) -> None:
    """A negative or NaN time left, or a non-positive sigma, raises instead of returning NaN."""
    with pytest.raises(ValueError, match="must be"):
        stern_win_probability(0, remaining, 0.0, sigma=sigma)


@pytest.mark.parametrize(
    ("fields", "share"),
    [
        ({"status": "scheduled", "period": 0}, 1.0),
        ({"period": 1, "clock": "12:00"}, 1.0),
        ({"period": 2, "clock": "00:00", "status": "halftime"}, 0.5),
        ({"period": 4, "clock": "01:30"}, 1.5 / 48),
        ({"period": 4, "clock": "00:04.5"}, 4.5 / 2880),
        ({"period": 5, "clock": "05:00"}, 5 / 48),
        ({"period": 6, "clock": "02:30"}, 2.5 / 48),
    ],
)
def test_remaining_share_of_game_states(fields: dict[str, Any], share: float) -> None:
    """Time left is counted to the end of regulation, or of the current overtime, per 48 minutes."""
    assert remaining_share(_game(**fields)) == pytest.approx(share)


def test_prediction_before_tip_off() -> None:
    """A scheduled game gets the pregame chance and a final score of half the total each, split by the margin."""
    prediction = SternModel().predict(_game(status="scheduled", period=0), 6.0)
    assert prediction.home_win_probability == pytest.approx(stern_win_probability(0, 1.0, 6.0))
    assert prediction.predicted_home_score == pytest.approx((EXPECTED_TOTAL + 6.0) / 2)
    assert prediction.predicted_away_score == pytest.approx((EXPECTED_TOTAL - 6.0) / 2)
    assert (prediction.game_id, prediction.model) == ("g1", "stern-1994")


def test_prediction_adds_expected_points_for_the_time_left() -> None:
    """At halftime the predicted final score is the score plus half a game's expected points."""
    game = _game(period=2, clock="00:00", status="halftime", home_score=60, away_score=50)
    prediction = SternModel(expected_total=200.0).predict(game, 0.0)
    assert prediction.predicted_home_score == pytest.approx(110.0)
    assert prediction.predicted_away_score == pytest.approx(100.0)


def test_live_prediction_is_clipped() -> None:
    """An unfinished game is never called with certainty, however lopsided."""
    model = SternModel()
    blowout = model.predict(_game(period=4, clock="00:01", home_score=130, away_score=90), 0.0)
    assert blowout.home_win_probability == MAX_PROBABILITY
    hopeless = model.predict(_game(period=4, clock="00:00", home_score=90, away_score=91), 10.0)
    assert hopeless.home_win_probability == MIN_PROBABILITY


def test_final_prediction_is_the_result() -> None:
    """A final game's prediction is its result with certainty and its actual score."""
    model = SternModel()
    won = model.predict(_game(period=4, clock="00:00", status="final", home_score=101, away_score=99), -5.0)
    lost = model.predict(_game(period=5, clock="00:00", status="final", home_score=99, away_score=101), 5.0)
    assert (won.home_win_probability, won.predicted_home_score, won.predicted_away_score) == (1.0, 101, 99)
    assert lost.home_win_probability == 0.0


def test_predictions_are_valid_protocol_messages() -> None:
    """Predictions survive the wire: encode, then parse, gives the same message."""
    model = SternModel()
    for game in (_game(status="scheduled", period=0), _game(period=3, clock="07:12", home_score=70)):
        message = PredictionUpdate(data=model.predict(game, 3.0))
        assert parse(encode(message)) == message


def test_stern_model_is_a_win_probability_model() -> None:
    """SternModel fits the interface that a better model would implement."""
    model: WinProbabilityModel = SternModel()
    assert model.name == "stern-1994"


@pytest.mark.parametrize("arguments", [{"sigma": 0.0}, {"expected_total": -1.0}])
def test_model_rejects_impossible_settings(arguments: dict[str, float]) -> None:
    """A non-positive sigma or a negative expected total is refused at construction."""
    with pytest.raises(ValueError, match="must be"):
        SternModel(**arguments)
