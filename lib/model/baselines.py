"""The two baselines a scorecard shows beside the model, on the same states: nothing known, and Stern's.

This module is pure: no I/O.
"""

from __future__ import annotations

from lib.model.checks import real, time_left
from lib.model.params import SHIPPED, Parameters
from lib.model.stern import stern_win_probability
from lib.model.winprob import MAX_PROBABILITY, MIN_PROBABILITY, home_win_probability


def nothing_known(
    home_lead: float,
    seconds_left: float,
    overtime_seconds_left: float | None = None,
    *,
    parameters: Parameters = SHIPPED,
) -> float:
    """The model itself with neither team's form nor a betting line: the home edge alone.

    Args:
        home_lead: Home score minus away score now.
        seconds_left: As :func:`lib.model.home_win_probability` takes it.
        overtime_seconds_left: As :func:`lib.model.home_win_probability` takes it.
        parameters: The model's numbers.

    Returns:
        The home team's chance of winning, strictly between 0 and 1.
    """
    return home_win_probability(home_lead, seconds_left, overtime_seconds_left, parameters=parameters)


def stern(
    home_lead: float,
    seconds_left: float,
    overtime_seconds_left: float | None = None,
    *,
    parameters: Parameters = SHIPPED,
) -> float:
    """Stern's 1994 model with the model's home edge as its pregame margin and Stern's 13-point spread.

    Args:
        home_lead: Home score minus away score now.
        seconds_left: As :func:`lib.model.home_win_probability` takes it.
        overtime_seconds_left: As :func:`lib.model.home_win_probability` takes it.
        parameters: The model's numbers, for the home edge.

    Returns:
        The home team's chance of winning, kept within the model's [:data:`MIN_PROBABILITY`,
        :data:`MAX_PROBABILITY`] so that both score on the same terms.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If a number is out of range, as for :func:`lib.model.home_win_probability`.
    """
    lead = real("home_lead", home_lead)
    chance = stern_win_probability(lead, time_left(seconds_left, overtime_seconds_left), parameters.home_edge)
    return min(max(chance, MIN_PROBABILITY), MAX_PROBABILITY)
