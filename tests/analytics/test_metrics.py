"""Tests for lib.analytics.metrics, on small cases worked out by hand."""

from __future__ import annotations

import math
import random

import pytest

from lib.analytics.metrics import (
    MIN_GAMES_FOR_MEANING,
    Bucket,
    Scores,
    brier,
    calibration,
    favourite_accuracy,
    log_loss,
    score,
)

# Four predictions of two games: game a (home won) twice, game b (away won) twice.
PROBABILITIES = [0.8, 0.6, 0.3, 0.5]
OUTCOMES = [1, 1, 0, 0]
GAME_IDS = ["a", "a", "b", "b"]


def test_brier_by_hand() -> None:
    """(0.2² + 0.4² + 0.3² + 0.5²) / 4 = (0.04 + 0.16 + 0.09 + 0.25) / 4 = 0.54 / 4 = 0.135."""
    assert brier(PROBABILITIES, OUTCOMES) == pytest.approx(0.135)


def test_brier_extremes() -> None:
    """Right and certain is 0, wrong and certain is 1, always 0.5 is 0.25."""
    assert brier([1.0, 0.0], [1, 0]) == 0.0
    assert brier([0.0, 1.0], [1, 0]) == 1.0
    assert brier([0.5, 0.5, 0.5], [1, 0, 1]) == 0.25


def test_log_loss_by_hand() -> None:
    """-(ln 0.8 + ln 0.6 + ln 0.7 + ln 0.5) / 4 = (0.22314 + 0.51083 + 0.35667 + 0.69315) / 4 = 0.44595."""
    expected = -(math.log(0.8) + math.log(0.6) + math.log(0.7) + math.log(0.5)) / 4
    assert expected == pytest.approx(0.44595, abs=1e-5)
    assert log_loss(PROBABILITIES, OUTCOMES) == pytest.approx(expected)


def test_log_loss_clips_certain_mistakes() -> None:
    """A certain, wrong prediction costs -ln(eps), not infinity: (-ln 1e-15 + -ln(1 - 1e-15)) / 2."""
    assert log_loss([0.0, 1.0], [1, 1]) == pytest.approx(-math.log(1e-15) / 2)
    assert log_loss([0.0], [1], eps=0.01) == pytest.approx(-math.log(0.01))
    assert log_loss([1.0], [1], eps=0.01) == pytest.approx(-math.log(0.99))


@pytest.mark.parametrize("eps", [0.0, -1.0, 0.5, math.nan])
def test_log_loss_rejects_impossible_eps(eps: float) -> None:
    """eps must leave a probability strictly inside (0, 1)."""
    with pytest.raises(ValueError, match="eps"):
        log_loss([0.5], [1], eps=eps)


def test_favourite_accuracy_leaves_out_coin_flips() -> None:
    """0.8 (home, won) right, 0.6 (home, won) right, 0.3 (away, won) right, 0.5 left out: 3 / 3."""
    assert favourite_accuracy(PROBABILITIES, OUTCOMES) == 1.0
    # 0.9 home lost: wrong; 0.2 away lost: wrong; 0.7 home won: right -> 1 / 3.
    assert favourite_accuracy([0.9, 0.2, 0.7], [0, 1, 1]) == pytest.approx(1 / 3)


def test_favourite_accuracy_without_a_favourite_is_none() -> None:
    """Only 0.5 predictions, or none at all, give no accuracy."""
    assert favourite_accuracy([0.5, 0.5], [1, 0]) is None
    assert favourite_accuracy([], []) is None


def test_calibration_by_hand() -> None:
    """Two buckets: [0, 0.5) holds 0.3 (lost); [0.5, 1] holds 0.8, 0.6 (won) and 0.5 (lost).

    Upper bucket: mean predicted (0.8 + 0.6 + 0.5) / 3 = 1.9 / 3 = 0.6333, observed 2 / 3.
    """
    low, high = calibration(PROBABILITIES, OUTCOMES, buckets=2)
    assert low == Bucket(lower=0.0, upper=0.5, predictions=1, mean_predicted=pytest.approx(0.3), observed=0.0)
    assert (high.lower, high.upper, high.predictions) == (0.5, 1.0, 3)
    assert high.mean_predicted == pytest.approx(1.9 / 3)
    assert high.observed == pytest.approx(2 / 3)


def test_calibration_bounds_are_exact_and_the_last_bucket_includes_one() -> None:
    """0.3 lands in [0.3, 0.4) although 0.3 * 10 rounds to 3.0000000000000004; 0.7 in [0.7, 0.8); 1.0 in the last."""
    buckets = calibration([0.3, 0.7, 0.0, 1.0, 0.29999999999999993], [1, 0, 0, 1, 0])
    assert len(buckets) == 10
    assert [b.predictions for b in buckets] == [1, 0, 1, 1, 0, 0, 0, 1, 0, 1]
    for bucket in buckets:
        if bucket.mean_predicted is not None:
            assert bucket.lower <= bucket.mean_predicted
            assert bucket.mean_predicted < bucket.upper or bucket.upper == 1.0


