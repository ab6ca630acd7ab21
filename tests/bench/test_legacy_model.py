"""The benches' baseline models (bench/legacy_model.py): Stern's, the refitted CalibratedModel, their edge cases."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.legacy_model import (
    EXPECTED_TOTAL,
    HOME_EDGE_2015_16,
    LATE_SPREAD_SHARE,
    LEAD_SHRINK,
    MAX_PROBABILITY,
    MIN_PROBABILITY,
    SIGMA,
    CalibratedModel,
    SternModel,
    WinProbabilityModel,
    calibrated_win_probability,
    remaining_share,
    stern_win_probability,
)
from lib.analytics.metrics import brier, calibration
from lib.feed.flows import GameFlow
from lib.protocol import MAX_SCORE, Game, PredictionUpdate, encode, parse

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


@pytest.mark.parametrize(("remaining", "sigma"), [(-0.1, SIGMA), (math.nan, SIGMA), (0.5, 0.0), (0.5, -1.0)])
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


# --- CalibratedModel: Stern's frame refitted to the real 2015-16 flows --------------------------


def test_calibrated_formula_by_hand() -> None:
    """Lead 5 at halftime, mu = 0: the final margin is normal, rounded to whole points, ties to overtime.

    mean = 5 / (1 + k * sqrt(0.5)); var = 13² * ((1 - a) * 0.5 + a * sqrt(0.5)); a fresh overtime is
    a coin flip for mu = 0, so P = P(margin > 0.5) + P(|margin| <= 0.5) / 2.
    """
    mean = 5 / (1 + LEAD_SHRINK * math.sqrt(0.5))
    spread = 13 * math.sqrt((1 - LATE_SPREAD_SHARE) * 0.5 + LATE_SPREAD_SHARE * math.sqrt(0.5))
    win = 1 - _phi((0.5 - mean) / spread)
    tie = _phi((0.5 - mean) / spread) - _phi((-0.5 - mean) / spread)
    assert calibrated_win_probability(5, 0.5, 0.0) == pytest.approx(win + tie / 2)


def test_calibrated_without_its_refinements_is_stern() -> None:
    """No lead shrink and no end-game spread leave exactly Stern's model."""
    for lead in (-12, -1, 0, 2, 9):
        for remaining in REMAINING:
            for margin in MARGINS:
                assert calibrated_win_probability(
                    lead, remaining, margin, spread=SIGMA, late_share=0.0, lead_shrink=0.0
                ) == pytest.approx(stern_win_probability(lead, remaining, margin), abs=1e-12)


def test_calibrated_is_less_sure_of_a_lead_than_stern() -> None:
    """The fit's point: Stern is overconfident. Up 10 with a quarter left is worth less here, but still much."""
    calibrated = calibrated_win_probability(10, 0.25, 0.0)
    assert 0.8 < calibrated < stern_win_probability(10, 0.25, 0.0)


def test_calibrated_monotonic_in_lead_and_pregame_margin() -> None:
    """A bigger lead, or a stronger home team, never lowers the home team's chance."""
    for remaining in REMAINING:
        for margin in MARGINS:
            chances = [calibrated_win_probability(lead, remaining, margin) for lead in LEADS]
            assert chances == sorted(chances)
    for remaining in (0.01, OVERTIME, 0.5, 1.0):
        chances = [calibrated_win_probability(2, remaining, margin) for margin in MARGINS]
        assert chances == sorted(chances)


def test_calibrated_is_symmetric() -> None:
    """Swapping home and away (lead and margin change sign) swaps the chances exactly."""
    for lead in (0, 1, 4, 17):
        for remaining in REMAINING:
            for margin in MARGINS:
                home = calibrated_win_probability(lead, remaining, margin)
                away = calibrated_win_probability(-lead, remaining, -margin)
                assert home + away == pytest.approx(1.0, abs=1e-12)
    assert calibrated_win_probability(0, 0.5, 0.0) == pytest.approx(0.5)


def test_calibrated_never_nan_and_always_a_probability() -> None:
    """Across leads, times and margins, including the buzzer and absurd blowouts, the result is in [0, 1]."""
    for remaining in [*REMAINING, 1e-300]:
        for margin in [*MARGINS, -400.0, 400.0]:
            for lead in (-400, -1, 0, 1, 400):
                chance = calibrated_win_probability(lead, remaining, margin)
                assert not math.isnan(chance)
                assert 0.0 <= chance <= 1.0


