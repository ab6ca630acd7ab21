"""The scorecard by game phase: each prediction's phase, and our figures beside the baselines' on hand-made states."""

from __future__ import annotations

import pytest

from lib.analytics.phases import ALL, PREGAME, ROWS, Judged, judge, phase_figures
from lib.analytics.report import score_finished_games
from lib.frames import PHASE_COLUMNS, scorecard_frames
from lib.model import MAX_PROBABILITY, MIN_PROBABILITY, nothing_known, stern
from lib.store import PredictionPoint, Store
from tests.helpers import NOW, frame, game, prediction, score

FIRST_HALF, THIRD_QUARTER, FOURTH_QUARTER, LAST_FIVE_MINUTES = ROWS[1:5]


def point(period: int, clock: str, home: int = 50, away: int = 48, p: float = 0.6) -> PredictionPoint:
    """A prediction of ``p`` that came with this state."""
    status = "scheduled" if period == 0 else "live"
    return PredictionPoint("g", NOW, None, p, period, clock, home, away, status)


@pytest.mark.parametrize(
    ("period", "clock", "row"),
    [
        (0, "12:00", PREGAME),
        (1, "12:00", FIRST_HALF),
        (2, "00:00", FIRST_HALF),  # the halftime buzzer ends the first half
        (3, "12:00", FIRST_HALF),  # the same moment, as the third quarter's clock reads it
        (3, "11:59", THIRD_QUARTER),
        (4, "12:00", THIRD_QUARTER),
        (4, "05:01", FOURTH_QUARTER),
        (4, "05:00", LAST_FIVE_MINUTES),
        (4, "00:00", LAST_FIVE_MINUTES),
        (5, "05:00", LAST_FIVE_MINUTES),
        (7, "00:30.5", LAST_FIVE_MINUTES),
    ],
)
def test_a_prediction_belongs_to_the_phase_of_its_state(period: int, clock: str, row: str) -> None:
    """Before tip-off is pregame; a buzzer belongs to the period it ends; every overtime is in the last five minutes."""
    assert judge(point(period, clock)).phase == row


def test_at_the_final_buzzer_both_baselines_are_as_sure_as_the_model_ever_is() -> None:
    """With no time left a lead has won: each baseline says the model's bound, by the sign of the home lead."""
    ahead, behind = judge(point(4, "00:00", home=101, away=94)), judge(point(4, "00:00", home=90, away=93))
    assert (ahead.nothing_known, ahead.stern) == (MAX_PROBABILITY, MAX_PROBABILITY)
    assert (behind.nothing_known, behind.stern) == (MIN_PROBABILITY, MIN_PROBABILITY)
    assert (ahead.ours, behind.ours) == (0.6, 0.6)


def test_an_overtime_clock_above_five_minutes_is_taken_as_the_overtimes_start() -> None:
    """The protocol allows 12:00 in any period: in an overtime 09:30 judges as 05:00, never an error."""
    assert judge(point(6, "09:30", home=100, away=100))[1:] == judge(point(6, "05:00", home=100, away=100))[1:]


def expected_calibration_error(probabilities: list[float], outcomes: list[int]) -> float:
    """Ten buckets [0, 0.1), ... [0.9, 1], each weighted by its predictions, written out for the test."""
    buckets: dict[int, list[tuple[float, int]]] = {}
    for p, o in zip(probabilities, outcomes, strict=True):
        buckets.setdefault(min(int(p * 10), 9), []).append((p, o))
    total = 0.0
    for members in buckets.values():
        predicted = sum(p for p, _ in members) / len(members)
        observed = sum(o for _, o in members) / len(members)
        total += len(members) * abs(observed - predicted)
    return total / len(probabilities)


