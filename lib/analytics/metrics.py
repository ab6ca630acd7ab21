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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

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


def _check(probabilities: Sequence[float], outcomes: Sequence[int]) -> None:
    """Raise ValueError unless the inputs are equally long, probabilities in [0, 1] and outcomes 0 or 1."""
    if len(probabilities) != len(outcomes):
        raise ValueError(
            f"probabilities and outcomes must be equally long, got {len(probabilities)} and {len(outcomes)}"
        )
    for index, probability in enumerate(probabilities):
        # Written so that NaN fails too: every comparison with NaN is false.
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probabilities must be in [0, 1], got {probability!r} at index {index}")
    for index, outcome in enumerate(outcomes):
        if outcome not in (0, 1):
            raise ValueError(f"outcomes must be 0 (away won) or 1 (home won), got {outcome!r} at index {index}")


def _check_not_empty(probabilities: Sequence[float]) -> None:
    if not probabilities:
        raise ValueError("there are no predictions to score")


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
    _check(probabilities, outcomes)
    _check_not_empty(probabilities)
    return math.fsum((p - o) ** 2 for p, o in zip(probabilities, outcomes, strict=True)) / len(probabilities)


def log_loss(probabilities: Sequence[float], outcomes: Sequence[int], eps: float = 1e-15) -> float:
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
    _check(probabilities, outcomes)
    _check_not_empty(probabilities)
    total = math.fsum(
        -math.log(min(max(p if o == 1 else 1.0 - p, eps), 1.0 - eps))
        for p, o in zip(probabilities, outcomes, strict=True)
    )
    return total / len(probabilities)


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
    _check(probabilities, outcomes)
    called = [(p > 0.5) == (o == 1) for p, o in zip(probabilities, outcomes, strict=True) if p != 0.5]
    if not called:
        return None
    return sum(called) / len(called)


def _bucket_index(probability: float, buckets: int) -> int:
    """The bucket of ``probability``, exact at the bounds ``i / buckets`` despite rounding."""
    index = min(int(probability * buckets), buckets - 1)
    # p * buckets can round across a bound (0.3 * 10 is 3.0000000000000004): compare with the
    # bounds as Bucket reports them, so that [lower, upper) holds exactly.
    if probability < index / buckets:
        return index - 1
    if index + 1 < buckets and probability >= (index + 1) / buckets:
        return index + 1
    return index


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
    _check(probabilities, outcomes)
    counts = [0] * buckets
    predicted = [0.0] * buckets
    wins = [0] * buckets
    for p, o in zip(probabilities, outcomes, strict=True):
        index = _bucket_index(p, buckets)
        counts[index] += 1
        predicted[index] += p
        wins[index] += o
    return tuple(
        Bucket(
            lower=i / buckets,
            upper=(i + 1) / buckets,
            predictions=counts[i],
            mean_predicted=predicted[i] / counts[i] if counts[i] else None,
            observed=wins[i] / counts[i] if counts[i] else None,
        )
        for i in range(buckets)
    )


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
    buckets_ = calibration(probabilities, outcomes, buckets)
    empty = not probabilities
    return Scores(
        predictions=len(probabilities),
        games=len(set(game_ids)),
        brier=None if empty else brier(probabilities, outcomes),
        log_loss=None if empty else log_loss(probabilities, outcomes),
        accuracy=favourite_accuracy(probabilities, outcomes),
        calibration=buckets_,
    )
