"""Game phases from the clock, and a model's Brier score and calibration error in each."""

from __future__ import annotations

import pytest

from lib.model import PHASES, calibration_error, model_clock, phase, phase_scores


def test_phases_follow_the_clock() -> None:
    """A period's buzzer belongs to the period it ends; the last five minutes include 5:00 and every overtime."""
    assert phase(2880) == phase(1441) == phase(1440) == "first half"
    assert phase(1439.9) == phase(720) == "third quarter"
    assert phase(719) == phase(300.5) == "fourth quarter before the last five minutes"
    assert phase(300) == phase(0) == phase(0, 300) == phase(0, 0) == "last five minutes"
    assert PHASES == ("first half", "third quarter", "fourth quarter before the last five minutes", "last five minutes")


def test_the_model_clock_from_a_period_and_its_clock() -> None:
    """Before tip-off all of regulation is left; in an overtime regulation is over and the period's clock counts."""
    assert model_clock(0, 0) == (2880.0, None)
    assert model_clock(1, 720) == (2880.0, None)
    assert model_clock(2, 0) == (1440.0, None)
    assert model_clock(4, 65.5) == (65.5, None)
    assert model_clock(5, 300) == (0.0, 300.0)
    assert model_clock(7, 12) == (0.0, 12.0)
    assert phase(*model_clock(2, 0)) == "first half"
    assert phase(*model_clock(3, 720)) == "first half"  # the same moment as the end of the second quarter


@pytest.mark.parametrize(
    ("period", "clock", "error"),
    [(-1, 0, ValueError), (2, 721, ValueError), (5, 301, ValueError), (3, -1, ValueError), (1.0, 0, TypeError)],
)
def test_an_impossible_clock_is_refused(period: int, clock: float, error: type[Exception]) -> None:
    """A negative period, a clock longer than its period or a float period is refused."""
    with pytest.raises(error):
        model_clock(period, clock)


def test_calibration_error_weighs_buckets_by_predictions() -> None:
    """A bucket whose rate matches its predictions adds nothing; one that is off adds its gap times its share."""
    assert calibration_error([0.2, 0.2, 0.2, 0.2, 0.2], [0, 0, 0, 0, 1]) == pytest.approx(0.0)
    # Bucket [0.1, 0.2): predicted 0.15, observed 1/2 -> off by 0.35 on 2 predictions; bucket [0.9, 1]: exact on 2.
    assert calibration_error([0.15, 0.15, 1.0, 1.0], [0, 1, 1, 1]) == pytest.approx(0.35 * 2 / 4)
    with pytest.raises(ValueError, match="no predictions"):
        calibration_error([], [])


def test_phase_scores_split_by_phase() -> None:
    """Each phase is scored on its own predictions; a phase without any has no figures."""
    scores = phase_scores(
        [0.9, 0.9, 0.3, 0.6],
        [1, 1, 0, 0],
        ["first half", "first half", "last five minutes", "last five minutes"],
    )
    assert list(scores) == list(PHASES)
    assert scores["first half"].predictions == 2
    assert scores["first half"].brier == pytest.approx(0.01)
    assert scores["first half"].calibration_error == pytest.approx(0.1)
    assert scores["last five minutes"].brier == pytest.approx((0.09 + 0.36) / 2)
    assert scores["third quarter"].predictions == 0
    assert scores["third quarter"].brier is None
    assert scores["third quarter"].calibration_error is None


def test_phase_scores_refuse_bad_input() -> None:
    """Unequal lengths or an unknown phase are errors, not silently dropped predictions."""
    with pytest.raises(ValueError, match="equally long"):
        phase_scores([0.5], [1, 0], ["first half"])
    with pytest.raises(ValueError, match="unknown phase"):
        phase_scores([0.5], [1], ["overtime"])  # type: ignore[list-item]
