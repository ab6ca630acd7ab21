"""The win-probability model the feed's sources used before ``lib/model``: the benches' baseline.

Stern's Brownian-motion model, also refitted to the real games of 2015-16.

With a lead ``L`` and the share ``r`` of regulation left, Stern's model gives
``P(home wins) = Phi((L + mu * r) / (sigma * sqrt(r)))`` for a pregame expected home margin ``mu``;
the final margin is rounded to whole points and an overtime is a fresh five-minute game.
:class:`CalibratedModel` keeps that frame with two departures fitted to real flows (leads shrink
while much time is left; the end game swings more). ``docs/model.md`` has the derivation, the
fit and how well each model does.

This module is pure: no I/O, no sockets, no Streamlit.
"""

from __future__ import annotations

import math
from typing import Final, Protocol

from lib.feed.model import _prediction, _result
from lib.model.stern import OVERTIME_SHARE, REGULATION_SECONDS, STERN_SIGMA, rounded_outcome, stern_win_probability
from lib.model.winprob import final_margin
from lib.protocol import MAX_SCORE, PERIOD_SECONDS, REGULATION_PERIODS, Game, Prediction, clock_seconds

__all__ = [
    "CALIBRATED_NAME",
    "EXPECTED_TOTAL",
    "HOME_EDGE_2015_16",
    "LATE_SPREAD_SHARE",
    "LEAD_SHRINK",
    "MAX_PROBABILITY",
    "MIN_PROBABILITY",
    "SIGMA",
    "CalibratedModel",
    "SternModel",
    "WinProbabilityModel",
    "calibrated_win_probability",
    "remaining_share",
    "stern_win_probability",
]

SIGMA: Final = STERN_SIGMA
"""Standard deviation of an NBA game's final margin about the pregame expectation, in points."""

EXPECTED_TOTAL: Final = 228.0
"""Points both teams score in 48 minutes, on average (2024-25 regular season: 227.65)."""

MIN_PROBABILITY: Final = 0.001
MAX_PROBABILITY: Final = 0.999
"""An unfinished game is never certain: clipping keeps a log loss on the dashboard finite."""


# The fitted parameters of CalibratedModel, printed by ``python bench/wp_quality.py --fit``
# (maximum likelihood on every scoring change of the real 2015-16 games).
HOME_EDGE_2015_16: Final = 2.9115
"""The pregame home margin ``mu`` of every real game: the data has no pregame line, only home and away.

It is the margin that makes the pregame chance ``Phi(mu / 13)`` equal the home win rate of the
games, so that ``mu`` means the same to the model as a team-strength margin does.
"""

LATE_SPREAD_SHARE: Final = 0.2069
"""The share of a whole game's margin variance that falls off like ``sqrt(r)`` instead of ``r``."""

LEAD_SHRINK: Final = 0.4118
"""``k`` in the lead's weight ``1 / (1 + k * sqrt(r))`` with the share ``r`` of the game left."""


class WinProbabilityModel(Protocol):
    """What the demo feed needs of a live win-probability model, so a better one can replace Stern's."""

    @property
    def name(self) -> str:
        """The model's name, sent with each prediction."""
        ...

    def predict(self, game: Game, pregame_margin: float) -> Prediction:
        """Predict the outcome of a game from its current state.

        Args:
            game: The game's current state.
            pregame_margin: The expected final home margin before tip-off, in points.

        Returns:
            The prediction for ``game``.
        """
        ...


def remaining_share(game: Game) -> float:
    """Game time left until the end of regulation or the current overtime, per 48 minutes.

    Args:
        game: The game; a scheduled game has all of regulation left.

    Returns:
        The share, as :func:`stern_win_probability` takes it.
    """
    if game.status == "scheduled" or game.period == 0:
        return 1.0
    seconds_left = clock_seconds(game.clock)
    if game.period <= REGULATION_PERIODS:
        seconds_left += (REGULATION_PERIODS - game.period) * PERIOD_SECONDS
    return seconds_left / REGULATION_SECONDS


