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
        diff_weight: Points of expected margin per point of a team's shrunk point differential.
        diff_prior_games: Games of an average team's point differential added to a team's own.
        record_weight: Points of expected margin per unit of a team's shrunk ``(wins - losses) / games``,
            on top of the point differential.
        record_prior_games: Games of a .500 record added to a team's own, for that term.
        record_only_weight: As ``record_weight``, when only the records are known.
        record_only_prior_games: As ``record_prior_games``, when only the records are known.
        strength_variance: The variance of a team's strength about the league's average, points squared.
        form_variance_games: A team's strength variance left after ``n`` games with points is
            ``strength_variance * g / (n + g)`` for this ``g``.
        record_variance_games: The same ``g`` when only the record is known.
        record_variance_floor: The share of ``strength_variance`` that no record, however long,
            tells: what is left after ``n`` games is ``strength_variance * (g + floor * n) / (n + g)``.
        sigma: The standard deviation of a game's final margin about its expectation, in points,
            for teams of known strength.
        late_share: The share of that variance that falls off like ``sqrt(r)`` instead of ``r``.
        lead_shrink: ``k`` in the lead's weight ``1 / (1 + k * sqrt(r))`` with the share ``r`` of regulation left.
        shrink_to_expected: How much of the lead's shrink goes towards the lead the teams' strengths
            predict rather than towards 0, in [0, 1].
        expected_total: Points both teams score in a game, in the league now.
        total_prior_games: Games of ``expected_total`` added to the two teams' own games when their
            points are known.
    """

    home_edge: float
    diff_weight: float
    diff_prior_games: float
    record_weight: float
    record_prior_games: float
    record_only_weight: float
    record_only_prior_games: float
    strength_variance: float
    form_variance_games: float
    record_variance_games: float
    record_variance_floor: float
    sigma: float
    late_share: float
    lead_shrink: float
    shrink_to_expected: float
    expected_total: float
    total_prior_games: float


ERA_DISCOUNT: Final = 0.8
"""The weight of a season relative to the next one in every fit: ``ERA_DISCOUNT ** (seasons before the last)``."""

SHIPPED: Final = Parameters(
    home_edge=2.2,
    diff_weight=0.97,
    diff_prior_games=12.0,
    record_weight=1.37,
    record_prior_games=5.0,
    record_only_weight=16.75,
    record_only_prior_games=15.0,
    strength_variance=17.2,
    form_variance_games=3.3,
    record_variance_games=3.4,
    record_variance_floor=0.1,
    sigma=11.75,
    late_share=0.296,
    lead_shrink=0.851,
    shrink_to_expected=0.31,
    expected_total=222.0,
    total_prior_games=10.0,
)
"""Fitted on every season of the file: what the model uses."""

OUT_OF_TIME: Final = SHIPPED
"""Fitted on the seasons up to 2021-22 only, the figures of ``docs/model.md`` scored on 2022-23 and 2023-24."""
