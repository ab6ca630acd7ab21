"""An NBA night: slates of games revealed as time passes, as protocol messages; the demo's source.

:class:`NightSimulator` schedules slates of games (simulated by :mod:`lib.feed.sources.simulated`,
or real flows from :mod:`lib.feed.sources.games_csv`, with their plays where known), reveals each
game as time passes and turns every visible change into protocol messages, each state predicted by
:func:`lib.feed.model.predict_game` from the teams' form. Time is passed in (``advance(now)``), so
the night never reads a clock and a seed gives the same night at any step size.

This module is pure: no sockets, threads, asyncio, clocks or Streamlit.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Final, NamedTuple

from lib.feed.flows import GameFlow
from lib.feed.model import predict_game
from lib.feed.sources.games_csv import game_forms
from lib.feed.sources.simulated import ActionKind, SimulatedGame, simulate_game
from lib.feed.teams import SEASON_GAMES, TEAMS, Team, season_form, team_for
from lib.model import TeamForm, pregame_margin
from lib.protocol import (
    PERIOD_SECONDS,
    REGULATION_PERIODS,
    Game,
    GameEnd,
    Message,
    Play,
    PlayKind,
    PlayUpdate,
    PredictionUpdate,
    ScoreUpdate,
    clock_seconds,
    clock_text,
    game_message,
    period_seconds,
    record_text,
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
GAMES_PLAYED: Final = (10, SEASON_GAMES - 10)
"""The least and most games the demo's teams have played this season (one number a run, from its seed)."""
_MAX_SOURCE_ID: Final = 50
"""The longest real game id kept as it is: ``real-`` and a run token take the rest of 64."""
_ACTIONS: Final[Mapping[tuple[ActionKind, bool], tuple[PlayKind, str]]] = {
    ("three", True): ("made_shot", "3-pt shot made"),
    ("two", True): ("made_shot", "2-pt shot made"),
    ("free_throw", True): ("free_throw", "free throw made"),
    ("three", False): ("missed_shot", "3-pt shot missed"),
    ("two", False): ("missed_shot", "2-pt shot missed"),
    ("free_throw", False): ("free_throw", "free throw missed"),
    ("turnover", False): ("turnover", "turnover"),
}
"""A simulated action by what it was and whether it went in: the play's kind and what it was, in words."""


@dataclass(frozen=True, slots=True)
class _Match:
    """A game to schedule: its teams, their form before it, its whole flow and its plays."""

    home: Team
    away: Team
    home_form: TeamForm
    away_form: TeamForm
    flow: GameFlow
    plays: Sequence[Play]


class _Step(NamedTuple):
    """A scoring change or a play of a game, at the sim time it shows."""

    time: float
    scored: int
    """The scoring changes shown once this step has: a scoring change's number, or those a play's score counts."""
    play: Play | None
    """The play; ``None`` for a scoring change."""


