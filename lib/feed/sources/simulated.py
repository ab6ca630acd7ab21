"""One NBA game played possession by possession: the demo's scoring model.

:func:`simulate_game` returns the game's whole flow, in the same shape as the real games' file,
so the same statistics compare them. The model (possessions, margin reversion, the end game)
and how it is tuned to real games are in ``docs/model.md``. Pure: randomness comes in through an
explicit ``random.Random``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from lib.feed.flows import GameFlow, ScoringEvent
from lib.feed.teams import Team, pregame_margin
from lib.protocol import PERIOD_SECONDS, REGULATION_PERIODS, period_seconds

# One average possession, for an average offence against an average defence.
_MIN_POSSESSION: Final = 4.0
_MAX_POSSESSION: Final = 24.0
_MADE_THREE: Final = 0.127
_MADE_TWO: Final = 0.235
_AND_ONE: Final = 0.028
_FOULED: Final = 0.091
_FREE_THROW: Final = 0.78
# What a possession that scores nothing ends in, as shares of all possessions (the rest of the
# empty ones are missed twos): about 2024-25's turnovers and missed threes per possession.
_TURNOVER: Final = 0.125
_MISSED_THREE: Final = 0.215

_POINTS_PER_POSSESSION: Final = (
    3 * _MADE_THREE + 2 * _MADE_TWO + (2 + _FREE_THROW) * _AND_ONE + 2 * _FREE_THROW * _FOULED
)
_TEAM_POINTS: Final = _POINTS_PER_POSSESSION * REGULATION_PERIODS * PERIOD_SECONDS / (_MIN_POSSESSION + _MAX_POSSESSION)
"""An average team's expected points in regulation (possessions alternate, so each team has half)."""

# How strongly the margin is pulled back to its expected path: the offence's scoring odds
# fall by this share per point it is ahead of that path (and rise when it is behind).
_REVERSION: Final = 0.003
_MIN_EFFICIENCY: Final = 0.3
_MAX_EFFICIENCY: Final = 1.7

# The end game, in the period that decides the game (the fourth and every overtime).
_LAST_SHOT_WINDOW: Final = 40.0
_FOUL_WINDOW: Final = 60.0
_FOULED_WHEN_AHEAD_BY: Final = 6
_HURRIES_WHEN_BEHIND_BY: Final = 8
_LAST_SHOT_TWO: Final = 0.48
_LAST_SHOT_THREE: Final = 0.36
_LAST_SHOT_TIED: Final = 0.35
_HEAVE: Final = 0.1
_HEAVE_SECONDS: Final = 3.0


ActionKind = Literal["three", "two", "free_throw", "turnover"]
"""What a possession went through: a 3- or 2-point shot, a free throw, a turnover."""

_POINTS: Final[dict[ActionKind, int]] = {"three": 3, "two": 2, "free_throw": 1, "turnover": 0}


@dataclass(frozen=True, slots=True)
class Action:
    """One shot, free throw or turnover of a simulated game, and the score just after it.

    Attributes:
        period: 1-4 in regulation, 5 and up for each overtime.
        seconds_left_in_period: Whole seconds left on the period's clock.
        home: Whether the home team had the ball.
        kind: A 3- or 2-point shot, a free throw, a turnover.
        made: Whether the shot or free throw went in (a turnover never does).
        home_score: The home team's running total after it.
        away_score: The away team's running total after it.
    """

    period: int
    seconds_left_in_period: int
    home: bool
    kind: ActionKind
    made: bool
    home_score: int
    away_score: int


@dataclass(frozen=True, slots=True)
class SimulatedGame:
    """A simulated game: its scoring changes, as the real games' file has them, and every action behind them.

    Attributes:
        flow: The scoring changes.
        actions: Every shot, free throw and turnover in game order; the made ones are the flow's changes.
    """

    flow: GameFlow
    actions: tuple[Action, ...]


_Shot = tuple[ActionKind, bool]
"""An action before it is placed in the game: what it was and whether it went in."""


def _free_throws(rng: random.Random, attempts: int) -> tuple[_Shot, ...]:
    return tuple(("free_throw", rng.random() < _FREE_THROW) for _ in range(attempts))


