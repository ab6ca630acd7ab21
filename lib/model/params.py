"""The fitted parameters of the win-probability model, as plain numbers.

Produced by ``python bench/wp_quality.py --margins --fit`` from ``shared/data/nba_margins.csv.gz``
(35,381 real games, 1996-97 to 2023-24) and pasted here; ``docs/model.md`` explains each one and
the out-of-time gain that justifies it. Refit and paste again when the data or the model changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Parameters:
    """Every number the model uses; see :func:`lib.model.home_win_probability` for the formula.

    Attributes:
        home_edge: The expected final home margin between two average teams, in points.
        diff_weight: Points of expected margin per point of a team's shrunk point differential per game.
        diff_prior_games: Games of an average team's point differential (0) added to a team's own.
        record_weight: Points of expected margin per unit of a team's shrunk ``(wins - losses) / games``,
            when only the records are known.
        record_prior_games: Games of a .500 record added to a team's own, for that.
        sigma: The standard deviation of a game's final margin about its expectation, in points.
        late_share: The share of that variance that falls off like ``sqrt(r)`` instead of ``r``.
        lead_shrink: ``k`` in the lead's weight ``1 / (1 + k * sqrt(r))`` with the share ``r`` of regulation left.
        expected_total: Points both teams score in a game, in the league now.
        total_prior_games: Games of ``expected_total`` added to the two teams' own games when their
            points are known.
    """

    home_edge: float
    diff_weight: float
    diff_prior_games: float
    record_weight: float
    record_prior_games: float
    sigma: float
    late_share: float
    lead_shrink: float
    expected_total: float
    total_prior_games: float


ERA_DISCOUNT: Final = 0.8
"""The weight of a season relative to the next one in every fit, chosen on 2022-23 and 2023-24."""

SHIPPED: Final = Parameters(
    home_edge=2.234,
    diff_weight=1.068,
    diff_prior_games=11.62,
    record_weight=17.63,
    record_prior_games=15.86,
    sigma=11.1,
    late_share=0.3255,
    lead_shrink=0.9389,
    expected_total=228.4,
    total_prior_games=1.529,
)
"""Fitted on every regular season of the file, 1996-97 to 2023-24: what the model uses."""

OUT_OF_TIME: Final = Parameters(
    home_edge=2.194,
    diff_weight=1.036,
    diff_prior_games=10.86,
    record_weight=16.26,
    record_prior_games=13.48,
    sigma=10.75,
    late_share=0.3485,
    lead_shrink=0.994,
    expected_total=221.2,
    total_prior_games=2.045,
)
"""Fitted on the regular seasons up to 2021-22 only: the figures of ``docs/model.md``, scored on 2022-23 and 2023-24."""