def test_empty_buckets_have_no_figures() -> None:
    """A bucket without predictions reports 0 of them and None, not 0.0 or NaN."""
    buckets = calibration([0.05], [1], buckets=4)
    assert buckets[0] == Bucket(0.0, 0.25, 1, 0.05, 1.0)
    assert buckets[1:] == (
        Bucket(0.25, 0.5, 0, None, None),
        Bucket(0.5, 0.75, 0, None, None),
        Bucket(0.75, 1.0, 0, None, None),
    )


def test_score_gathers_every_figure() -> None:
    """The four hand cases together: 4 predictions of 2 games."""
    scores = score(PROBABILITIES, OUTCOMES, GAME_IDS, buckets=2)
    assert scores == Scores(
        predictions=4,
        games=2,
        brier=pytest.approx(0.135),
        log_loss=pytest.approx(0.44595, abs=1e-5),
        accuracy=1.0,
        calibration=calibration(PROBABILITIES, OUTCOMES, buckets=2),
    )


def test_score_of_nothing() -> None:
    """No predictions: no figures, and empty buckets."""
    scores = score([], [], [])
    figures = (scores.predictions, scores.games, scores.brier, scores.log_loss, scores.accuracy)
    assert figures == (0, 0, None, None, None)
    assert len(scores.calibration) == 10
    assert all(bucket.predictions == 0 for bucket in scores.calibration)


@pytest.mark.parametrize(
    ("probabilities", "outcomes", "message"),
    [
        ([0.5, 0.5], [1], "equally long"),
        ([1.2], [1], r"in \[0, 1\].*index 0"),
        ([0.5, -0.1], [1, 0], r"in \[0, 1\].*index 1"),
        ([math.nan], [1], r"in \[0, 1\]"),
        ([0.5], [2], "0 .away won. or 1 .home won."),
        ([0.5, 0.5], [0, -1], "index 1"),
    ],
)
def test_invalid_input_is_refused(probabilities: list[float], outcomes: list[int], message: str) -> None:
    """Unequal lengths, probabilities outside [0, 1] (NaN too) and outcomes other than 0/1 raise ValueError."""
    for check in (brier, log_loss, favourite_accuracy, calibration):
        with pytest.raises(ValueError, match=message):
            check(probabilities, outcomes)
    with pytest.raises(ValueError, match=message):
        score(probabilities, outcomes, ["g"] * len(probabilities))


def test_empty_input_has_no_brier_or_log_loss() -> None:
    """A Brier score or log loss of nothing is undefined: ValueError rather than a made-up 0."""
    with pytest.raises(ValueError, match="no predictions"):
        brier([], [])
    with pytest.raises(ValueError, match="no predictions"):
        log_loss([], [])


def test_score_checks_game_ids_and_buckets() -> None:
    """game_ids must match the predictions one to one; there must be at least one bucket."""
    with pytest.raises(ValueError, match="game_ids"):
        score([0.5], [1], [])
    with pytest.raises(ValueError, match="buckets"):
        score([0.5], [1], ["g"], buckets=0)


def test_min_games_for_meaning_is_a_sensible_count() -> None:
    """It is a whole number of games, more than one and fewer than a season's 1,230."""
    assert isinstance(MIN_GAMES_FOR_MEANING, int)
    assert 1 < MIN_GAMES_FOR_MEANING < 1230


def test_a_seasons_figures_are_those_of_a_loop_over_the_predictions() -> None:
    """Over 70,000 predictions (a season's scorecard) the array arithmetic gives a plain loop's figures: the bucket
    means to the bit, the Brier score and log loss to 1e-12."""
    generator = random.Random(7)
    probabilities = [generator.random() for _ in range(70_000)]
    outcomes = [int(generator.random() < p) for p in probabilities]
    sums: dict[int, list[float]] = {}
    for p, o in zip(probabilities, outcomes, strict=True):
        total = sums.setdefault(min(int(p * 10), 9), [0, 0.0, 0])
        total[0] += 1
        total[1] += p
        total[2] += o
    for index, bucket in enumerate(calibration(probabilities, outcomes)):
        count, predicted, won = sums[index]
        assert (bucket.predictions, bucket.mean_predicted, bucket.observed) == (count, predicted / count, won / count)
    squares = math.fsum((p - o) ** 2 for p, o in zip(probabilities, outcomes, strict=True)) / len(probabilities)
    assert brier(probabilities, outcomes) == pytest.approx(squares, rel=1e-12)
    losses = [-math.log(p if o else 1 - p) for p, o in zip(probabilities, outcomes, strict=True)]
    assert log_loss(probabilities, outcomes) == pytest.approx(math.fsum(losses) / len(losses), rel=1e-12)


def test_outcomes_given_as_booleans_or_a_tuple_score_as_numbers() -> None:
    """True and False are 1 and 0, a tuple is a sequence: the same figures as from lists of numbers."""
    assert brier((0.8, 0.3), (True, False)) == brier([0.8, 0.3], [1, 0])
    assert calibration((0.8, 0.3), (True, False)) == calibration([0.8, 0.3], [1, 0])