def test_the_phase_table_of_a_played_game_scores_ours_and_both_baselines_on_the_same_states() -> None:
    """A home win predicted before tip-off, in Q1, Q3, Q4 and overtime: each row's Brier score and calibration error,
    ours and the baselines', as worked out here from the states' clocks and leads."""
    store = Store()
    # (period, clock, home, away, ours) and the model's clock worked out by hand: seconds left, overtime seconds left.
    states = [
        ((0, "12:00", 0, 0, 0.58), (2880.0, None)),
        ((1, "11:40", 2, 0, 0.71), (2880.0 - 20.0, None)),  # seen from the first basket: whole
        ((3, "06:00", 60, 64, 0.42), (720.0 + 360.0, None)),
        ((4, "07:00", 80, 85, 0.30), (420.0, None)),
        ((5, "02:30", 101, 103, 0.25), (0.0, 150.0)),
    ]
    at = NOW
    for (period, clock, home, away, ours), _ in states:
        at += 1
        status = "scheduled" if period == 0 else "live"
        store.ingest(
            score("g", period=period, clock=clock, home_score=home, away_score=away, status=status), received_at=at
        )
        store.ingest(prediction("g", ours), received_at=at)
    final = game("g", status="final", period=5, clock="00:00", home_score=110, away_score=108)
    store.ingest(frame("game_end", final), received_at=at + 1)
    card = score_finished_games(store.snapshot().games, store.game_histories())

    outcome = 1
    ours = [s[4] for s, _ in states]
    known = [nothing_known(s[2] - s[3], left, overtime) for s, (left, overtime) in states]
    sterns = [stern(s[2] - s[3], left, overtime) for s, (left, overtime) in states]
    rows = {row.phase: row for row in card.phases}
    assert list(rows) == list(ROWS)
    for index, name in enumerate((PREGAME, FIRST_HALF, THIRD_QUARTER, FOURTH_QUARTER)):
        row = rows[name]
        assert (row.predictions, row.games) == (1, 1)
        assert row.brier == pytest.approx((outcome - ours[index]) ** 2)
        assert row.brier_nothing_known == pytest.approx((outcome - known[index]) ** 2)
        assert row.brier_stern == pytest.approx((outcome - sterns[index]) ** 2)
        # One prediction is its own bucket: the error is how far it is from what happened.
        assert row.calibration_error == pytest.approx(outcome - ours[index])
        assert row.calibration_error_nothing_known == pytest.approx(outcome - known[index])
        assert row.calibration_error_stern == pytest.approx(outcome - sterns[index])
    assert rows[LAST_FIVE_MINUTES].brier_stern == pytest.approx((outcome - sterns[4]) ** 2)
    every = rows[ALL]
    assert (every.predictions, every.games) == (5, 1)
    assert every.brier == pytest.approx(sum((outcome - p) ** 2 for p in ours) / 5)
    assert every.brier == pytest.approx(card.overall.brier)
    assert every.brier_nothing_known == pytest.approx(sum((outcome - p) ** 2 for p in known) / 5)
    assert every.brier_stern == pytest.approx(sum((outcome - p) ** 2 for p in sterns) / 5)
    assert every.calibration_error == pytest.approx(expected_calibration_error(ours, [outcome] * 5))
    assert every.calibration_error_nothing_known == pytest.approx(expected_calibration_error(known, [outcome] * 5))
    assert every.calibration_error_stern == pytest.approx(expected_calibration_error(sterns, [outcome] * 5))

    table = scorecard_frames(card).phases
    assert tuple(table.columns) == PHASE_COLUMNS
    assert list(table.phase) == list(ROWS)
    assert table.set_index("phase").loc[ALL, "brier_stern"] == pytest.approx(every.brier_stern)


def test_the_baselines_are_judged_on_the_lead_of_the_home_team() -> None:
    """The same clock with the lead turned round turns the baselines round too: home minus away, not the other way."""
    ahead, behind = judge(point(3, "06:00", home=64, away=60)), judge(point(3, "06:00", home=60, away=64))
    assert ahead.stern > 0.5 > behind.stern
    assert ahead.nothing_known > 0.5 > behind.nothing_known
    assert ahead.nothing_known == nothing_known(4, 1080.0)
    assert behind.stern == stern(-4, 1080.0)


def test_rows_without_predictions_have_no_figures() -> None:
    """A row no prediction fell in says 0 predictions, 0 games and no figure, rather than a made-up 0."""
    rows = {row.phase: row for row in phase_figures([Judged(THIRD_QUARTER, 0.8, 0.7, 0.6)], [1], ["g"])}
    assert rows[THIRD_QUARTER].brier == pytest.approx(0.04)
    assert rows[THIRD_QUARTER].brier_nothing_known == pytest.approx(0.09)
    assert rows[THIRD_QUARTER].calibration_error_stern == pytest.approx(0.4)
    for name in (PREGAME, FIRST_HALF, FOURTH_QUARTER, LAST_FIVE_MINUTES):
        row = rows[name]
        assert (row.predictions, row.games) == (0, 0)
        assert {row.brier, row.brier_stern, row.calibration_error, row.calibration_error_nothing_known} == {None}
    empty = phase_figures([], [], [])
    assert [row.predictions for row in empty] == [0] * len(ROWS)


def test_the_phase_table_wants_as_many_outcomes_and_games_as_predictions() -> None:
    """Unequal inputs are a clear error, not a table scored on the wrong results."""
    with pytest.raises(ValueError, match="equally long"):
        phase_figures([Judged(FIRST_HALF, 0.6, 0.5, 0.5)], [1, 0], ["g"])
