"""The live win-probability model: the home team's chance from the score, the clock and the teams' form.

For analysts and the feed's sources alike::

    from lib.model import TeamForm, home_win_probability
    home_win_probability(home_lead=5, seconds_left=1234.0,
                         home=TeamForm(wins=10, losses=5, points_for=1700, points_against=1650),
                         away=TeamForm(wins=7, losses=8))

Pure functions throughout (no I/O); ``docs/model.md`` has the model, its fit and its figures.
"""

from __future__ import annotations

from lib.model.baselines import nothing_known, stern
from lib.model.form import GameResult, TeamForm, season_forms
from lib.model.params import SHIPPED, Parameters
from lib.model.phases import PHASES, Phase, PhaseScore, calibration_error, model_clock, phase, phase_scores
from lib.model.stern import STERN_NAME, stern_win_probability
from lib.model.winprob import (
    MAX_PROBABILITY,
    MIN_PROBABILITY,
    MODEL_NAME,
    Prior,
    expected_final_score,
    expected_total,
    home_spread_from_chance,
    home_win_probability,
    pregame_margin,
    prior_name,
)

__all__ = [
    "MAX_PROBABILITY",
    "MIN_PROBABILITY",
    "MODEL_NAME",
    "PHASES",
    "SHIPPED",
    "STERN_NAME",
    "GameResult",
    "Parameters",
    "Phase",
    "PhaseScore",
    "Prior",
    "TeamForm",
    "calibration_error",
    "expected_final_score",
    "expected_total",
    "home_spread_from_chance",
    "home_win_probability",
    "model_clock",
    "nothing_known",
    "phase",
    "phase_scores",
    "pregame_margin",
    "prior_name",
    "season_forms",
    "stern",
    "stern_win_probability",
]