@dataclass(frozen=True, slots=True)
class _ScheduledGame:
    """One game of a slate: its whole flow and plays, the teams' form, and the sim times at which it unfolds."""

    home: Team
    away: Team
    home_form: TeamForm
    """The home team's form this season before the game: its record on every state, and the predictions' prior."""
    away_form: TeamForm
    start_time: datetime
    flow: GameFlow
    period_starts: tuple[float, ...]
    """Sim time each period starts, the first being the tip-off."""
    reveal_times: tuple[float, ...]
    """Sim time each scoring change shows, when the clock reaches its second."""
    steps: tuple[_Step, ...]
    """The scoring changes and plays in the order they show: by time, a play after the scoring changes it counts."""
    step_times: tuple[float, ...]
    end: float

    @classmethod
    def schedule(cls, match: _Match, tip_off: float, start_time: datetime) -> _ScheduledGame:
        """Lay a played game out in sim time from its tip-off, with the breaks between periods."""
        flow = match.flow
        starts = [tip_off]
        for period in range(1, flow.periods):
            pause = HALFTIME if period == 2 else QUARTER_BREAK
            starts.append(starts[-1] + period_seconds(period) + pause)
        reveal_times = tuple(
            starts[event.period - 1] + period_seconds(event.period) - event.seconds_left_in_period
            for event in flow.events
        )
        totals = [event.home_score + event.away_score for event in flow.events]
        steps = [_Step(time, number, None) for number, time in enumerate(reveal_times, start=1)]
        steps += [
            _Step(
                starts[play.period - 1] + period_seconds(play.period) - clock_seconds(play.clock),
                bisect.bisect_right(totals, play.home_score + play.away_score),
                play,
            )
            for play in match.plays
        ]
        # Stable: plays at one moment and score keep their order. A made basket's play follows its
        # scoring change; a miss before a free throw made at the same second comes before it.
        steps.sort(key=lambda step: (step.time, step.scored, step.play is not None))
        end = starts[-1] + period_seconds(flow.periods)
        return cls(
            match.home,
            match.away,
            match.home_form,
            match.away_form,
            start_time,
            flow,
            tuple(starts),
            reveal_times,
            tuple(steps),
            tuple(step.time for step in steps),
            end,
        )

    def scored_by(self, time: float) -> int:
        """How many scoring changes have shown by sim time ``time``."""
        return bisect.bisect_right(self.reveal_times, time)

    def steps_by(self, time: float) -> int:
        """How many steps (scoring changes and plays) have shown by sim time ``time``."""
        return bisect.bisect_right(self.step_times, time)

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
            home_record=record_text(self.home_form.wins, self.home_form.losses),
            away_record=record_text(self.away_form.wins, self.away_form.losses),
        )


class _Moment(NamedTuple):
    """A play of a simulated game before it is numbered and predicted."""

    period: int
    seconds_left: int
    home_score: int
    away_score: int
    team: Team | None
    kind: PlayKind
    description: str


def _period_name(period: int) -> str:
    """``1st quarter`` ... ``4th quarter``, ``overtime``, ``2nd overtime``, ..."""
    overtime = period - REGULATION_PERIODS
    number = period if overtime <= 0 else overtime
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    if overtime <= 0:
        return f"{number}{suffix} quarter"
    return "overtime" if overtime == 1 else f"{number}{suffix} overtime"


def _moments(game: SimulatedGame, home: Team, away: Team) -> Iterator[_Moment]:
    """Each period's start, its actions as the simulator played them (by team), its end."""
    home_score = away_score = 0
    actions = iter(game.actions)
    action = next(actions, None)
    for period in range(1, game.flow.periods + 1):
        name = _period_name(period)
        yield _Moment(period, period_seconds(period), home_score, away_score, None, "period", f"Start of the {name}")
        while action is not None and action.period == period:
            home_score, away_score = action.home_score, action.away_score
            team, own, other = (home, home_score, away_score) if action.home else (away, away_score, home_score)
            kind, what = _ACTIONS[action.kind, action.made]
            description = f"{team.name} {what} ({team.tricode} {own}-{other})"
            yield _Moment(period, action.seconds_left_in_period, home_score, away_score, team, kind, description)
            action = next(actions, None)
        yield _Moment(period, 0, home_score, away_score, None, "period", f"End of the {name}")


