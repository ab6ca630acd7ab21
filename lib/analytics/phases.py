"""The scorecard by game phase: our predictions beside the two baselines' on the same states.

Each scored prediction came with the game's state (period, clock, score). That state gives its
phase (:func:`lib.model.phase`) and what the two baselines say of it: the model with nothing known
(:func:`lib.model.nothing_known`) and Stern's (:func:`lib.model.stern`). The gap between ours and
theirs, phase by phase, is what the teams' form or the betting line behind our predictions adds.

A prediction made before tip-off belongs to no phase of play: it has a row of its own,
:data:`PREGAME`, where the baselines are taken at the tip-off with the score then (0-0). The
row :data:`ALL` holds every scored prediction, pregame ones included, so that it agrees with the
scorecard's overall figures.

Pure: prediction states in, frozen records out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from typing import Final, Literal, NamedTuple

import numpy as np

from lib.analytics.metrics import Floats, brier
from lib.model import PHASES, Phase, calibration_error, model_clock, nothing_known, phase, stern
from lib.protocol import OVERTIME_SECONDS, REGULATION_PERIODS, clock_seconds
from lib.store import PredictionPoint

PREGAME: Final = "pregame"
"""The row of the predictions made before tip-off (period 0)."""

ALL: Final = "all"
"""The row of every scored prediction together."""

Row = Literal[
    "pregame",
    "first half",
    "third quarter",
    "fourth quarter before the last five minutes",
    "last five minutes",
    "all",
]
"""A row of the table by phase: before tip-off, one of :data:`lib.model.PHASES`, or all of them."""

ROWS: Final[tuple[Row, ...]] = (PREGAME, *PHASES, ALL)
"""The rows in the order a game plays them, then all together."""

_ROW_NUMBERS: Final = {row: number for number, row in enumerate(ROWS)}

_STATES_REMEMBERED: Final = 1 << 16
"""States whose baselines are kept (about 350 bytes each, 23 MB when full): a night's many times over, and the
49,243 distinct states of the 632 games of 2015-16, so that an archive read again costs no baseline again."""


class Judged(NamedTuple):
    """One scored prediction beside the baselines' chances on its state.

    Attributes:
        phase: :data:`PREGAME` or the phase of play it was made in.
        ours: Our home-win probability.
        nothing_known: The model with nothing known, on the same state.
        stern: Stern's model, on the same state.
    """

    phase: Phase | Literal["pregame"]
    ours: float
    nothing_known: float
    stern: float


@lru_cache(maxsize=_STATES_REMEMBERED)
def _baselines(home_lead: int, period: int, clock: str) -> tuple[Phase | Literal["pregame"], float, float]:
    """The phase and both baselines' chances of one state; a season's scorecard meets each state many times."""
    on_clock = clock_seconds(clock)
    if period > REGULATION_PERIODS:
        # The protocol allows a clock up to 12:00 in any period; an overtime has five minutes.
        on_clock = min(on_clock, float(OVERTIME_SECONDS))
    seconds_left, overtime_seconds_left = model_clock(period, on_clock)
    name: Phase | Literal["pregame"] = PREGAME if period == 0 else phase(seconds_left, overtime_seconds_left)
    return (
        name,
        nothing_known(home_lead, seconds_left, overtime_seconds_left),
        stern(home_lead, seconds_left, overtime_seconds_left),
    )


def judge(point: PredictionPoint) -> Judged:
    """A prediction's phase and the baselines' chances on the state it came with.

    A clock above 5:00 in an overtime (the protocol allows up to 12:00 in any period) is taken as
    the overtime's start.
    """
    name, known, sterns = _baselines(point.home_score - point.away_score, point.period, point.clock)
    return Judged(name, point.home_win_probability, known, sterns)


@dataclass(frozen=True)
class PhaseFigures:
    """Our predictions' figures in one row of the table by phase, and the baselines' on the same states.

    Attributes:
        phase: The row: :data:`PREGAME`, a phase of :data:`lib.model.PHASES`, or :data:`ALL`.
        predictions: How many scored predictions fall in it.
        games: How many games they come from.
        brier: Our Brier score (lower is better); ``None`` when there are no predictions.
        brier_nothing_known: The model with nothing known's Brier score on the same states.
        brier_stern: Stern's Brier score on the same states.
        calibration_error: Our expected calibration error (:func:`lib.model.calibration_error`:
            10 probability buckets, weighted by predictions), in [0, 1]: 0.015 is 1.5 points.
        calibration_error_nothing_known: The model with nothing known's, on the same states.
        calibration_error_stern: Stern's, on the same states.
    """

    phase: Row
    predictions: int
    games: int
    brier: float | None
    brier_nothing_known: float | None
    brier_stern: float | None
    calibration_error: float | None
    calibration_error_nothing_known: float | None
    calibration_error_stern: float | None


def _figures(row: Row, chances: Sequence[Floats], won: list[int], games: int) -> PhaseFigures:
    """One row's figures from each model's chances (ours, nothing known, Stern's) and the outcomes."""
    if not won:
        return PhaseFigures(row, 0, 0, None, None, None, None, None, None)
    ours, known, sterns = (column.tolist() for column in chances)
    return PhaseFigures(
        row,
        len(won),
        games,
        brier(ours, won),
        brier(known, won),
        brier(sterns, won),
        calibration_error(ours, won),
        calibration_error(known, won),
        calibration_error(sterns, won),
    )


def phase_figures(
    judged: Sequence[Judged], outcomes: Sequence[int], game_ids: Sequence[str]
) -> tuple[PhaseFigures, ...]:
    """The table by phase: one row per entry of :data:`ROWS`, empty ones with ``None`` figures.

    Args:
        judged: The scored predictions (:func:`judge`).
        outcomes: 1 where the home team won that prediction's game, 0 where the away team did.
        game_ids: The game of each prediction.

    Raises:
        ValueError: If the inputs are not equally long or a probability or outcome is invalid.
    """
    if not len(judged) == len(outcomes) == len(game_ids):
        raise ValueError(
            f"judged, outcomes and game_ids must be equally long, "
            f"got {len(judged)}, {len(outcomes)} and {len(game_ids)}"
        )
    # Columns and masks rather than a loop over the predictions for each row: a season has some 70,000.
    count = len(judged)
    rows = np.fromiter((_ROW_NUMBERS[one.phase] for one in judged), dtype=np.intp, count=count)
    ours = np.fromiter((one.ours for one in judged), dtype=np.float64, count=count)
    known = np.fromiter((one.nothing_known for one in judged), dtype=np.float64, count=count)
    sterns = np.fromiter((one.stern for one in judged), dtype=np.float64, count=count)
    results = np.asarray(outcomes)
    table = []
    for number, row in enumerate(ROWS):
        chosen = np.ones(count, dtype=bool) if row == ALL else rows == number
        games = len(set(compress(game_ids, chosen.tolist())))
        chances = (ours[chosen], known[chosen], sterns[chosen])
        table.append(_figures(row, chances, results[chosen].tolist(), games))
    return tuple(table)
