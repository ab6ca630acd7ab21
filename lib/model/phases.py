"""How good a model's predictions are in each phase of a game: Brier score and calibration error.

The four phases are the stretches of a game where a model tends to go wrong in different ways:
the first half (the pregame margin matters most), the third quarter, the fourth quarter before
its last five minutes, and the last five minutes, overtimes included (the end game). A period's
final buzzer belongs to the period it ends, as the clock then reads 0:00 in it.

This module is pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from lib.analytics.metrics import brier, calibration
from lib.model.checks import real, time_left
from lib.protocol import PERIOD_SECONDS, REGULATION_PERIODS

Phase = Literal["first half", "third quarter", "fourth quarter before the last five minutes", "last five minutes"]

PHASES: Final[tuple[Phase, ...]] = (
    "first half",
    "third quarter",
    "fourth quarter before the last five minutes",
    "last five minutes",
)
"""The phases in the order a game plays them."""

CALIBRATION_BUCKETS: Final = 10
"""Equal-width probability buckets of the calibration error."""

_LAST_FIVE_MINUTES: Final = 300


def model_clock(period: int, period_seconds_left: float) -> tuple[float, float | None]:
    """A period and its clock as the model takes them: seconds left in regulation, and of an overtime.

    Args:
        period: 0 before tip-off, 1-4 in regulation, 5 and on in overtime.
        period_seconds_left: Seconds on the period's clock (ignored before tip-off).

    Returns:
        ``(seconds_left, overtime_seconds_left)``: ``overtime_seconds_left`` is ``None`` in
        regulation, and ``seconds_left`` is 0 in an overtime.

    Raises:
        TypeError: If ``period`` is not an int or the clock not a number.
        ValueError: If ``period`` is negative or the clock is outside its period's length.
    """
    if isinstance(period, bool) or not isinstance(period, int):
        raise TypeError(f"period must be an int, got {period!r}")
    if period < 0:
        raise ValueError(f"period must be >= 0, got {period}")
    if period == 0:
        return float(REGULATION_PERIODS * PERIOD_SECONDS), None
    clock = real("period_seconds_left", period_seconds_left)
    if period > REGULATION_PERIODS:
        time_left(0.0, clock)
        return 0.0, clock
    if not 0.0 <= clock <= PERIOD_SECONDS:
        raise ValueError(f"period_seconds_left must be in [0, {PERIOD_SECONDS}] in regulation, got {clock}")
    return (REGULATION_PERIODS - period) * PERIOD_SECONDS + clock, None


def phase(seconds_left: float, overtime_seconds_left: float | None = None) -> Phase:
    """The phase of a game at this moment of the model's clock.

    Args:
        seconds_left: Seconds left in regulation, as :func:`lib.model.home_win_probability` takes them.
        overtime_seconds_left: In an overtime, the seconds left of it; ``None`` in regulation.

    Returns:
        The phase; an overtime is in the last five minutes.

    Raises:
        TypeError: If a time is not a number.
        ValueError: If a time is out of range, as for :func:`lib.model.home_win_probability`.
    """
    time_left(seconds_left, overtime_seconds_left)
    if overtime_seconds_left is not None or seconds_left <= _LAST_FIVE_MINUTES:
        return "last five minutes"
    if seconds_left >= 2 * PERIOD_SECONDS:
        return "first half"
    if seconds_left >= PERIOD_SECONDS:
        return "third quarter"
    return "fourth quarter before the last five minutes"


@dataclass(frozen=True)
class PhaseScore:
    """A model's figures over the predictions of one phase.

    Attributes:
        predictions: How many predictions fell in the phase.
        brier: Their Brier score; ``None`` when there are none.
        calibration_error: Their expected calibration error (:func:`calibration_error`); ``None`` when there are none.
    """

    predictions: int
    brier: float | None
    calibration_error: float | None


def calibration_error(
    probabilities: Sequence[float], outcomes: Sequence[int], buckets: int = CALIBRATION_BUCKETS
) -> float:
    """The expected calibration error: how far, on average over the predictions, the outcome rate of
    each one's probability bucket is from the bucket's mean prediction.

    ``sum(n_b * |observed_b - predicted_b|) / n`` over equal-width buckets, weighted by predictions.

    Args:
        probabilities: Predicted home-win probabilities, each in [0, 1].
        outcomes: 1 where the home team won, 0 where the away team did.
        buckets: The number of buckets, 1 or more.

    Returns:
        The error, in [0, 1] (0.015 is 1.5 points).

    Raises:
        ValueError: If the inputs are invalid or empty.
    """
    if not probabilities:
        raise ValueError("there are no predictions to score")
    total = sum(
        bucket.predictions * abs(bucket.observed - bucket.mean_predicted)
        for bucket in calibration(probabilities, outcomes, buckets)
        if bucket.observed is not None and bucket.mean_predicted is not None
    )
    return total / len(probabilities)


def phase_scores(
    probabilities: Sequence[float], outcomes: Sequence[int], phases: Sequence[Phase]
) -> dict[Phase, PhaseScore]:
    """The Brier score and calibration error of a model's predictions in each phase.

    Args:
        probabilities: Predicted home-win probabilities, each in [0, 1].
        outcomes: 1 where the home team won, 0 where the away team did.
        phases: The phase of each prediction (:func:`phase`).

    Returns:
        Every phase of :data:`PHASES`, in that order, empty ones with ``None`` figures.

    Raises:
        ValueError: If the inputs are invalid or not equally long, or a phase is unknown.
    """
    if not len(probabilities) == len(outcomes) == len(phases):
        raise ValueError(
            f"probabilities, outcomes and phases must be equally long, got "
            f"{len(probabilities)}, {len(outcomes)} and {len(phases)}"
        )
    grouped: dict[Phase, tuple[list[float], list[int]]] = {name: ([], []) for name in PHASES}
    for probability, outcome, name in zip(probabilities, outcomes, phases, strict=True):
        if name not in grouped:
            raise ValueError(f"unknown phase {name!r}: one of {PHASES}")
        grouped[name][0].append(probability)
        grouped[name][1].append(outcome)
    return {
        name: PhaseScore(
            predictions=len(chances),
            brier=brier(chances, won) if chances else None,
            calibration_error=calibration_error(chances, won) if chances else None,
        )
        for name, (chances, won) in grouped.items()
    }