def simulated_plays(
    game: SimulatedGame, home: Team, away: Team, home_form: TeamForm, away_form: TeamForm
) -> list[Play]:
    """A simulated game's plays: what the simulator knows of it, each with the model's chance after it.

    The simulator plays possessions, not players: the plays are each period's start and end
    (``period``) and every action, named by its team and kind (a 2- or 3-point shot made,
    ``made_shot``, or missed, ``missed_shot``; a free throw made or missed, ``free_throw``; a
    turnover, ``turnover``), described in words with the team's score first (``Boston Celtics
    3-pt shot made (BOS 54-50)``); no play names a player, and rebounds and fouls are not played.
    ``play_id`` counts the plays from 1 in game order. Each play's ``home_win_probability`` is
    :func:`~lib.feed.model.predict_game`'s for the game's state just after it, from the same forms
    as the night's predictions: the first (the start of the game) the pregame chance, the last
    (the end of its last period) the result.

    Args:
        game: The game, as :func:`~lib.feed.sources.simulated.simulate_game` played it.
        home: The home team.
        away: The visiting team.
        home_form: The home team's form before the game.
        away_form: The visiting team's.

    Returns:
        The plays in game order, about 250 in a game of regulation: far below the protocol's
        :data:`~lib.protocol.PLAYS_PER_GAME`.
    """
    flow = game.flow
    moments = list(_moments(game, home, away))
    plays = []
    for number, moment in enumerate(moments, start=1):
        state = Game(
            game_id=flow.game_id,
            home_team=home.name,
            away_team=away.name,
            home_score=moment.home_score,
            away_score=moment.away_score,
            period=moment.period,
            clock=clock_text(moment.seconds_left),
            status="final" if number == len(moments) else "live",
        )
        plays.append(
            Play(
                game_id=flow.game_id,
                play_id=number,
                period=moment.period,
                clock=state.clock,
                team=None if moment.team is None else moment.team.name,
                description=moment.description,
                kind=moment.kind,
                home_score=moment.home_score,
                away_score=moment.away_score,
                home_win_probability=predict_game(state, home_form, away_form).home_win_probability,
            )
        )
    return plays


@dataclass(frozen=True, slots=True)
class _Slate:
    number: int
    games: tuple[_ScheduledGame, ...]

    @property
    def next_start(self) -> float:
        """Sim time the next slate starts: a pause after the last game ends."""
        return max(game.end for game in self.games) + SLATE_PAUSE


def _with_result(form: TeamForm, scored: int, allowed: int) -> TeamForm:
    """A simulated team's form once one more game is played (a simulated game never ends tied)."""
    won = scored > allowed
    return replace(
        form,
        wins=form.wins + won,
        losses=form.losses + (not won),
        points_for=(form.points_for or 0.0) + scored,
        points_against=(form.points_against or 0.0) + allowed,
    )


def _next_season(form: TeamForm) -> TeamForm:
    """A simulated team's form at the start of the next season: no games yet, the season it has played behind it."""
    return TeamForm(0, 0, 0.0, 0.0, last_season=replace(form, last_season=None))