def test_calibrated_lead_at_the_end_of_regulation_decides_the_game() -> None:
    """At the buzzer any lead has won; a second before it, a three-point lead almost has."""
    for margin in MARGINS:
        assert calibrated_win_probability(1, 0.0, margin) == 1.0
        assert calibrated_win_probability(-1, 0.0, margin) == 0.0
    assert calibrated_win_probability(3, 1 / 2880, 0.0) > 0.99
    assert calibrated_win_probability(2, 1e-9, -10.0) == pytest.approx(1.0)


def test_calibrated_tie_at_the_buzzer_goes_to_overtime() -> None:
    """A tie at the buzzer is worth a fresh overtime: 0.5 for equal teams, a little more with the home edge."""
    assert calibrated_win_probability(0, 0.0, 0.0) == pytest.approx(0.5)
    tied = calibrated_win_probability(0, 0.0, HOME_EDGE_2015_16)
    assert 0.5 < tied < 0.55
    assert tied < calibrated_win_probability(0, 1.0, HOME_EDGE_2015_16)
    assert calibrated_win_probability(0, 0.0, -HOME_EDGE_2015_16) == pytest.approx(1 - tied)
    for margin in MARGINS:
        at_buzzer = calibrated_win_probability(0, 0.0, margin)
        assert calibrated_win_probability(0, OVERTIME, margin) == pytest.approx(at_buzzer)
        assert calibrated_win_probability(0, 1e-9, margin) == pytest.approx(at_buzzer, abs=1e-6)


@pytest.mark.parametrize("period", [5, 6, 8])
def test_calibrated_overtime_periods(period: int) -> None:
    """Every overtime is the same five minutes: its start is the buzzer tie; up 3 with 30 s left is about 0.9."""
    model = CalibratedModel()
    start = model.predict(_game(period=period, clock="05:00", home_score=110, away_score=110), HOME_EDGE_2015_16)
    buzzer = model.predict(_game(period=4, clock="00:00", home_score=100, away_score=100), HOME_EDGE_2015_16)
    assert start.home_win_probability == pytest.approx(buzzer.home_win_probability)
    late = model.predict(_game(period=period, clock="00:30", home_score=113, away_score=110), 0.0)
    early = model.predict(_game(period=1, clock="11:30", home_score=3, away_score=0), 0.0)
    assert late.home_win_probability > 0.85 > early.home_win_probability
    assert late.predicted_home_score is not None
    assert 113 < late.predicted_home_score < 115


def test_calibrated_prediction_before_tip_off() -> None:
    """A scheduled game: the pregame chance and half the expected total each, split by the margin, as Stern's."""
    prediction = CalibratedModel().predict(_game(status="scheduled", period=0), 6.0)
    assert prediction.home_win_probability == pytest.approx(calibrated_win_probability(0, 1.0, 6.0))
    assert prediction.predicted_home_score == pytest.approx((EXPECTED_TOTAL + 6.0) / 2)
    assert prediction.predicted_away_score == pytest.approx((EXPECTED_TOTAL - 6.0) / 2)
    assert prediction.model == CalibratedModel().name


def test_calibrated_predicted_final_score_shrinks_the_lead() -> None:
    """Up 60-50 at halftime (mu = 0): the margin should end at 10 / (1 + k sqrt(0.5)), the total at 110 + 100."""
    game = _game(period=2, clock="00:00", status="halftime", home_score=60, away_score=50)
    prediction = CalibratedModel(expected_total=200.0).predict(game, 0.0)
    home, away = prediction.predicted_home_score, prediction.predicted_away_score
    assert home is not None
    assert away is not None
    assert home + away == pytest.approx(210.0)
    assert home - away == pytest.approx(10 / (1 + LEAD_SHRINK * math.sqrt(0.5)))
    assert home > 60
    assert away > 50


def test_calibrated_predicted_scores_stay_possible() -> None:
    """Neither team is predicted to lose points, nor to pass the protocol's maximum score."""
    model = CalibratedModel()
    rout = model.predict(_game(period=3, clock="11:00", home_score=120, away_score=20), 0.0)
    assert rout.predicted_home_score is not None
    assert rout.predicted_away_score is not None
    assert rout.predicted_home_score >= 120
    assert rout.predicted_away_score >= 20
    capped = model.predict(_game(period=1, clock="11:59", home_score=MAX_SCORE, away_score=0), 0.0)
    assert capped.predicted_home_score == MAX_SCORE


