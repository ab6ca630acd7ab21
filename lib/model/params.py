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
        home_edge: The expected final home margin between two average teams, in points, when
            neither team's rest is known.
        diff_weight: Points of expected margin per point of a team's shrunk point differential per game.
        diff_prior_games: Games of an average team's point differential (0) added to a team's own.
        record_weight: Points of expected margin per unit of a team's shrunk ``(wins - losses) / games``,
            when only the records are known.
        record_prior_games: Games of a .500 record added to a team's own, for that.
        carried_diff_weight: ``diff_weight`` for a team whose last season is known.
        carried_diff_prior_games: ``diff_prior_games`` for such a team.
        carried_record_weight: ``record_weight`` for such a team.
        carried_record_prior_games: ``record_prior_games`` for such a team.
        carry_weight: Points of expected margin per unit of the team's ``(wins - losses) / games``
            last season, before it has played this season.
        carry_games: The games this season after which last season counts half as much:
            its weight is ``carry_games / (games + carry_games)``.
        back_to_back: Points a team loses on the second night of a back-to-back (``rest_days == 1``).
        home_back_to_back_share: The share of home teams on such a night in the fitted seasons: a
            home team whose rest is unknown is expected to be on one this often.
        away_back_to_back_share: The same share for away teams.
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
    carried_diff_weight: float
    carried_diff_prior_games: float
    carried_record_weight: float
    carried_record_prior_games: float
    carry_weight: float
    carry_games: float
    back_to_back: float
    home_back_to_back_share: float
    away_back_to_back_share: float
    sigma: float
    late_share: float
    lead_shrink: float
    expected_total: float
    total_prior_games: float


ERA_DISCOUNT: Final = 0.8
"""The weight of a season relative to the next one in every fit, chosen on 2022-23 and 2023-24."""

SHIPPED: Final = Parameters(
    home_edge=2.234,
    diff_weight=1.075,
    diff_prior_games=11.88,
    record_weight=17.74,
    record_prior_games=16.15,
    carried_diff_weight=1.161,
    carried_diff_prior_games=21.1,
    carried_record_weight=19.56,
    carried_record_prior_games=28.13,
    carry_weight=12.66,
    carry_games=6.446,
    back_to_back=2.269,
    home_back_to_back_share=0.1479,
    away_back_to_back_share=0.2205,
    sigma=11.11,
    late_share=0.3243,
    lead_shrink=0.9367,
    expected_total=228.4,
    total_prior_games=1.529,
)
"""Fitted on every regular season of the file, 1996-97 to 2023-24: what the model uses."""

SHIPPED_LAST_SEASON: Final = 2023
"""The last season ``SHIPPED`` was fitted on, by the year it started (2023-24): any later season of
a margins file judges the model as it ships, out of time (``python bench/wp_quality.py --margins``)."""

OUT_OF_TIME: Final = Parameters(
    home_edge=2.194,
    diff_weight=1.044,
    diff_prior_games=11.14,
    record_weight=16.41,
    record_prior_games=13.89,
    carried_diff_weight=1.121,
    carried_diff_prior_games=20.13,
    carried_record_weight=17.87,
    carried_record_prior_games=24.83,
    carry_weight=12.14,
    carry_games=6.762,
    back_to_back=2.053,
    home_back_to_back_share=0.1464,
    away_back_to_back_share=0.2414,
    sigma=10.77,
    late_share=0.3478,
    lead_shrink=0.9911,
    expected_total=221.2,
    total_prior_games=2.045,
)
"""Fitted on the regular seasons up to 2021-22 only: the figures of ``docs/model.md``, scored on 2022-23 and 2023-24."""