def _end_game_possession(rng: random.Random, lead: int, left: float) -> tuple[float, tuple[_Shot, ...]] | None:
    """The possession's length and actions when the score and clock force a tactic, else ``None``."""
    if left <= _LAST_SHOT_WINDOW and -3 <= lead <= 0:
        if left <= _HEAVE_SECONDS:
            make, duration = _HEAVE, left
        else:
            make = _LAST_SHOT_THREE if lead == -3 else _LAST_SHOT_TIED if lead == 0 else _LAST_SHOT_TWO
            duration = left - rng.uniform(0.5, _HEAVE_SECONDS)
        return duration, (("three" if lead == -3 else "two", rng.random() < make),)
    if left <= _FOUL_WINDOW and 0 < lead <= _FOULED_WHEN_AHEAD_BY:
        return rng.uniform(1.0, 4.0), _free_throws(rng, 2)
    if left <= _FOUL_WINDOW and -_HURRIES_WHEN_BEHIND_BY <= lead < 0:
        return rng.uniform(3.0, 8.0), (("three", rng.random() < _LAST_SHOT_THREE),)
    return None


def _possession(rng: random.Random, efficiency: float) -> tuple[float, tuple[_Shot, ...]]:
    """An ordinary possession's length and actions, the scoring odds scaled by ``efficiency``."""
    duration = rng.uniform(_MIN_POSSESSION, _MAX_POSSESSION)
    draw = rng.random() / efficiency
    if draw < _MADE_THREE:
        return duration, (("three", True),)
    draw -= _MADE_THREE
    if draw < _MADE_TWO:
        return duration, (("two", True),)
    draw -= _MADE_TWO
    if draw < _AND_ONE:
        return duration, (("two", True), *_free_throws(rng, 1))
    draw -= _AND_ONE
    if draw < _FOULED:
        return duration, _free_throws(rng, 2)
    # An empty possession: what it ended in takes no draw of its own, so a seed plays the same points.
    draw -= _FOULED
    if draw < _TURNOVER:
        return duration, (("turnover", False),)
    return duration, (("three" if draw < _TURNOVER + _MISSED_THREE else "two", False),)


def simulate_game(
    rng: random.Random,
    home: Team,
    away: Team,
    *,
    game_id: str = "sim",
    game_date: date = date(2025, 1, 1),
    margin: float | None = None,
) -> SimulatedGame:
    """Play one complete game: four quarters, then five-minute overtimes while tied.

    Args:
        rng: The source of randomness; the flow is a function of its state.
        home: The home team.
        away: The visiting team.
        game_id: The id to give the flow.
        game_date: The date to give the flow.
        margin: The expected final home margin the game is played to, in points; by default the
            teams' ratings' (:func:`~lib.feed.teams.pregame_margin`).

    Returns:
        Every scoring change of the game, teams named by tricode, and every action.
    """
    if margin is None:
        margin = pregame_margin(home, away)
    edge = margin / 2 / _TEAM_POINTS
    regulation = REGULATION_PERIODS * PERIOD_SECONDS
    scores = [0, 0]  # indexed by team: 0 home, 1 away
    events: list[ScoringEvent] = []
    actions: list[Action] = []
    offence = 0 if rng.random() < 0.5 else 1
    period = 0
    # A tie after 16 overtimes (beyond the protocol's 20 periods) has odds of about 1e-18.
    while period < REGULATION_PERIODS or scores[0] == scores[1]:
        period += 1
        length = period_seconds(period)
        deciding = period >= REGULATION_PERIODS
        left = float(length)
        while left > 0.0:
            lead = scores[offence] - scores[1 - offence]
            forced = _end_game_possession(rng, lead, left) if deciding else None
            if forced is None:
                home_sign = 1 - 2 * offence
                elapsed = min((period - 1) * PERIOD_SECONDS + length - left, regulation)
                expected_lead = home_sign * margin * elapsed / regulation
                efficiency = (1 + home_sign * edge) * (1 - _REVERSION * (lead - expected_lead))
                forced = _possession(rng, min(max(efficiency, _MIN_EFFICIENCY), _MAX_EFFICIENCY))
            duration, shots = forced
            left = max(0.0, left - duration)
            for kind, made in shots:
                if made:
                    scores[offence] += _POINTS[kind]
                    events.append(ScoringEvent(period, int(left), scores[0], scores[1]))
                actions.append(Action(period, int(left), offence == 0, kind, made, scores[0], scores[1]))
            offence = 1 - offence
    flow = GameFlow(game_id, game_date, home.tricode, away.tricode, tuple(events))
    return SimulatedGame(flow, tuple(actions))
