"""An NBA night as a random process: the pure core of the demo feed.

Two layers:

* :func:`simulate_game` plays one game possession by possession and returns its whole flow,
  the same :class:`~lib.feed.games_csv.GameFlow` shape as the real NBA file, so the same
  statistics (:mod:`lib.analytics.flow`) can compare simulated and real games.
* :class:`NightSimulator` schedules slates of such games, reveals each flow as time passes
  and turns every visible change into protocol messages. Time is passed in (``advance(now)``),
  so the simulator never reads a clock and a seed gives the same night at any step size.

The game model
--------------
Teams alternate possessions of 4-24 s. An average possession ends in a made three, a made
two, an and-one (a two plus one free throw), a two-shot foul, or nothing; each made free
throw is its own 1-point scoring change, as in the real play-by-play. The home team's
offence is more likely to score, and the away team's less, by the amount that makes the
expected final margin :func:`pregame_margin` (team ratings plus home advantage). Two effects
that a plain random walk misses, but real games show, are modelled:

* The margin reverts towards its expected path: real margins spread out less in the second
  half than in the first (SD after Q1/Q2/Q3/Q4 of 7.8/10.2/12.5/13.1 points in the real file,
  against 7.8/11.0/13.5/15.6 for a random walk), as leaders ease off and trailers press.
* The end game: in the last period that can decide the game, a team down 1-3 holds for a
  last shot (a three when down three), a team with a small lead is fouled, and a team down
  4-8 hurries threes. This is what makes overtime as common as it is (6.3%).

Tuning
------
The scoring level is tuned to the 2024-25 regular season (README era table) and the flow
shape to the 2015-16 play-by-play file, which cannot both be met: 2024-25 games have about
22 more points, from more threes (about 27 made per game against 17) at a slightly faster
pace, and a wider margin spread (SD 15.9 against 13.2). The compromise keeps the modern
scoring level and mix (more threes, a few more scoring events) and matches the flow shape
as far as the wider margins allow. Achieved over 20,000 simulated games with random pairs of
:data:`TEAMS`, against the real figures:

================================  ===============  =====================
statistic                         simulated        real
================================  ===============  =====================
total points, mean / SD           227.5 / 20.5     227.65 / 19.79 (2024-25)
home margin, mean / SD            +1.6 / 15.6      +1.63 / 15.89 (2024-25)
home win rate                     0.546            0.544 (2024-25)
overtime share                    0.062            0.063 (file)
lead changes per game             6.9              6.48 (file)
times tied per game               5.1              5.11 (file)
largest lead, mean                19.6             18.13 (file)
winner's largest deficit, mean    6.6              6.32 (file)
biggest run, mean                 11.4             11.08 (file)
scoring events per game           117.8            110.34 (file)
1 / 2 / 3-point share of events   .31 / .46 / .23  .316 / .533 / .151 (file)
================================  ===============  =====================

The model's in-game spread about the pregame margin is about 13 points, the ``sigma`` of
:class:`~lib.feed.model.SternModel`, so Stern's model is calibrated for this simulator.

This module is pure: no sockets, threads, asyncio, clocks or Streamlit.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from lib.analytics.flow import Side
from lib.feed.games_csv import GameFlow, ScoringEvent, period_seconds
from lib.feed.model import SternModel, WinProbabilityModel
from lib.protocol import (
    PERIOD_SECONDS,
    REGULATION_PERIODS,
    Game,
    GameEnd,
    GameMessage,
    GameStart,
    Message,
    PredictionUpdate,
    ScoreUpdate,
)


@dataclass(frozen=True, slots=True)
class Team:
    """An NBA team and its strength.

    Attributes:
        tricode: The NBA three-letter code.
        name: The full name, as the dashboard shows it.
        rating: Points per game better than an average team, on a neutral floor.
    """

    tricode: str
    name: str
    rating: float


# Roughly each team's 2024-25 point differential per game, shifted to average zero.
TEAMS: Final[tuple[Team, ...]] = (
    Team("ATL", "Atlanta Hawks", -1.3),
    Team("BOS", "Boston Celtics", 9.1),
    Team("BKN", "Brooklyn Nets", -7.7),
    Team("CHA", "Charlotte Hornets", -9.1),
    Team("CHI", "Chicago Bulls", -1.5),
    Team("CLE", "Cleveland Cavaliers", 9.5),
    Team("DAL", "Dallas Mavericks", -0.8),
    Team("DEN", "Denver Nuggets", 3.9),
    Team("DET", "Detroit Pistons", 2.9),
    Team("GSW", "Golden State Warriors", 2.6),
    Team("HOU", "Houston Rockets", 4.6),
    Team("IND", "Indiana Pacers", 2.1),
    Team("LAC", "LA Clippers", 3.6),
    Team("LAL", "Los Angeles Lakers", 0.9),
    Team("MEM", "Memphis Grizzlies", 4.9),
    Team("MIA", "Miami Heat", 0.3),
    Team("MIL", "Milwaukee Bucks", 1.5),
    Team("MIN", "Minnesota Timberwolves", 4.9),
    Team("NOP", "New Orleans Pelicans", -8.4),
    Team("NYK", "New York Knicks", 4.4),
    Team("OKC", "Oklahoma City Thunder", 12.9),
    Team("ORL", "Orlando Magic", -0.4),
    Team("PHI", "Philadelphia 76ers", -5.5),
    Team("PHX", "Phoenix Suns", -2.4),
    Team("POR", "Portland Trail Blazers", -2.6),
    Team("SAC", "Sacramento Kings", 0.1),
    Team("SAS", "San Antonio Spurs", -2.4),
    Team("TOR", "Toronto Raptors", -4.5),
    Team("UTA", "Utah Jazz", -9.7),
    Team("WAS", "Washington Wizards", -11.9),
)

HOME_ADVANTAGE: Final = 1.6
"""Points the home team gains; with the ratings' spread it gives 2024-25's home win rate."""

# One average possession, for an average offence against an average defence.
_MIN_POSSESSION: Final = 4.0
_MAX_POSSESSION: Final = 24.0
_MADE_THREE: Final = 0.126
_MADE_TWO: Final = 0.233
_AND_ONE: Final = 0.028
_FOULED: Final = 0.091
_FREE_THROW: Final = 0.78

_POINTS_PER_POSSESSION: Final = (
    3 * _MADE_THREE + 2 * _MADE_TWO + (2 + _FREE_THROW) * _AND_ONE + 2 * _FREE_THROW * _FOULED
)
_TEAM_POINTS: Final = _POINTS_PER_POSSESSION * REGULATION_PERIODS * PERIOD_SECONDS / (
    _MIN_POSSESSION + _MAX_POSSESSION
)
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


def pregame_margin(home: Team, away: Team) -> float:
    """The expected final home margin of a game between two teams.

    Args:
        home: The home team.
        away: The visiting team.

    Returns:
        The margin in points, the ``mu`` of the win-probability model.
    """
    return home.rating - away.rating + HOME_ADVANTAGE


def _free_throws(rng: random.Random, attempts: int) -> tuple[int, ...]:
    return tuple(1 for _ in range(attempts) if rng.random() < _FREE_THROW)


def _end_game_possession(rng: random.Random, lead: int, left: float) -> tuple[float, tuple[int, ...]] | None:
    """The possession's length and points when the score and clock force a tactic, else ``None``."""
    if left <= _LAST_SHOT_WINDOW and -3 <= lead <= 0:
        if left <= _HEAVE_SECONDS:
            make, duration = _HEAVE, left
        else:
            make = _LAST_SHOT_THREE if lead == -3 else _LAST_SHOT_TIED if lead == 0 else _LAST_SHOT_TWO
            duration = left - rng.uniform(0.5, _HEAVE_SECONDS)
        return duration, ((3 if lead == -3 else 2,) if rng.random() < make else ())
    if left <= _FOUL_WINDOW and 0 < lead <= _FOULED_WHEN_AHEAD_BY:
        return rng.uniform(1.0, 4.0), _free_throws(rng, 2)
    if left <= _FOUL_WINDOW and -_HURRIES_WHEN_BEHIND_BY <= lead < 0:
        return rng.uniform(3.0, 8.0), ((3,) if rng.random() < _LAST_SHOT_THREE else ())
    return None