class SternModel:
    """Stern's Brownian-motion model as a :class:`WinProbabilityModel`.

    Args:
        sigma: The standard deviation of a game's final margin, in points.
        expected_total: Points both teams score in 48 minutes, on average; sets the pace
            of the predicted final score.
    """

    def __init__(self, sigma: float = SIGMA, expected_total: float = EXPECTED_TOTAL) -> None:
        if not sigma > 0.0:
            raise ValueError(f"sigma must be > 0, got {sigma}")
        if not expected_total >= 0.0:
            raise ValueError(f"expected_total must be >= 0, got {expected_total}")
        self._sigma = sigma
        self._expected_total = expected_total

    @property
    def name(self) -> str:
        """The model's name, sent with each prediction."""
        return "stern-1994"

    def predict(self, game: Game, pregame_margin: float) -> Prediction:
        """Predict the winner and the final score of a game from its current state.

        A final game gets its result as a certainty. Otherwise the probability is clipped to
        [:data:`MIN_PROBABILITY`, :data:`MAX_PROBABILITY`], and the predicted final score is
        the current score plus each team's expected points over the time left (half the
        expected total each, shifted by half the pregame margin); overtime that has not
        started yet is not included.

        Args:
            game: The game's current state.
            pregame_margin: The expected final home margin before tip-off, in points.

        Returns:
            The prediction, named after this model.
        """
        if game.status == "final":
            return _result(game, self.name)
        remaining = remaining_share(game)
        probability = stern_win_probability(game.score_differential, remaining, pregame_margin, sigma=self._sigma)
        home_rate = max(0.0, (self._expected_total + pregame_margin) / 2)
        away_rate = max(0.0, (self._expected_total - pregame_margin) / 2)
        return _prediction(
            game,
            self.name,
            min(max(probability, MIN_PROBABILITY), MAX_PROBABILITY),
            min(game.home_score + home_rate * remaining, MAX_SCORE),
            min(game.away_score + away_rate * remaining, MAX_SCORE),
        )


CALIBRATED_NAME: Final = "stern-refit-2015-16"
"""Stern's frame, refitted to the 2015-16 flows (lead shrink, end-game spread): see the module docstring."""


def _calibrated_outcome(
    lead: float, remaining: float, pregame_margin: float, spread: float, late_share: float, lead_shrink: float
) -> tuple[float, float, float]:
    """Win, tie and loss chances when ``remaining`` has run out, under :class:`CalibratedModel`."""
    return rounded_outcome(
        *final_margin(lead, remaining, pregame_margin, sigma=spread, late_share=late_share, lead_shrink=lead_shrink)
    )


def _check_calibrated(spread: float, late_share: float, lead_shrink: float) -> None:
    if not spread > 0.0:
        raise ValueError(f"spread must be > 0, got {spread}")
    if not 0.0 <= late_share <= 1.0:
        raise ValueError(f"late_share must be in [0, 1], got {late_share}")
    if not lead_shrink >= 0.0:
        raise ValueError(f"lead_shrink must be >= 0, got {lead_shrink}")


