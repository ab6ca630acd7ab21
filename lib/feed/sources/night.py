"""An NBA night: slates of games revealed as time passes, as protocol messages; the demo's source.

:class:`NightSimulator` schedules slates of games (simulated by :mod:`lib.feed.sources.simulated`,
or real flows from :mod:`lib.feed.sources.games_csv`), reveals each flow as time passes and turns
every visible change into protocol messages. Time is passed in (``advance(now)``), so the night
never reads a clock and a seed gives the same night at any step size.

This module is pure: no sockets, threads, asyncio, clocks or Streamlit.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Final

from lib.feed.flows import GameFlow
from lib.feed.model import CalibratedModel, WinProbabilityModel
from lib.feed.sources.simulated import simulate_game
from lib.feed.teams import HOME_ADVANTAGE, TEAMS, Team, pregame_margin, team_for
from lib.protocol import (
    PERIOD_SECONDS,
    Game,
    GameEnd,
    Message,
    PredictionUpdate,
    ScoreUpdate,
    clock_text,
    game_message,
    period_seconds,
)

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
    pregame_margin: float
    """The expected final home margin, which the predictions start from."""
    period_starts: tuple[float, ...]
    """Sim time each period starts, the first being the tip-off."""
    reveal_times: tuple[float, ...]
    """Sim time each scoring change shows, when the clock reaches its second."""
    end: float

    @classmethod
    def schedule(
        cls, home: Team, away: Team, flow: GameFlow, margin: float, tip_off: float, start_time: datetime
    ) -> _ScheduledGame:
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
        return cls(home, away, start_time, flow, margin, tuple(starts), reveal_times, end)

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

    No team plays twice on one night, across its slates too. Simulated slates draw their teams
    from those that have not played tonight; when too few are left to fill a slate, the night is
    over and the next slate starts the next one (with 8 games a slate, every slate is a night;
    with 5, three slates are). Real games keep their own nights: the games of one date in the
    file, played ``games`` to a slate in file order; a game on another date starts the next
    night, and so does one whose team has played tonight already (a file listing a team twice
    on one date).

    With ``flows``, the games are those flows in order, up to ``games`` to a slate, instead of
    simulated ones: teams are named from their tricodes (:func:`team_for`), predictions start
    from the home edge, and each game's id keeps the flow's own (``real-<run>-<id>``). When
    the flows run out, the night stays at the last slate's finals: a real game is played once.
    Without ``flows`` the night never ends.

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
        self._waiting: GameFlow | None = None
        """A real game read for a slate but left to the next one: it starts the next night."""
        self._night: date | None = None
        """The date of tonight's real games."""
        self._played: set[str] = set()
        """The tricodes of the teams that have played tonight."""
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
        real = None if self._flows is None else self._real_slate()
        if real is not None and not real:
            return None
        size = self._games_per_slate if real is None else len(real)
        tip_offs = [time + (index // GAMES_PER_WAVE) * TIP_OFF_STAGGER for index in range(size)]
        start_times = [datetime.fromtimestamp(start + tip_off / self._speed, tz=UTC) for tip_off in tip_offs]
        matches = self._simulate(number, start_times) if real is None else [self._real(flow) for flow in real]
        return _Slate(
            number,
            tuple(
                _ScheduledGame.schedule(home, away, flow, margin, tip_off, start_time)
                for (home, away, flow, margin), tip_off, start_time in zip(matches, tip_offs, start_times, strict=True)
            ),
        )

    def _real_slate(self) -> list[GameFlow]:
        """The next real games, in file order: up to a slate of them, all of one night."""
        assert self._flows is not None
        slate: list[GameFlow] = []
        while len(slate) < self._games_per_slate:
            flow, self._waiting = self._waiting or next(self._flows, None), None
            if flow is None:
                break
            teams = {flow.home_team, flow.away_team}
            if flow.game_date != self._night or teams & self._played:
                if slate:  # the next night's first game
                    self._waiting = flow
                    break
                self._night, self._played = flow.game_date, set()
            slate.append(flow)
            self._played |= teams
        return slate

    def _simulate(self, number: int, start_times: list[datetime]) -> list[tuple[Team, Team, GameFlow, float]]:
        """Draw a slate's teams from those that have not played tonight (all of them on a new night); play its games."""
        rested = [team for team in TEAMS if team.tricode not in self._played]
        if len(rested) < 2 * len(start_times):
            rested, self._played = list(TEAMS), set()
        teams = self._rng.sample(rested, 2 * len(start_times))
        self._played |= {team.tricode for team in teams}
        matches = []
        for index, start_time in enumerate(start_times):
            home, away = teams[2 * index], teams[2 * index + 1]
            game_id = f"sim-{self._run_token}-{number}-{index + 1}"
            flow = simulate_game(self._rng, home, away, game_id=game_id, game_date=start_time.date())
            matches.append((home, away, flow, pregame_margin(home, away)))
        return matches

    def _real(self, flow: GameFlow) -> tuple[Team, Team, GameFlow, float]:
        """A real game's teams, its flow under its id in this feed, and its pregame margin.

        The margin is the home edge alone: the team ratings are one season's, and a real game may
        come from any season, where they would mislead the predictions more than they inform them.
        """
        feed_flow = replace(flow, game_id=self._real_game_id(flow.game_id))
        return team_for(flow.home_team), team_for(flow.away_team), feed_flow, HOME_ADVANTAGE

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
        prediction = self._model.predict(game, scheduled.pregame_margin)
        if self._flows is not None:  # named as the NBA bridge names a prediction from the home edge
            prediction = prediction.model_copy(update={"model": f"{prediction.model}+home-edge"})
        return PredictionUpdate(data=prediction)