def test_calibrated_live_prediction_is_clipped_and_final_is_the_result() -> None:
    """Live predictions stay within [0.001, 0.999]; a final game's is its result with certainty."""
    model = CalibratedModel()
    blowout = model.predict(_game(period=4, clock="00:01", home_score=130, away_score=90), 0.0)
    assert blowout.home_win_probability == MAX_PROBABILITY
    hopeless = model.predict(_game(period=4, clock="00:00", home_score=90, away_score=91), 10.0)
    assert hopeless.home_win_probability == MIN_PROBABILITY
    won = model.predict(_game(period=6, clock="00:00", status="final", home_score=121, away_score=119), -5.0)
    assert (won.home_win_probability, won.predicted_home_score, won.predicted_away_score) == (1.0, 121, 119)


def test_calibrated_model_is_a_win_probability_model_with_valid_messages() -> None:
    """It fits the interface the simulator takes; its name fits the protocol; its predictions survive the wire."""
    model: WinProbabilityModel = CalibratedModel()
    assert 1 <= len(model.name) <= 64
    assert model.name != SternModel().name
    for game in (_game(status="scheduled", period=0), _game(period=7, clock="01:12", home_score=140)):
        message = PredictionUpdate(data=model.predict(game, HOME_EDGE_2015_16))
        assert parse(encode(message)) == message


@pytest.mark.parametrize(
    "arguments",
    [
        {"spread": 0.0},
        {"spread": math.nan},
        {"late_share": -0.1},
        {"late_share": 1.1},
        {"late_share": math.nan},
        {"lead_shrink": -0.5},
        {"lead_shrink": math.nan},
    ],
)
def test_calibrated_rejects_impossible_parameters(arguments: dict[str, float]) -> None:
    """Parameters outside their range raise instead of returning NaN, in the function and the model."""
    with pytest.raises(ValueError, match="must be"):
        calibrated_win_probability(0, 0.5, 0.0, **arguments)
    with pytest.raises(ValueError, match="must be"):
        CalibratedModel(**arguments)


@pytest.mark.parametrize("remaining", [-0.1, math.nan])
def test_calibrated_rejects_impossible_time_left(remaining: float) -> None:
    """A negative or NaN time left raises."""
    with pytest.raises(ValueError, match="remaining must be"):
        calibrated_win_probability(0, remaining, 0.0)
    with pytest.raises(ValueError, match="expected_total must be"):
        CalibratedModel(expected_total=-1.0)


def _real_states(games: list[GameFlow]) -> tuple[list[Game], list[int]]:
    """Every scoring change of the real games as a live game state, with whether its home team won."""
    states: list[Game] = []
    outcomes: list[int] = []
    for flow in games:
        home, away = flow.final_score
        flow_states = flow.live_states()
        states.extend(flow_states)
        outcomes.extend([int(home > away)] * len(flow_states))
    return states, outcomes


def test_shipped_parameters_beat_stern_on_the_real_games(real_games: list[GameFlow]) -> None:
    """On every scoring change of the 632 real games (in sample), a lower Brier and no bucket off by 4 points.

    The honest, out-of-fold figures are bench/wp_quality.py's; this guards the shipped numbers.
    Stern gets the same home edge, and also the plain mean home margin (the other natural choice).
    """
    states, outcomes = _real_states(real_games)
    mean_margin = sum(flow.final_score[0] - flow.final_score[1] for flow in real_games) / len(real_games)
    ours = [CalibratedModel().predict(state, HOME_EDGE_2015_16).home_win_probability for state in states]
    ours_brier = brier(ours, outcomes)
    for mu in (HOME_EDGE_2015_16, mean_margin):
        stern = [SternModel().predict(state, mu).home_win_probability for state in states]
        assert ours_brier < brier(stern, outcomes) - 0.001
    for bucket in calibration(ours, outcomes):
        assert bucket.observed is not None
        assert bucket.mean_predicted is not None
        assert abs(bucket.observed - bucket.mean_predicted) <= 0.04, bucket
