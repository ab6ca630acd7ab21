"""Try per-game spreads of the final margin, beyond the model's one ``sigma``, out of time: each with its gain.

The model gives every game the same spread about its expected margin (``sigma``, falling as the
game runs out). A careful modeller would try next what the teams' forms say of a game's spread:

- **its pace**: a game both teams are expected to score more points in has more possessions, so
  more variance to come; ``sigma`` times ``(expected total / 220) ** power``, the total as
  :func:`lib.model.expected_total` gives it (both teams' points per game this season, shrunk
  towards last season's league);
- **its pace against the league's**: the same, relative to the league's points per game last
  season, so that the era's scoring level is left to ``sigma``;
- **a mismatch**: ``sigma * sqrt(1 + (power * mu / 10) ** 2)``, wider the more one team is expected
  to win by (blowouts, benches).

Each is fitted as the model's game is (``bench/wp_fit.py``: ``sigma``, the late share and the lead's
shrink with the new power, by maximum likelihood on the fitted seasons' states with this season's
forms) and judged on 2022-23 and 2023-24 with everything known, against the model refitted the
same way: the change in the Brier score, and in the pregame Brier score, each with its standard
error (games as clusters). A negative change is a gain.

Run: ``python bench/wp_spread.py`` (about a minute; needs ``shared/data/nba_margins.csv.gz``).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.margins import IN_PLAY, load_margins
from bench.wp_fit import (
    FULL,
    GAME_LEVEL,
    Choices,
    Fitted,
    Floats,
    States,
    fit,
    nelder_mead,
    paired_difference,
    prior,
    probability,
    season_before,
    season_weights,
    states,
)
from bench.wp_margins import LAST_TRAINING_SEASON
from lib.model.stern import REGULATION_SECONDS

REFERENCE_TOTAL = 220.0
"""Points per game both teams score that the pace's power is measured from (its scale is ``sigma``'s)."""


def _probability(at: States, mu: Floats, scale: Floats, point: Floats, fitted: Fitted) -> Floats:
    """The home win probability at each state; ``point`` is log sigma, the late share's logit, log shrink."""
    parameters = replace(
        fitted.parameters,
        sigma=math.exp(point[0]),
        late_share=1.0 / (1.0 + math.exp(-point[1])),
        lead_shrink=math.exp(point[2]),
    )
    return probability(at.lead, at.left, at.game, mu, np.zeros_like(mu), Fitted(parameters), scale)


def main() -> None:
    """Fit each spread on the fitted seasons and print its out-of-time gain."""
    data = load_margins()
    regular = np.flatnonzero(data.regular)
    train = regular[data.season[regular] <= LAST_TRAINING_SEASON]
    judged_games = regular[data.season[regular] > LAST_TRAINING_SEASON]
    judged, fitted_states = states(data, judged_games), states(data, train)
    fitted = fit(data, train, Choices(0.8))
    p = fitted.parameters
    weight = np.repeat(season_weights(data, train, 0.8), IN_PLAY)
    fitted_mu, judged_mu = prior(data, fitted, GAME_LEVEL)[0], prior(data, fitted, FULL)[0]
    won = fitted_states.outcome == 1
    pregame = judged.seconds == REGULATION_SECONDS

    league = np.zeros(len(data.season))
    league[regular] = season_before(data, regular)
    points = (data.points_for + data.points_against).sum(axis=1).astype(np.float64)
    played = (data.wins + data.losses).sum(axis=1).astype(np.float64)
    total = (league * p.total_prior_games + points) / (p.total_prior_games + played)
    relative = total / np.where(league > 0, league, 1.0)

    def tried(scale_of: Callable[[float, Floats], Floats]) -> tuple[float, Floats]:
        def loss(point: Floats) -> float:
            chance = _probability(fitted_states, fitted_mu, scale_of(float(point[3]), fitted_mu), point, fitted)
            log_loss = -np.where(won, np.log(chance), np.log1p(-chance))
            return float(np.sum(weight * log_loss) / np.sum(weight))

        start = [math.log(p.sigma), math.log(p.late_share / (1.0 - p.late_share)), math.log(p.lead_shrink), 0.0]
        point = nelder_mead(loss, start, step=0.2, tolerance=1e-9)
        chance = _probability(judged, judged_mu, scale_of(float(point[3]), judged_mu), point, fitted)
        return float(point[3]), (chance - judged.outcome) ** 2

    _, model_error = tried(lambda power, mu: np.ones_like(total))
    print("## Per-game spreads of the final margin, tried and left out\n")
    print(f"Judged on {len(judged_games):,} games of 2022-23 and 2023-24 with everything known; the model refitted")
    print(f"the same way scores Brier {model_error.mean():.5f}, pregame {model_error[pregame].mean():.5f}.\n")
    print("| spread | power fitted | Brier change ± standard error | pregame Brier change ± standard error |")
    print("|---|---|---|---|")
    candidates: list[tuple[str, Callable[[float, Floats], Floats]]] = [
        ("pace: (expected total / 220) ** power", lambda power, mu: (total / REFERENCE_TOTAL) ** power),
        ("pace against the league's: (expected total / league's) ** power", lambda power, mu: relative**power),
        ("mismatch: sqrt(1 + (power * mu / 10) ** 2)", lambda power, mu: np.sqrt(1.0 + (power * mu / 10.0) ** 2)),
    ]
    for name, scale_of in candidates:
        power, error = tried(scale_of)
        change, standard_error = paired_difference(error, model_error, judged.game)
        pregame_change, pregame_error = paired_difference(error[pregame], model_error[pregame], judged.game[pregame])
        print(
            f"| {name} | {power:+.3f} | {change:+.5f} ± {standard_error:.5f} | "
            f"{pregame_change:+.5f} ± {pregame_error:.5f} |"
        )


if __name__ == "__main__":
    main()
