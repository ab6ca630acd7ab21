"""How good are the win predictions? Brier score, log loss, favourite accuracy, calibration.

Every function takes parallel sequences: ``probabilities`` are predicted home-win
probabilities, ``outcomes`` are 1 when the home team won that prediction's game and 0 when
the away team did. A game usually contributes many predictions (one per update), all sharing
one outcome, so the figures depend on far fewer independent results than they have
predictions: :data:`MIN_GAMES_FOR_MEANING` says how many finished games it takes before they
mean much.

This module is pure: no I/O, no sockets, no threads, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

MIN_GAMES_FOR_MEANING: Final[int] = 12
"""Below this many distinct finished games, the figures are too few to mean much.

The predictions of one game share a single outcome, so the sample size that matters is the
number of games; ``docs/model.md`` derives the 12 from the real games' spread of Brier scores.
"""


@dataclass(frozen=True)
class Bucket:
    """One calibration bucket: the predictions whose home-win probability falls in ``[lower, upper)``.

    Attributes:
        lower: The bucket's lower bound, included.
        upper: The bucket's upper bound, excluded, except that the last bucket includes 1.0.
        predictions: The number of predictions in the bucket.
        mean_predicted: Their mean predicted home-win probability; ``None`` when empty.
        observed: The share of them whose game the home team won; ``None`` when empty.
    """

    lower: float
    upper: float
    predictions: int
    mean_predicted: float | None
    observed: float | None


@dataclass(frozen=True)
class Scores:
    """Every figure of a set of predictions at once.

    Attributes:
        predictions: The number of predictions.
        games: The number of distinct games behind them.
        brier: The Brier score (lower is better); ``None`` when there are no predictions.
        log_loss: The log loss (lower is better); ``None`` when there are no predictions.
        accuracy: The share of predictions whose favourite won (see :func:`favourite_accuracy`);
            ``None`` when no prediction has a favourite.
        calibration: The calibration buckets, from 0 up to 1.
    """

    predictions: int
    games: int
    brier: float | None
    log_loss: float | None
    accuracy: float | None
    calibration: tuple[Bucket, ...]


Floats = npt.NDArray[np.float64]

LOG_LOSS_EPS: Final = 1e-15
"""How far from 0 and 1 the log loss clips a probability: a certain, wrong prediction costs 34.5, not infinity."""


def _refuse(probabilities: Sequence[float], outcomes: Sequence[int]) -> None:
    """Raise ValueError naming the first probability outside [0, 1] or outcome other than 0 or 1, if any."""
    for index, probability in enumerate(probabilities):
        # Written so that NaN fails too: every comparison with NaN is false.
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probabilities must be in [0, 1], got {probability!r} at index {index}")
    for index, outcome in enumerate(outcomes):
        if outcome not in (0, 1):
            raise ValueError(f"outcomes must be 0 (away won) or 1 (home won), got {outcome!r} at index {index}")


def _arrays(probabilities: Sequence[float], outcomes: Sequence[int]) -> tuple[Floats, Floats]:
    """The inputs as arrays of floats, checked at array speed: a season's scorecard scores some 70,000
    predictions several times over.

    Raises:
        ValueError: Unless the inputs are equally long, probabilities in [0, 1] and outcomes 0 or 1.
    """
    if len(probabilities) != len(outcomes):
        raise ValueError(
            f"probabilities and outcomes must be equally long, got {len(probabilities)} and {len(outcomes)}"
        )
    chances, results = np.asarray(probabilities), np.asarray(outcomes)
    numbers = chances.dtype.kind in "biuf" and results.dtype.kind in "biuf"
    # NaN fails too: every comparison with NaN is false.
    if not (numbers and np.all((chances >= 0.0) & (chances <= 1.0)) and np.all((results == 0) | (results == 1))):
        _refuse(probabilities, outcomes)  # names the first bad value; what it lets through is numbers
    return chances.astype(np.float64), results.astype(np.float64)


def _check_not_empty(probabilities: Sequence[float]) -> None:
    if not len(probabilities):
        raise ValueError("there are no predictions to score")


def _brier(chances: Floats, results: Floats) -> float:
    return float(np.mean(np.square(chances - results)))


def brier(probabilities: Sequence[float], outcomes: Sequence[int]) -> float:
    """The Brier score: the mean squared difference between prediction and outcome.

    0 is perfect, 0.25 is what always saying 0.5 scores, 1 is certain and always wrong.

    Args:
        probabilities: Predicted home-win probabilities, each in [0, 1].
        outcomes: 1 where the home team won, 0 where the away team did.

    Returns:
        The score, in [0, 1].

    Raises:
        ValueError: If the inputs are invalid or empty.
    """
    chances, results = _arrays(probabilities, outcomes)
    _check_not_empty(probabilities)
    return _brier(chances, results)


def _log_loss(chances: Floats, results: Floats, eps: float) -> float:
    given = np.clip(np.where(results == 1.0, chances, 1.0 - chances), eps, 1.0 - eps)
    return float(-np.mean(np.log(given)))


def log_loss(probabilities: Sequence[float], outcomes: Sequence[int], eps: float = LOG_LOSS_EPS) -> float:
    """The log loss: the mean negative natural log of the probability given to what happened.

    Probabilities are first clipped to ``[eps, 1 - eps]``, so that one certain and wrong
    prediction costs ``-log(eps)`` (34.5 for the default) instead of infinity.

    Args:
        probabilities: Predicted home-win probabilities, each in [0, 1].
        outcomes: 1 where the home team won, 0 where the away team did.
        eps: The clipping margin, in (0, 0.5).

    Returns:
        The loss, 0 or more; ``log(2) = 0.693`` is what always saying 0.5 scores.

    Raises:
        ValueError: If the inputs are invalid or empty, or ``eps`` is outside (0, 0.5).
    """
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must be in (0, 0.5), got {eps!r}")
    chances, results = _arrays(probabilities, outcomes)
    _check_not_empty(probabilities)
    return _log_loss(chances, results, eps)


def _favourite_accuracy(chances: Floats, results: Floats) -> float | None:
    called = chances != 0.5
    count = int(np.count_nonzero(called))
    if not count:
        return None
    return int(np.count_nonzero((chances[called] > 0.5) == (results[called] == 1.0))) / count


def favourite_accuracy(probabilities: Sequence[float], outcomes: Sequence[int]) -> float | None:
    """The share of predictions whose favourite won.

    The favourite is the home team when ``p > 0.5`` and the away team when ``p < 0.5``; a
    prediction of exactly 0.5 names no favourite and is left out.

    Args:
        probabilities: Predicted home-win probabilities, each in [0, 1].
        outcomes: 1 where the home team won, 0 where the away team did.

    Returns:
        The share, in [0, 1]; ``None`` when no prediction names a favourite.

    Raises:
        ValueError: If the inputs are invalid.
    """
    return _favourite_accuracy(*_arrays(probabilities, outcomes))


def _calibration(chances: Floats, results: Floats, buckets: int) -> tuple[Bucket, ...]:
    index = np.minimum((chances * buckets).astype(np.int64), buckets - 1)
    # p * buckets can round across a bound (0.3 * 10 is 3.0000000000000004): compare with the
    # bounds as Bucket reports them, so that [lower, upper) holds exactly.
    below = chances < index / buckets
    above = ~below & (index + 1 < buckets) & (chances >= (index + 1) / buckets)
    index = index - below + above
    counts = np.bincount(index, minlength=buckets)
    # bincount adds the weights one by one in order, as a loop would: the means are a loop's to the bit.
    predicted = np.bincount(index, weights=chances, minlength=buckets)
    wins = np.bincount(index, weights=results, minlength=buckets)
    return tuple(
        Bucket(
            lower=i / buckets,
            upper=(i + 1) / buckets,
            predictions=int(counts[i]),
            mean_predicted=float(predicted[i]) / int(counts[i]) if counts[i] else None,
            observed=float(wins[i]) / int(counts[i]) if counts[i] else None,
        )
        for i in range(buckets)
    )


def calibration(probabilities: Sequence[float], outcomes: Sequence[int], buckets: int = 10) -> tuple[Bucket, ...]:
    """Group predictions into equal-width probability buckets and compare each with what happened.

    A calibrated model's home teams win about as often as it says: in every bucket,
    ``observed`` is close to ``mean_predicted``.

    Args:
        probabilities: Predicted home-win probabilities, each in [0, 1].
        outcomes: 1 where the home team won, 0 where the away team did.
        buckets: The number of buckets, 1 or more; bucket ``i`` holds ``[i / buckets, (i + 1) / buckets)``
            and the last one includes 1.0.

    Returns:
        Every bucket, empty ones included, from 0 up to 1.

    Raises:
        ValueError: If the inputs are invalid or ``buckets`` is below 1.
    """
    if buckets < 1:
        raise ValueError(f"buckets must be at least 1, got {buckets!r}")
    return _calibration(*_arrays(probabilities, outcomes), buckets)


def score(
    probabilities: Sequence[float], outcomes: Sequence[int], game_ids: Sequence[str], buckets: int = 10
) -> Scores:
    """Every figure of a set of predictions; an empty set gives ``None`` figures and empty buckets.

    Args:
        probabilities: Predicted home-win probabilities, each in [0, 1].
        outcomes: 1 where the home team won, 0 where the away team did.
        game_ids: The game of each prediction, to count the distinct games behind the figures.
        buckets: The number of calibration buckets, 1 or more.

    Returns:
        The scores.

    Raises:
        ValueError: If the inputs are invalid or not equally long, or ``buckets`` is below 1.
    """
    if len(game_ids) != len(probabilities):
        raise ValueError(
            f"game_ids and probabilities must be equally long, got {len(game_ids)} and {len(probabilities)}"
        )
    if buckets < 1:
        raise ValueError(f"buckets must be at least 1, got {buckets!r}")
    chances, results = _arrays(probabilities, outcomes)
    empty = not len(probabilities)
    return Scores(
        predictions=len(probabilities),
        games=len(set(game_ids)),
        brier=None if empty else _brier(chances, results),
        log_loss=None if empty else _log_loss(chances, results, LOG_LOSS_EPS),
        accuracy=_favourite_accuracy(chances, results),
        calibration=_calibration(chances, results, buckets),
    )