class NightSimulator:
    """An NBA night: slate after slate of games, revealed as time passes.

    Sim time runs ``speed`` times faster than the ``now`` passed to :meth:`advance`: sim time
    is ``(now - start) * speed`` seconds. The game clock runs at sim time, and the breaks,
    tip-off stagger and slate pause are sim durations too, so at ``speed=24`` a game takes
    about three real minutes and at ``speed=150`` about half a minute. Each slate's games are
    simulated in full when the slate is created, so a seed fixes the night whatever the
    step size of the calls.

    Every scoring change is sent in its own message, however far time moves in one call: a
    client's history holds each game's whole score sequence, not samples of it. So is every play,
    at its game clock, after the scoring changes its score counts (and after the game's state has
    moved into the play's period); the plays never change the score a state shows.

    Every state carries both teams' records before the game (``home_record``, ``away_record``) and
    is predicted by :func:`~lib.feed.model.predict_game` from both teams' form (``+form``), the same
    forms that give each play its probability.

    Simulated teams start the run having played one number of games this season (drawn from the
    seed within :data:`GAMES_PLAYED`), each with the record and points its rating makes
    (:func:`~lib.feed.teams.season_form`), so the better-rated team starts with the better record;
    each game the run plays is then added to both teams' forms, so the season moves on. Once a team has
    played :data:`~lib.feed.teams.SEASON_GAMES`, every team starts the next season at 0-0, with the season
    it has played as its last (:attr:`lib.model.TeamForm.last_season`). A simulated
    game is played to the margin the model expects from those forms (:func:`lib.model.pregame_margin`),
    not to the ratings' own: what the simulator plays and what the predictions say then agree by
    construction (the model shrinks a form towards average, so the games are a little closer than
    the ratings alone would make them; the rating order is kept). Their plays are
    :func:`simulated_plays`.

    No team plays twice on one night, across its slates too. Simulated slates draw their teams
    from those that have not played tonight; when too few are left to fill a slate, the night is
    over and the next slate starts the next one (with 8 games a slate, every slate is a night;
    with 5, three slates are). Real games keep their own nights: the games of one date in the
    file, played ``games`` to a slate in file order; a game on another date starts the next
    night, and so does one whose team has played tonight already (a file listing a team twice
    on one date).

    With ``flows``, the games are those flows in order, up to ``games`` to a slate, instead of
    simulated ones: teams are named from their tricodes (:func:`team_for`), each team's form is its
    record and points in the file's earlier games (:func:`~lib.feed.sources.games_csv.game_forms`:
    a team's first game of the file is 0-0), each game's plays are ``plays``' where given (none
    otherwise), and each game's id keeps the flow's own (``real-<run>-<id>``). When the flows run
    out, the night stays at the last slate's finals: a real game is played once. Without ``flows``
    the night never ends.

    Args:
        games: Games per slate, between distinct teams (1 to 15).
        seed: Seeds the random night; ``None`` for a different night every run.
        speed: Sim seconds per second of ``now``.
        start: The ``now`` (epoch seconds) at which the first slate's first wave tips off;
            ``None`` to start at the first :meth:`advance`.
        flows: Games to play instead of simulated ones, e.g. :func:`~lib.feed.games_csv.read_games_csv`;
            read lazily, a slate at a time, when ``forms`` are given (else whole, to work them out).
            Their ids must be unique.
        forms: Each real game's home and away form before it, by the flow's id; by default
            :func:`~lib.feed.sources.games_csv.game_forms` of ``flows``. For a night of some of a
            file's games whose forms come from all of them.
        plays: Each real game's plays by the flow's id, e.g.
            :func:`~lib.feed.sources.plays_csv.read_plays_csv`'s, whose probabilities come from the
            same forms; a game without any is played without plays. Each play goes out under the
            game's id in this feed.

    Raises:
        ValueError: If ``games`` or ``speed`` is out of range, or ``plays`` or ``forms`` without ``flows``.
    """

    def __init__(
        self,
        games: int = 8,
        seed: int | None = None,
        speed: float = 24.0,
        start: float | None = None,
        flows: Iterable[GameFlow] | None = None,
        forms: Mapping[str, tuple[TeamForm, TeamForm]] | None = None,
        plays: Mapping[str, Sequence[Play]] | None = None,
    ) -> None:
        if flows is None and (forms is not None or plays is not None):
            raise ValueError("forms and plays are those of real games: they must come with flows")
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
        games_played = self._rng.randint(*GAMES_PLAYED)
        self._team_forms = {team.tricode: season_form(team, games_played) for team in TEAMS}
        """The simulated teams' forms: one point of a season to start from, each game's result added as it is
        simulated, so a team's next game shows the record it has then."""
        if flows is not None and forms is None:
            flows = list(flows)
            forms = game_forms(flows)
        self._forms = forms or {}
        self._plays = plays or {}
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
        self._shown: dict[str, tuple[Game, int, int]] = {}
        """Per game, the state last sent, the steps sent and the scoring changes shown."""

    @property
    def games(self) -> list[Game]:
        """The current slate's games as of the last :meth:`advance`; empty before the first."""
        if self._slate is None:
            return []
        return [game.state_at(self._time) for game in self._slate.games]

    def advance(self, now: float) -> list[Message]:
        """Move the night on to ``now`` and say what changed.

        For every game whose visible state changed since the last call: a ``ScoreUpdate``
        (a new scheduled game, or a change of score, clock, period or status; a game first
        shown after its tip-off is announced as scheduled first), a ``GameStart``
        when it tipped off, or a ``GameEnd`` when it went final; then a ``PredictionUpdate``.
        Each scoring change since the last call comes as such a pair of its own, at its game
        clock, before the state at ``now``, and each play due as a ``PlayUpdate`` after the
        state it belongs to. A slate that ended while time jumped ahead still reports its finals
        first. Time never runs backwards: a ``now`` earlier than before changes nothing.

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
                _ScheduledGame.schedule(match, tip_off, start_time)
                for match, tip_off, start_time in zip(matches, tip_offs, start_times, strict=True)
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

    def _simulate(self, number: int, start_times: list[datetime]) -> list[_Match]:
        """Draw a slate's teams from those that have not played tonight (all of them on a new night); play its games."""
        if any(form.games >= SEASON_GAMES for form in self._team_forms.values()):
            # Teams play at different rates: once one has played its season, every team starts the next, so that
            # no record passes a season's games.
            self._team_forms = {tricode: _next_season(form) for tricode, form in self._team_forms.items()}
        rested = [team for team in TEAMS if team.tricode not in self._played]
        if len(rested) < 2 * len(start_times):
            rested, self._played = list(TEAMS), set()
        teams = self._rng.sample(rested, 2 * len(start_times))
        self._played |= {team.tricode for team in teams}
        matches = []
        for index, start_time in enumerate(start_times):
            home, away = teams[2 * index], teams[2 * index + 1]
            home_form, away_form = self._team_forms[home.tricode], self._team_forms[away.tricode]
            game_id = f"sim-{self._run_token}-{number}-{index + 1}"
            margin = pregame_margin(home_form, away_form)
            game = simulate_game(self._rng, home, away, game_id=game_id, game_date=start_time.date(), margin=margin)
            flow, plays = game.flow, simulated_plays(game, home, away, home_form, away_form)
            matches.append(_Match(home, away, home_form, away_form, flow, plays))
            home_points, away_points = flow.final_score
            self._team_forms[home.tricode] = _with_result(home_form, home_points, away_points)
            self._team_forms[away.tricode] = _with_result(away_form, away_points, home_points)
        return matches

    def _real(self, flow: GameFlow) -> _Match:
        """A real game's teams, their form before it, its flow and plays under its id in this feed."""
        forms = self._forms.get(flow.game_id)
        if forms is None:
            raise ValueError(f"real game {flow.game_id!r} has no forms")
        game_id = self._real_game_id(flow.game_id)
        plays = [play.model_copy(update={"game_id": game_id}) for play in self._plays.get(flow.game_id, ())]
        home, away = team_for(flow.home_team), team_for(flow.away_team)
        return _Match(home, away, *forms, replace(flow, game_id=game_id), plays)

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
            shown, sent, scored = self._shown.get(scheduled.flow.game_id, (None, 0, 0))
            if shown is None and time >= scheduled.period_starts[0]:
                # Every game is announced before it tips off, a wave that tips off as its slate
                # shows too: its pregame prediction is what a scorecard's pregame row judges.
                shown = scheduled.state_at(-math.inf)
                messages.append(game_message(shown, None))
                messages.append(self._prediction(scheduled, shown))
            # Each scoring change and play since the last call as it happened, then the state now.
            for step in scheduled.steps[sent : scheduled.steps_by(time)]:
                scored = max(scored, step.scored)  # a play's clock a second off its score's never moves a score back
                game = scheduled.state_at(step.time, scored)
                # A play's own moment is shown only where the game enters its period or status
                # (the tip-off, a period's start, the final): the scores drive the states.
                moved = shown is None or (game.period, game.status) != (shown.period, shown.status)
                if game != shown and (step.play is None or moved):
                    messages.append(game_message(game, shown))
                    messages.append(self._prediction(scheduled, game))
                    shown = game
                if step.play is not None:
                    messages.append(PlayUpdate(data=step.play))
            game = scheduled.state_at(time, scored)
            if game != shown:
                messages.append(game_message(game, shown))
                messages.append(self._prediction(scheduled, game))
            self._shown[scheduled.flow.game_id] = (game, scheduled.steps_by(time), scored)
        return messages

    def _prediction(self, scheduled: _ScheduledGame, game: Game) -> PredictionUpdate:
        return PredictionUpdate(data=predict_game(game, scheduled.home_form, scheduled.away_form))
