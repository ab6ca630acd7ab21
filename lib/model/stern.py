"""Stern's Brownian-motion model of an NBA game's margin, the frame every win probability here builds on.

Stern (1994, "A Brownian Motion Model for the Progress of Sports Scores", JASA 89) treats the home
margin as a Brownian motion with drift: over the share ``r`` of regulation still to play it moves
by a normal amount with mean ``mu * r`` and standard deviation ``sigma * sqrt(r)``. The final margin
is rounded to whole points, and a tie goes to an overtime played under the same model.

This module is pure: no I/O.
"""

from __future__ import annotations

import math
from typing import Final

from lib.protocol import OVERTIME_SECONDS, PERIOD_SECONDS, REGULATION_PERIODS

STERN_SIGMA: Final = 13.0
"""Stern's standard deviation of an NBA game's final margin about the pregame expectation, in points."""

STERN_NAME: Final = "stern-1994"
"""Stern's model's name, as predictions and scorecards carry it."""

REGULATION_SECONDS: Final = REGULATION_PERIODS * PERIOD_SECONDS
"""Seconds of regulation: 2,880."""

OVERTIME_SHARE: Final = OVERTIME_SECONDS / REGULATION_SECONDS
"""An overtime's length as a share of regulation: 5/48."""


def normal_cdf(z: float) -> float:
    """The standard normal CDF."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def rounded_outcome(mean: float, spread: float) -> tuple[float, float, float]:
    """Win, tie and loss chances of a normal final margin, rounded to whole points.

    Args:
        mean: The final margin's mean, in points.
        spread: Its standard deviation, 0 or more; 0 makes the outcome certain.

    Returns:
        The chances that the rounded margin is above 0, 0, and below 0.
    """
    if spread == 0.0:
        if mean > 0.5:
            return 1.0, 0.0, 0.0
        if mean < -0.5:
            return 0.0, 0.0, 1.0
        return 0.0, 1.0, 0.0
    below_win = normal_cdf((0.5 - mean) / spread)
    below_tie = normal_cdf((-0.5 - mean) / spread)
    return 1.0 - below_win, below_win - below_tie, below_tie


def _win_tie_loss(lead: float, remaining: float, pregame_margin: float, sigma: float) -> tuple[float, float, float]:
    """The chances that the home team leads, is tied or trails when ``remaining`` has run out."""
    return rounded_outcome(lead + pregame_margin * remaining, sigma * math.sqrt(remaining))


def stern_win_probability(lead: float, remaining: float, pregame_margin: float, *, sigma: float = STERN_SIGMA) -> float:
    """The home team's chance of winning under Stern's model, overtime included.

    Args:
        lead: Home score minus away score now.
        remaining: Game time left until the end of regulation, or of the current overtime,
            as a share of the 48 minutes of regulation (1.0 at tip-off, 5/48 at the start of
            an overtime, 0.0 at the buzzer).
        pregame_margin: The expected final home margin over 48 minutes, in points.
        sigma: The standard deviation of the margin over 48 minutes, in points.

    Returns:
        The probability, in [0, 1] (not clipped).

    Raises:
        ValueError: If ``remaining`` is negative or ``sigma`` is not positive.
    """
    if not remaining >= 0.0:
        raise ValueError(f"remaining must be >= 0, got {remaining}")
    if not sigma > 0.0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    win, tie, _ = _win_tie_loss(lead, remaining, pregame_margin, sigma)
    ot_win, _, ot_loss = _win_tie_loss(0.0, OVERTIME_SHARE, pregame_margin, sigma)
    return win + tie * ot_win / (ot_win + ot_loss)