def calibrated_win_probability(
    lead: float,
    remaining: float,
    pregame_margin: float,
    *,
    spread: float = SIGMA,
    late_share: float = LATE_SPREAD_SHARE,
    lead_shrink: float = LEAD_SHRINK,
) -> float:
    """The home team's chance of winning under :class:`CalibratedModel`, overtime included.

    The final margin of the period that decides the game (regulation, or the current overtime)
    is normal with mean ``lead / (1 + lead_shrink * sqrt(r)) + pregame_margin * r`` and variance
    ``spread**2 * ((1 - late_share) * r + late_share * sqrt(r))``, rounded to whole points; a
    tie goes to a fresh overtime under the same model, as in :func:`stern_win_probability`.

    Args:
        lead: Home score minus away score now.
        remaining: Game time left until the end of regulation, or of the current overtime,
            as a share of the 48 minutes of regulation (see :func:`remaining_share`).
        pregame_margin: The expected final home margin over 48 minutes, in points.
        spread: The standard deviation of a whole game's margin, in points.
        late_share: The share of that variance that falls off like ``sqrt(r)``, in [0, 1].
        lead_shrink: How much less a lead counts the more time is left, 0 or more.

    Returns:
        The probability, in [0, 1] (not clipped: see :class:`CalibratedModel`).

    Raises:
        ValueError: If ``remaining`` is negative or a parameter is out of its range.
    """
    if not remaining >= 0.0:
        raise ValueError(f"remaining must be >= 0, got {remaining}")
    _check_calibrated(spread, late_share, lead_shrink)
    win, tie, _ = _calibrated_outcome(lead, remaining, pregame_margin, spread, late_share, lead_shrink)
    ot_win, _, ot_loss = _calibrated_outcome(0.0, OVERTIME_SHARE, pregame_margin, spread, late_share, lead_shrink)
    return win + tie * ot_win / (ot_win + ot_loss)


class CalibratedModel:
    """Stern's model refitted to real NBA flows, as a :class:`WinProbabilityModel`.

    The defaults are the parameters fitted on the real 2015-16 games (above,
    ``docs/model.md``); see :func:`calibrated_win_probability` for the formula.

    Args:
        spread: The standard deviation of a whole game's margin about ``pregame_margin``, in points.
        late_share: The share of that variance that falls off like ``sqrt(r)``, in [0, 1].
        lead_shrink: How much less a lead counts the more time is left, 0 or more.
        expected_total: Points both teams score in 48 minutes, on average; sets the pace
            of the predicted final score.
    """

    def __init__(
        self,
        spread: float = SIGMA,
        late_share: float = LATE_SPREAD_SHARE,
        lead_shrink: float = LEAD_SHRINK,
        expected_total: float = EXPECTED_TOTAL,
    ) -> None:
        _check_calibrated(spread, late_share, lead_shrink)
        if not expected_total >= 0.0:
            raise ValueError(f"expected_total must be >= 0, got {expected_total}")
        self._spread = spread
        self._late_share = late_share
        self._lead_shrink = lead_shrink
        self._expected_total = expected_total

    @property
    def name(self) -> str:
        """The model's name, sent with each prediction."""
        return CALIBRATED_NAME

    def predict(self, game: Game, pregame_margin: float) -> Prediction:
        """Predict the winner and the final score of a game from its current state.

        A final game gets its result as a certainty. Otherwise the probability is clipped to
        [:data:`MIN_PROBABILITY`, :data:`MAX_PROBABILITY`]. The predicted final margin is the
        model's expected one, the shrunk lead plus the drift; the points still to come are the
        expected total's share of the time left, split so that the margin moves to that
        expectation (neither team is predicted to lose points). Overtime that has not started
        yet is not included.

        Args:
            game: The game's current state.
            pregame_margin: The expected final home margin before tip-off, in points.

        Returns:
            The prediction, named after this model.
        """
        if game.status == "final":
            return _result(game, self.name)
        lead = game.score_differential
        remaining = remaining_share(game)
        probability = calibrated_win_probability(
            lead,
            remaining,
            pregame_margin,
            spread=self._spread,
            late_share=self._late_share,
            lead_shrink=self._lead_shrink,
        )
        margin_to_come = lead / (1.0 + self._lead_shrink * math.sqrt(remaining)) - lead + pregame_margin * remaining
        points_to_come = self._expected_total * remaining
        return _prediction(
            game,
            self.name,
            min(max(probability, MIN_PROBABILITY), MAX_PROBABILITY),
            min(game.home_score + max(0.0, (points_to_come + margin_to_come) / 2), MAX_SCORE),
            min(game.away_score + max(0.0, (points_to_come - margin_to_come) / 2), MAX_SCORE),
        )
