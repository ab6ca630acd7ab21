"""The model on the real margins of 2022-23 and 2023-24: out of time, it beats the model shipped until now."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from bench.margins import MARGINS_CSV, Margins, load_margins
from bench.wp_fit import FULL, Level, States, paired_difference, states
from bench.wp_margins import Figures, baseline_chances, figures, lib_chances, shipped_until_now
from lib.model import SHIPPED, Parameters, home_win_probability
from lib.model.params import OUT_OF_TIME

if not MARGINS_CSV.is_file():
    pytest.skip(
        f"the real NBA margins are absent: {MARGINS_CSV} (see shared/data/nba_margins.README.md)",
        allow_module_level=True,
    )


@dataclass(frozen=True)
class Judged:
    """The judged seasons' states and the model shipped until now on them."""

    data: Margins
    at: States
    until_now: list[float]


@pytest.fixture(scope="module")
def judged() -> Judged:
    """Every regular-season game of 2022-23 and 2023-24 at its 42 moments in play."""
    data = load_margins()
    games = np.flatnonzero(data.regular & (data.season >= 2022))
    at = states(data, games)
    return Judged(data, at, baseline_chances(at, shipped_until_now))


def _ours(judged: Judged, level: Level, parameters: Parameters = OUT_OF_TIME) -> list[float]:
    return lib_chances(judged.data, judged.at, parameters, level)


def test_the_states_are_the_issues(judged: Judged) -> None:
    """The model shipped until now scores 0.1389 and 0.2469 pregame here, as the issue measured it."""
    until_now = figures(judged.until_now, judged.at)
    assert len(judged.at.game) == 2460 * 42
    assert until_now.brier == pytest.approx(0.1389, abs=5e-5)
    assert until_now.pregame == pytest.approx(0.2469, abs=5e-5)


def test_out_of_time_the_model_beats_the_one_shipped_until_now(judged: Judged) -> None:
    """Fitted without these seasons, with full form it is better beyond chance, and calibrated in each phase."""
    chances = _ours(judged, "form")
    ours: Figures = figures(chances, judged.at)
    assert ours.brier <= 0.1330
    assert ours.pregame <= 0.2230
    assert ours.worst_calibration <= 0.015
    outcome = judged.at.outcome
    gain, error = paired_difference(
        (np.asarray(chances) - outcome) ** 2, (np.asarray(judged.until_now) - outcome) ** 2, judged.at.game
    )
    assert gain < -0.005
    assert gain < -4 * error


def test_out_of_time_with_less_known(judged: Judged) -> None:
    """With records only the model still beats 0.134; with nothing known it is below the old model's 0.1389."""
    assert figures(_ours(judged, "record"), judged.at).brier <= 0.1340
    assert figures(_ours(judged, "home-edge"), judged.at).brier < 0.1389


def test_the_forms_carry_the_gain(judged: Judged) -> None:
    """A control: with each team given the other's form, the model does worse than knowing nothing at all."""
    data, at = judged.data, judged.at
    swapped: list[float] = []
    for start in range(0, len(at.game), 42):
        home, away = data.forms(int(at.game[start]), points=True)
        for lead, seconds in zip(
            at.lead[start : start + 42].tolist(), at.seconds[start : start + 42].tolist(), strict=True
        ):
            swapped.append(home_win_probability(lead, seconds, None, away, home, parameters=OUT_OF_TIME))
    nothing = figures(_ours(judged, "home-edge"), at).brier
    assert figures(swapped, at).brier > nothing + 0.003


def test_the_shipped_parameters_do_as_well(judged: Judged) -> None:
    """The parameters that ship, fitted on every season, score these seasons as the out-of-time fit does or better."""
    shipped = figures(_ours(judged, "form", SHIPPED), judged.at)
    assert shipped.brier <= 0.1330
    assert shipped.worst_calibration <= 0.015


def test_last_season_and_rest_carry_the_pregame_goal(judged: Judged) -> None:
    """With last season's record and rest days the pregame Brier meets 0.220, beyond chance better than without them."""
    everything = _ours(judged, FULL)
    this_season = _ours(judged, "form")
    ours = figures(everything, judged.at)
    assert ours.pregame <= 0.2200
    assert ours.brier <= 0.1316
    assert ours.worst_calibration <= 0.015
    outcome, pregame = judged.at.outcome, judged.at.seconds == 2880
    gain, error = paired_difference(
        ((np.asarray(everything) - outcome) ** 2)[pregame],
        ((np.asarray(this_season) - outcome) ** 2)[pregame],
        judged.at.game[pregame],
    )
    assert gain < -0.003
    assert gain < -3 * error
