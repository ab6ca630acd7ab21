"""An NBA night as a random process: the pure core of the demo feed.

Two layers:

* :func:`simulate_game` plays one game possession by possession and returns its whole flow,
  the same :class:`~lib.feed.games_csv.GameFlow` shape as the real NBA file, so the same
  statistics (:mod:`lib.analytics.flow`) can compare simulated and real games.
* :class:`NightSimulator` schedules slates of such games, reveals each flow as time passes
  and turns every visible change into protocol messages. Time is passed in (``advance(now)``),
  so the simulator never reads a clock and a seed gives the same night at any step size.
  Given real flows (``flows=read_games_csv(...)``) it plays those instead of simulating
  games: the same schedule, with the real score sequences.

The game model (possessions, margin reversion, the end game) and how it is tuned to real
games are in ``docs/model.md``, with the figures the tests hold it to.

This module is pure: no sockets, threads, asyncio, clocks or Streamlit.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Final

from lib.feed.games_csv import GameFlow, ScoringEvent, clock_text, period_seconds
from lib.feed.model import CalibratedModel, WinProbabilityModel
from lib.protocol import (
    PERIOD_SECONDS,
    REGULATION_PERIODS,
    Game,
    GameEnd,
    Message,
    PredictionUpdate,
    ScoreUpdate,
    game_message,
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

HOME_ADVANTAGE: Final = 1.7
"""Points the home team gains; with the ratings' spread it gives 2024-25's home win rate."""

_BY_TRICODE: Final = {team.tricode: team for team in TEAMS}


def team_for(tricode: str) -> Team:
    """The team with a tricode, from :data:`TEAMS`.

    Args:
        tricode: An NBA three-letter code, as in the real games' file.

    Returns:
        The team; a code not in :data:`TEAMS` gives a team named by the code itself and rated
        as an average team (zero), so a game between two unknowns starts from the home
        advantage alone.
    """
    return _BY_TRICODE.get(tricode) or Team(tricode, tricode, 0.0)


# One average possession, for an average offence against an average defence.
_MIN_POSSESSION: Final = 4.0
_MAX_POSSESSION: Final = 24.0
_MADE_THREE: Final = 0.127
_MADE_TWO: Final = 0.235
_AND_ONE: Final = 0.028
_FOULED: Final = 0.091
_FREE_THROW: Final = 0.78

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
    scores = [0, 0]  # indexed by team: 0 home, 1 away
    events: list[ScoringEvent] = []
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
            duration, points = forced
            left = max(0.0, left - duration)
            for point in points:
                scores[offence] += point
                events.append(ScoringEvent(period, int(left), scores[0], scores[1]))
            offence = 1 - offence
    return GameFlow(game_id, game_date, home.tricode, away.tricode, tuple(events))


# The night's schedule, all in sim seconds, so every duration scales with the speed.
QUARTER_BREAK: Final = 130.0
HALFTIME: Final = 900.0
TIP_OFF_STAGGER: Final = 1800.0
"""Games tip off in waves this far apart, like a 7:00, 7:30 and 8:00 slate."""
GAMES_PER_WAVE: Final = 3
SLATE_PAUSE: Final = 600.0
"""From the last final whistle of a slate to the first tip-off of the next."""
MAX_GAMES: Final = len(TEAMS) // 2
_MAX_SOURCE_ID: Final = 50
"""The longest real game id kept as it is: ``real-`` and a run token take the rest of 64."""


@dataclass(frozen=True, slots=True)
class _ScheduledGame:
    """One game of a slate: its whole flow, and the sim times at which it unfolds."""

    home: Team
    away: Team
    start_time: datetime
    flow: GameFlow
    period_starts: tuple[float, ...]
    """Sim time each period starts, the first being the tip-off."""
    reveal_times: tuple[float, ...]
    """Sim time each scoring change shows, when the clock reaches its second."""
    end: float

    @classmethod
    def schedule(cls, home: Team, away: Team, flow: GameFlow, tip_off: float, start_time: datetime) -> _ScheduledGame:
        """Lay a played game out in sim time from its tip-off, with the breaks between periods."""
        starts = [tip_off]
        for period in range(1, flow.periods):
            pause = HALFTIME if period == 2 else QUARTER_BREAK
            starts.append(starts[-1] + period_seconds(period) + pause)
        reveal_times = tuple(
            starts[event.period - 1] + period_seconds(event.period) - event.seconds_left_in_period
            for event in flow.events
        )
        end = starts[-1] + period_seconds(flow.periods)
        return cls(home, away, start_time, flow, tuple(starts), reveal_times, end)

    @property
    def pregame_margin(self) -> float:
        """The expected final home margin, which the predictions start from."""
        return pregame_margin(self.home, self.away)

    def scored_by(self, time: float) -> int:
        """How many scoring changes have shown by sim time ``time``."""
        return bisect.bisect_right(self.reveal_times, time)

    def state_at(self, time: float, scored: int | None = None) -> Game:
        """The game as a viewer sees it at sim time ``time``.

        Args:
            time: Sim time.
            scored: The scoring changes to show; by default all those due by ``time``. Several
                can fall in one clock second (two free throws), and each is a state of its own.
        """
        if scored is None:
            scored = self.scored_by(time)
        event = self.flow.events[scored - 1] if scored else None
        home_score, away_score = (event.home_score, event.away_score) if event else (0, 0)
        if time < self.period_starts[0]:
            period, clock, status = 0, clock_text(PERIOD_SECONDS), "scheduled"
        elif time >= self.end and scored == len(self.flow.events):  # free throws after the buzzer come first
            period, clock, status = len(self.period_starts), clock_text(0), "final"
        else:
            period = bisect.bisect_right(self.period_starts, time)
            left = period_seconds(period) - (time - self.period_starts[period - 1])
            clock = clock_text(max(0, math.ceil(left)))
            status = "halftime" if period == 2 and left <= 0 else "live"
        return Game(
            game_id=self.flow.game_id,
            home_team=self.home.name,
            away_team=self.away.name,
            home_score=home_score,
            away_score=away_score,
            period=period,
            clock=clock,
            status=status,
            differential=home_score - away_score,
            start_time=self.start_time,
        )


@dataclass(frozen=True, slots=True)
class _Slate:
    number: int
    games: tuple[_ScheduledGame, ...]

    @property
    def next_start(self) -> float:
        """Sim time the next slate starts: a pause after the last game ends."""
        return max(game.end for game in self.games) + SLATE_PAUSE


class NightSimulator:
    """An NBA night: slate after slate of games, revealed as time passes.

    Sim time runs ``speed`` times faster than the ``now`` passed to :meth:`advance`: sim time
    is ``(now - start) * speed`` seconds. The game clock runs at sim time, and the breaks,
    tip-off stagger and slate pause are sim durations too, so at ``speed=24`` a game takes
    about three real minutes and at ``speed=150`` about half a minute. Each slate's games are
    simulated in full when the slate is created, so a seed fixes the night whatever the
    step size of the calls.

    Every scoring change is sent in its own message, however far time moves in one call: a
    client's history holds each game's whole score sequence, not samples of it.

    With ``flows``, the games are those flows in order, ``games`` to a slate, instead of
    simulated ones: teams are named from their tricodes (:func:`team_for`), predictions start
    from the teams' ratings, and each game's id keeps the flow's own (``real-<run>-<id>``).
    When the flows run out, the night stays at the last slate's finals: a real game is played
    once. Without ``flows`` the night never ends.

    Args:
        games: Games per slate, between distinct teams (1 to 15).
        seed: Seeds the random night; ``None`` for a different night every run.
        speed: Sim seconds per second of ``now``.
        start: The ``now`` (epoch seconds) at which the first slate's first wave tips off;
            ``None`` to start at the first :meth:`advance`.
        model: The win-probability model for predictions; by default the one refitted to real games.
        flows: Games to play instead of simulated ones, e.g. :func:`~lib.feed.games_csv.read_games_csv`;
            read lazily, a slate at a time. Their ids must be unique.

    Raises:
        ValueError: If ``games`` or ``speed`` is out of range.
    """

    def __init__(
        self,
        games: int = 8,
        seed: int | None = None,
        speed: float = 24.0,
        start: float | None = None,
        model: WinProbabilityModel | None = None,
        flows: Iterable[GameFlow] | None = None,
    ) -> None:
        if not 1 <= games <= MAX_GAMES:
            raise ValueError(f"games must be 1-{MAX_GAMES}, got {games}")
        if not (math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number, got {speed}")
        self._games_per_slate = games
        self._rng = random.Random(seed)
        # A game id names one game forever: slate and game numbers keep ids apart within a run,
        # and this token apart across runs (unless they share a seed, which replays the night).
        self._run_token = f"{self._rng.getrandbits(32):08x}"
        self._speed = speed
        self._start = start
        self._model: WinProbabilityModel = model if model is not None else CalibratedModel()
        self._flows = None if flows is None else iter(flows)
        self.name = "demo" if flows is None else "games-csv"
        self._slate: _Slate | None = None
        self._time = -math.inf
        self._shown: dict[str, tuple[Game, int]] = {}
        """Per game, the state last sent and the scoring changes it shows."""

    @property
    def games(self) -> list[Game]:
        """The current slate's games as of the last :meth:`advance`; empty before the first."""
        if self._slate is None:
            return []
        return [game.state_at(self._time) for game in self._slate.games]

    def advance(self, now: float) -> list[Message]:
        """Move the night on to ``now`` and say what changed.

        For every game whose visible state changed since the last call: a ``ScoreUpdate``
        (a new scheduled game, or a change of score, clock, period or status), a ``GameStart``
        when it tipped off, or a ``GameEnd`` when it went final; then a ``PredictionUpdate``.
        Each scoring change since the last call comes as such a pair of its own, at its game
        clock, before the state at ``now``. A slate that ended while time jumped ahead still
        reports its finals first. Time never
        runs backwards: a ``now`` earlier than before changes nothing.

        Args:
            now: The current time, epoch seconds.

        Returns:
            The messages, without ``ts`` or ``seq``.

        Raises:
            ValueError: If ``now`` is not a finite number.
        """
        if not math.isfinite(now):
            raise ValueError(f"now must be a finite time, got {now}")
        start = now if self._start is None else self._start
        self._start = start
        time = max(self._time, (now - start) * self._speed)
        if self._slate is None:
            self._slate = self._new_slate(1, 0.0, start)
            if self._slate is None:  # no flows at all
                return []
        messages: list[Message] = []
        while time >= self._slate.next_start:
            following = self._new_slate(self._slate.number + 1, self._slate.next_start, start)
            if following is None:  # the flows ran out: this slate's finals stay
                break
            messages += self._changes(self._slate, self._slate.next_start)
            self._shown.clear()
            self._slate = following
        messages += self._changes(self._slate, time)
        self._time = time
        return messages

    def next_due(self) -> float | None:
        """``None``: the game clocks change continuously, so the server polls at its interval."""
        return None

    def status(self) -> None:
        """``None``: a simulated night has no upstream whose health could change."""
        return

    def close(self) -> None:
        """Nothing to release."""

    def snapshot(self) -> list[Message]:
        """The current state for a newly connected client: each game's message, then its prediction.

        Returns:
            For each game of the current slate, a ``GameEnd`` if it is final and otherwise a
            ``ScoreUpdate``, followed by its latest ``PredictionUpdate``.
        """
        if self._slate is None:
            return []
        messages: list[Message] = []
        for scheduled in self._slate.games:
            game = scheduled.state_at(self._time)
            messages.append(GameEnd(data=game) if game.status == "final" else ScoreUpdate(data=game))
            messages.append(self._prediction(scheduled, game))
        return messages

    def _new_slate(self, number: int, time: float, start: float) -> _Slate | None:
        """The games of a slate whose first wave tips off at ``time``; ``None`` when the flows ran out."""
        real = None if self._flows is None else list(itertools.islice(self._flows, self._games_per_slate))
        if real is not None and not real:
            return None
        size = self._games_per_slate if real is None else len(real)
        tip_offs = [time + (index // GAMES_PER_WAVE) * TIP_OFF_STAGGER for index in range(size)]
        start_times = [datetime.fromtimestamp(start + tip_off / self._speed, tz=UTC) for tip_off in tip_offs]
        matches = self._simulate(number, start_times) if real is None else [self._real(flow) for flow in real]
        return _Slate(
            number,
            tuple(
                _ScheduledGame.schedule(home, away, flow, tip_off, start_time)
                for (home, away, flow), tip_off, start_time in zip(matches, tip_offs, start_times, strict=True)
            ),
        )

    def _simulate(self, number: int, start_times: list[datetime]) -> list[tuple[Team, Team, GameFlow]]:
        """Draw distinct teams for a slate and play its games."""
        teams = self._rng.sample(TEAMS, 2 * len(start_times))
        matches = []
        for index, start_time in enumerate(start_times):
            home, away = teams[2 * index], teams[2 * index + 1]
            game_id = f"sim-{self._run_token}-{number}-{index + 1}"
            flow = simulate_game(self._rng, home, away, game_id=game_id, game_date=start_time.date())
            matches.append((home, away, flow))
        return matches

    def _real(self, flow: GameFlow) -> tuple[Team, Team, GameFlow]:
        """A real game's teams, and its flow under its id in this feed."""
        feed_flow = replace(flow, game_id=self._real_game_id(flow.game_id))
        return team_for(flow.home_team), team_for(flow.away_team), feed_flow

    def _real_game_id(self, source_id: str) -> str:
        # The run token keeps a game replayed in another run apart from its first showing, which
        # a client may still hold. An id too long to fit the protocol's 64 characters with the
        # prefix is replaced by a digest of itself: still unique, and still the same every run.
        if len(source_id) > _MAX_SOURCE_ID:
            source_id = hashlib.sha256(source_id.encode("utf-8")).hexdigest()[:_MAX_SOURCE_ID]
        return f"real-{self._run_token}-{source_id}"

    def _changes(self, slate: _Slate, time: float) -> list[Message]:
        messages: list[Message] = []
        for scheduled in slate.games:
            shown, sent = self._shown.get(scheduled.flow.game_id, (None, 0))
            scored = scheduled.scored_by(time)
            # Each scoring change since the last call as it happened, then the state now.
            states = [scheduled.state_at(scheduled.reveal_times[index], index + 1) for index in range(sent, scored)]
            states.append(scheduled.state_at(time, scored))
            for game in states:
                if game != shown:
                    messages.append(game_message(game, shown))
                    messages.append(self._prediction(scheduled, game))
                    shown = game
            self._shown[scheduled.flow.game_id] = (states[-1], scored)
        return messages

    def _prediction(self, scheduled: _ScheduledGame, game: Game) -> PredictionUpdate:
        return PredictionUpdate(data=self._model.predict(game, scheduled.pregame_margin))