def _possession(rng: random.Random, efficiency: float) -> tuple[float, tuple[int, ...]]:
    """An ordinary possession's length and points, the scoring odds scaled by ``efficiency``."""
    duration = rng.uniform(_MIN_POSSESSION, _MAX_POSSESSION)
    draw = rng.random() / efficiency
    if draw < _MADE_THREE:
        return duration, (3,)
    draw -= _MADE_THREE
    if draw < _MADE_TWO:
        return duration, (2,)
    draw -= _MADE_TWO
    if draw < _AND_ONE:
        return duration, (2, *_free_throws(rng, 1))
    draw -= _AND_ONE
    if draw < _FOULED:
        return duration, _free_throws(rng, 2)
    return duration, ()


def simulate_game(
    rng: random.Random,
    home: Team,
    away: Team,
    *,
    game_id: str = "sim",
    game_date: date = date(2025, 1, 1),
) -> GameFlow:
    """Play one complete game: four quarters, then five-minute overtimes while tied.

    Args:
        rng: The source of randomness; the flow is a function of its state.
        home: The home team.
        away: The visiting team.
        game_id: The id to give the flow.
        game_date: The date to give the flow.

    Returns:
        Every scoring change of the game, teams named by tricode.
    """
    margin = pregame_margin(home, away)
    edge = margin / 2 / _TEAM_POINTS
    regulation = REGULATION_PERIODS * PERIOD_SECONDS
    scores = {Side.HOME: 0, Side.AWAY: 0}
    events: list[ScoringEvent] = []
    offence = Side.HOME if rng.random() < 0.5 else Side.AWAY
    period = 0
    # A tie after 16 overtimes (beyond the protocol's 20 periods) has odds of about 1e-18.
    while period < REGULATION_PERIODS or scores[Side.HOME] == scores[Side.AWAY]:
        period += 1
        length = period_seconds(period)
        deciding = period >= REGULATION_PERIODS
        left = float(length)
        while left > 0.0:
            defence = Side.AWAY if offence is Side.HOME else Side.HOME
            lead = scores[offence] - scores[defence]
            forced = _end_game_possession(rng, lead, left) if deciding else None
            if forced is None:
                elapsed = min((period - 1) * PERIOD_SECONDS + length - left, regulation)
                expected_lead = margin * elapsed / regulation
                if offence is Side.AWAY:
                    expected_lead = -expected_lead
                efficiency = (1 + edge if offence is Side.HOME else 1 - edge) * (
                    1 - _REVERSION * (lead - expected_lead)
                )
                forced = _possession(rng, min(max(efficiency, _MIN_EFFICIENCY), _MAX_EFFICIENCY))
            duration, points = forced
            left = max(0.0, left - duration)
            for point in points:
                scores[offence] += point
                events.append(ScoringEvent(period, int(left), scores[Side.HOME], scores[Side.AWAY]))
            offence = defence
    return GameFlow(game_id, game_date, home.tricode, away.tricode, tuple(events))
