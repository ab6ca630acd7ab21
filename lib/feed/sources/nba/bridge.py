"""Tonight's NBA games as protocol messages: the pure core of the live bridge.

The source (:mod:`lib.feed.sources.nba.source`) fetches the NBA's files and hands them here; this
module decides what clients are told. Its rules:

* **One game, one id.** A game is keyed by the NBA's ``gameId`` for as long as it is held; the
  scoreboard's date lags the calendar until the NBA rolls it over, and a game missing from one
  poll is not a game that ended.
* **Games leave.** A game in progress that the scoreboard stops listing is followed through its
  box score until it is settled (final); if its box score cannot be had for
  :data:`BOX_FAILURES` polls in a row, or its state does not move for ``missing_polls`` polls,
  it is dropped (counted ``dropped_game``): no longer held, polled or served. At most
  :data:`MAX_HELD` games are held: past that, games off the board that are not in progress make
  room, and a game that still finds none is not taken (``too_many_games``).
* **State from numbers, never from text.** Status comes from ``gameStatus`` (1 scheduled,
  2 in progress, 3 final), halftime from the second period's clock running out; the status
  text has too many forms to read.
* **Every scoring change.** With a game's play-by-play, each action that changed the score is
  sent as its own ``score_update`` at that action's period and clock, then the game as it is
  now. Without it (not published yet, or failing), the scoreboard alone drives the game.
* **Never backwards.** A file older than what was already sent (the CDN's edges do not all
  update at once) is ignored and counted. A lower score is sent only when the play-by-play's
  own running score went down (a scorer's correction), and then with ``"correction": true``.
* **A prediction with every update**, through :func:`lib.feed.model.predict_game`, from what is
  known before tip-off: the betting line when the odds file has the game, else both teams' form
  (their records from the scoreboard, their points from the season's schedule:
  :mod:`lib.feed.sources.nba.forms`), else the home edge; the prediction's ``model`` says which.
  What is known is fixed at tip-off, since odds taken during a game would count the lead twice.
  Every game state carries both teams' records before the game.
* **Every play.** Each play-by-play action is sent once as a ``play``, in the file's order, after
  the game's state, with the score after it and the home team's chance from the same prediction;
  an action the CDN edits is sent again under its number, and the game's last action once more
  with the result when the game goes final.

This module is pure: no sockets, no threads, no clocks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from lib.feed.model import predict_game
from lib.feed.sources.nba.cdn import (
    MAX_GAMES,
    CdnAction,
    CdnGame,
    PlayByPlay,
    Schedule,
    Scoreboard,
    clock_from_duration,
)
from lib.feed.sources.nba.forms import Season, forms_of_records
from lib.model import TeamForm
from lib.protocol import (
    LEAGUE_TIMEZONE,
    MAX_DESCRIPTION,
    REGULATION_PERIODS,
    Game,
    GameEnd,
    GameStart,
    GameStatus,
    Message,
    Play,
    PlayKind,
    PlayUpdate,
    PredictionUpdate,
    ScoreUpdate,
    clean_text,
    clock_seconds,
    clock_text,
    elapsed_seconds,
    game_message,
    period_seconds,
    record_text,
)

_RANK: Final = {"scheduled": 0, "live": 1, "halftime": 1, "final": 2}
_HALF: Final = 2
_CLOCK_SLACK: Final = 1.0
"""Seconds a period clock may read higher than the one already sent before the file counts as old."""
MAX_HELD: Final = 2 * MAX_GAMES
"""Games held at once: a full board, and as many again left from the day before or off the board."""
BOX_FAILURES: Final = 6
"""Polls in a row without a box score after which a game the scoreboard lost is dropped."""
RESULT_PLAY_POLLS: Final = 6
"""Polls after a game went final without its play-by-play in which the file is asked for again:
its last action is the play that carries the result."""
DEFAULT_MISSING_POLLS: Final = 240
"""Polls without a change after which a game the scoreboard lost is dropped: 20 minutes at 5 s,
longer than a halftime."""


@dataclass(frozen=True, slots=True)
class ScoringChange:
    """One play-by-play action that changed the score, and the score after it."""

    action_number: int
    period: int
    clock: str
    home_score: int
    away_score: int


@dataclass(frozen=True, slots=True)
class _Scan:
    """How far a game's play-by-play has been read: the actions read and the running score after them."""

    count: int
    score: tuple[int, int]


_UNREAD: Final = _Scan(0, (0, 0))


def _scan(actions: Sequence[CdnAction], start: _Scan) -> tuple[list[ScoringChange], _Scan]:
    """The scoring changes among the actions after ``start.count``, and how far that reads."""
    changes: list[ScoringChange] = []
    previous = start.score
    for action in actions[start.count :]:
        score = (action.score_home, action.score_away)
        if score != previous:
            clock = clock_from_duration(action.clock) or clock_text(period_seconds(action.period))
            changes.append(ScoringChange(action.action_number, action.period, clock, *score))
            previous = score
    return changes, _Scan(len(actions), previous)


def scoring_changes(actions: Sequence[CdnAction]) -> list[ScoringChange]:
    """Every action whose running score differs from the action before it, in play-by-play order.

    Every action carries the running score, so a change of score is found by comparing
    neighbours rather than trusting action types (a made shot, a free throw, a scorer's fix).
    """
    return _scan(actions, _UNREAD)[0]


@dataclass(frozen=True, slots=True)
class _Moment:
    """Where a game stands in game time, as a period and a clock."""

    status: GameStatus
    period: int
    clock: str

    @property
    def elapsed(self) -> float:
        return elapsed_seconds(self.period, clock_seconds(self.clock))


def _moment(cdn: CdnGame, sent: Game | None) -> _Moment:
    """The game's status, period and clock from the numbers of a scoreboard entry."""
    if cdn.game_status == 1:
        return _Moment("scheduled", 0, clock_text(period_seconds(1)))
    period = max(cdn.period, 1)
    if cdn.game_status == 3:
        return _Moment("final", max(period, REGULATION_PERIODS), "00:00")
    clock = clock_from_duration(cdn.game_clock)
    if clock is None:
        # The clock is not running: a stoppage keeps the clock already sent for this period; a
        # game first seen in the second period without a clock is at halftime; any other
        # period without a clock has not started yet.
        if sent is not None and sent.status != "scheduled" and sent.period == period:
            clock = sent.clock
        elif sent is None and period == _HALF:
            clock = "00:00"
        else:
            clock = clock_text(period_seconds(period))
    status: GameStatus = "halftime" if period == _HALF and clock_seconds(clock) == 0 else "live"
    return _Moment(status, period, clock)


def _at(period: int, clock: str) -> _Moment:
    """A moment of play: live, or halftime once the second period's clock has run out."""
    return _Moment("halftime" if period == _HALF and clock_seconds(clock) == 0 else "live", period, clock)


def _moment_of(game: Game) -> _Moment:
    return _Moment(game.status, game.period, game.clock)


def _behind(moment: _Moment, before: _Moment) -> bool:
    """Whether a state is earlier in the game than one seen before."""
    if _RANK[moment.status] != _RANK[before.status]:
        return _RANK[moment.status] < _RANK[before.status]
    if moment.status == "scheduled" or moment.period != before.period:
        return moment.period < before.period
    return clock_seconds(moment.clock) > clock_seconds(before.clock) + _CLOCK_SLACK


def _later(moment: _Moment, plays: PlayByPlay) -> _Moment:
    """The scoreboard's moment, or the play-by-play's last action's when that is later in the game."""
    if not plays.actions or moment.status == "final":
        return moment
    last = plays.actions[-1]
    clock = clock_from_duration(last.clock)
    if clock is None:
        return moment
    at_action = _at(last.period, clock)
    return at_action if at_action.elapsed > moment.elapsed else moment


@dataclass(slots=True)
class _Tracked:
    """What the bridge holds for one game."""

    game_id: str
    home: str
    away: str
    home_tricode: str
    away_tricode: str
    start_time: datetime | None
    board_date: date | None
    spread: float | None = None
    """The betting line, points the home team is expected to win by, once the odds gave one."""
    home_form: TeamForm | None = None
    away_form: TeamForm | None = None
    forms_from: tuple[object, ...] | None = None
    """What the forms were worked out from (the season read, the scoreboard's records), to work them out once."""
    priced: tuple[object, ...] | None = None
    """The prior of the last prediction sent: a new one is sent when it changes before tip-off."""
    sent: Game | None = None
    board: _Moment | None = None
    """The game as the scoreboard last showed it, to recognise an older copy of the file."""
    scoring_seen: set[int] = field(default_factory=set)
    """Scoring actions of the play-by-play considered already, by action number (the last file's only)."""
    scan: _Scan = _UNREAD
    """How far the play-by-play has been read, for a replay that hands it over a few actions at a time."""
    playbyplay_score: tuple[int, int] | None = None
    """The play-by-play's running score at the last poll, to tell a correction from a lag."""
    plays_sent: dict[int, tuple[int, bool]] = field(default_factory=dict)
    """Each action sent as a play, by number: the hash of the action as it was sent, and whether it
    was sent as the game's result (a hash, not the action: a game's actions are not held twice)."""
    plays_read: int = 0
    """Actions of the play-by-play read so far, for a replay that hands it over a few at a time."""
    off_board: int = 0
    """Polls in a row the scoreboard has not listed the game."""
    idle: int = 0
    """Polls in a row, off the board, in which nothing about the game changed."""
    box_failures: int = 0
    """Polls in a row, off the board, without its box score."""
    result_due: int = 0
    """Polls left to read the play-by-play of a game that went final without it (:data:`RESULT_PLAY_POLLS`)."""

    @property
    def running(self) -> bool:
        """In progress as last sent: followed each poll."""
        return self.sent is not None and self.sent.status in ("live", "halftime")

    @property
    def locked(self) -> bool:
        """What is known before tip-off (the line, the forms) is fixed once the game has tipped off."""
        return self.sent is not None and self.sent.status != "scheduled"

    @property
    def prior(self) -> tuple[object, ...]:
        return (self.home_form, self.away_form, self.spread)

    def predict(self, game: Game) -> float:
        """The home team's chance in ``game``, from what is known of the teams."""
        return predict_game(game, self.home_form, self.away_form, self.spread).home_win_probability

    def game(self, moment: _Moment, home_score: int, away_score: int, *, correction: bool = False) -> Game:
        return Game(
            game_id=self.game_id,
            home_team=self.home,
            away_team=self.away,
            home_score=home_score,
            away_score=away_score,
            period=moment.period,
            clock=moment.clock,
            status=moment.status,
            differential=home_score - away_score,
            start_time=self.start_time,
            home_tricode=self.home_tricode,
            away_tricode=self.away_tricode,
            correction=True if correction else None,
            home_record=_record(self.home_form),
            away_record=_record(self.away_form),
        )


def _record(form: TeamForm | None) -> str | None:
    return None if form is None else record_text(form.wins, form.losses)


@dataclass(frozen=True, slots=True)
class Wanted:
    """The per-game files a poll should fetch, given the scoreboard.

    Attributes:
        playbyplay: Games in progress, and games that went final since the last poll (their
            last scoring actions).
        boxscore: Games in progress that the scoreboard no longer lists (a glitch, or the date
            rolled over before they ended): the box score carries the same state.
        odds: Whether a game still waits for its pregame line.
    """

    playbyplay: tuple[str, ...]
    boxscore: tuple[str, ...]
    odds: bool


@dataclass(frozen=True, slots=True)
class BridgeUpdate:
    """What one poll produced: the messages to send and what was odd about the files."""

    messages: list[Message]
    anomalies: Mapping[str, int]
    """Counts by kind: ``stale_response``, ``missing_game``, ``invalid_entry``, ``dropped_game``, ``too_many_games``,
    ``play_text_cut``, ``invalid_schedule``."""


class NbaBridge:
    """Turns successive polls of the NBA's live files into protocol messages.

    Args:
        missing_polls: Polls without a change after which a game in progress that the scoreboard
            lost is dropped.
    """

    def __init__(self, *, missing_polls: int = DEFAULT_MISSING_POLLS) -> None:
        if missing_polls < 1:
            raise ValueError(f"missing_polls must be at least 1, got {missing_polls}")
        self._missing_polls = missing_polls
        self._games: dict[str, _Tracked] = {}
        self._board_date: date | None = None
        self._season: Season | None = None

    @property
    def games(self) -> list[Game]:
        """Every game held, as last sent."""
        return [tracked.sent for tracked in self._games.values() if tracked.sent is not None]

    def wanted(self, board: Scoreboard) -> Wanted:
        """The per-game files to fetch this poll, given its scoreboard."""
        on_board = {cdn.game_id for cdn in board.games}
        running = {game_id for game_id, tracked in self._games.items() if tracked.running}
        # A final's play-by-play: once more for its last baskets, or until read for its result play.
        finishing = running | {game_id for game_id, tracked in self._games.items() if tracked.result_due}
        playbyplay = [
            c.game_id for c in board.games if c.game_status == 2 or (c.game_status == 3 and c.game_id in finishing)
        ]
        boxscore = [game_id for game_id in running if game_id not in on_board]
        waiting = any(cdn.game_status == 1 for cdn in board.games)
        return Wanted((*playbyplay, *boxscore), tuple(boxscore), waiting)

    def update(
        self,
        board: Scoreboard,
        playbyplay: Mapping[str, PlayByPlay] | None = None,
        boxscores: Mapping[str, CdnGame] | None = None,
        odds: Mapping[str, float] | None = None,
        schedule: Schedule | None = None,
    ) -> BridgeUpdate:
        """Apply one poll: the scoreboard, and whatever per-game files, odds and schedule it fetched.

        Args:
            board: The scoreboard.
            playbyplay: Play-by-play files fetched this poll, by game id.
            boxscores: Box scores fetched this poll for games missing from the board, by game id.
            odds: Pregame lines (points the home team is expected to win by) by game id, when the
                odds file was fetched.
            schedule: The season's schedule, when it was fetched; the last one is kept until then.

        Returns:
            The messages, in the order to send them, and the anomalies counted.
        """
        anomalies: Counter[str] = Counter()
        if board.skipped:
            anomalies["invalid_entry"] += board.skipped
        if schedule is not None:
            self._season = Season.of(schedule)
            if schedule.skipped:
                anomalies["invalid_entry"] += schedule.skipped
        if self._board_date is not None and board.game_date < self._board_date:
            anomalies["stale_response"] += 1  # an edge still serving the day before the rollover
            return BridgeUpdate([], anomalies)
        if board.game_date != self._board_date:
            self._roll_over(board)
            self._board_date = board.game_date
        playbyplay = playbyplay or {}
        boxscores = boxscores or {}
        listed = {cdn.game_id: cdn for cdn in board.games}
        off_board = [tracked for tracked in self._games.values() if tracked.game_id not in listed]
        for tracked in off_board:
            tracked.off_board += 1
            if tracked.board_date == board.game_date:
                anomalies["missing_game"] += 1
        messages: list[Message] = []
        for game_id, cdn in {**boxscores, **listed}.items():
            held = self._track(cdn, board.game_date if game_id in listed else None, odds, anomalies)
            if held is not None:
                messages += self._advance(held, cdn, playbyplay.get(game_id), anomalies)
        moved = {message.data.game_id for message in messages if isinstance(message, ScoreUpdate | GameStart | GameEnd)}
        for tracked in off_board:
            self._follow(
                tracked, moved=tracked.game_id in moved, boxed=tracked.game_id in boxscores, anomalies=anomalies
            )
        return BridgeUpdate(messages, anomalies)

    def _follow(self, tracked: _Tracked, *, moved: bool, boxed: bool, anomalies: Counter[str]) -> None:
        """Keep or drop a game the scoreboard did not list, by how its box score has been doing."""
        if not tracked.running:
            return  # settled, or never started: kept until the date rolls over, or room is needed
        tracked.idle = 0 if moved else tracked.idle + 1
        tracked.box_failures = 0 if boxed else tracked.box_failures + 1
        if tracked.box_failures >= BOX_FAILURES or tracked.idle >= self._missing_polls:
            del self._games[tracked.game_id]
            anomalies["dropped_game"] += 1

    # -- one game ---------------------------------------------------------------------------

    def _track(
        self, cdn: CdnGame, board_date: date | None, odds: Mapping[str, float] | None, anomalies: Counter[str]
    ) -> _Tracked | None:
        tracked = self._games.get(cdn.game_id)
        if tracked is None:
            if not self._make_room():
                anomalies["too_many_games"] += 1
                return None
            tracked = self._games[cdn.game_id] = _Tracked(
                game_id=cdn.game_id,
                home=cdn.home_team.full_name,
                away=cdn.away_team.full_name,
                home_tricode=cdn.home_team.team_tricode,
                away_tricode=cdn.away_team.team_tricode,
                start_time=cdn.game_time_utc,
                board_date=board_date,
            )
            # A game first seen in progress gets no line: odds quoted now may be in-play odds.
            if cdn.game_status == 1 and odds is not None:
                tracked.spread = odds.get(cdn.game_id)
        elif board_date is not None:
            tracked.board_date = board_date
        if board_date is not None:
            tracked.off_board = tracked.idle = tracked.box_failures = 0
        if not tracked.locked:
            if odds is not None and cdn.game_id in odds and tracked.sent is not None:
                tracked.spread = odds[cdn.game_id]
            self._work_out_forms(tracked, cdn, anomalies)
        return tracked

    def _work_out_forms(self, tracked: _Tracked, cdn: CdnGame, anomalies: Counter[str]) -> None:
        """Both teams' forms before the game, worked out again only when what they come from changed."""
        records = forms_of_records(cdn)
        inputs = (self._season, records)
        if tracked.forms_from is not None and all(
            new is old or new == old for new, old in zip(inputs, tracked.forms_from, strict=True)
        ):
            return
        tracked.forms_from = inputs
        tracked.home_form, tracked.away_form = records
        day = self._day_of(tracked)
        if self._season is None or day is None:
            return
        forms = self._season.forms(cdn, day)
        if forms is None:
            anomalies["invalid_schedule"] += 1
            return
        tracked.home_form, tracked.away_form = forms

    @staticmethod
    def _day_of(tracked: _Tracked) -> date | None:
        """The game's day in the league's time zone: its tip-off's, else the board's it was listed on."""
        if tracked.start_time is not None:
            return tracked.start_time.astimezone(LEAGUE_TIMEZONE).date()
        return tracked.board_date

    def _make_room(self) -> bool:
        """Whether one more game can be held, after dropping the one longest off the board if need be."""
        if len(self._games) < MAX_HELD:
            return True
        idle = [tracked for tracked in self._games.values() if tracked.off_board and not tracked.running]
        if not idle:
            return False
        del self._games[max(idle, key=lambda tracked: tracked.off_board).game_id]
        return True

    def _advance(
        self, tracked: _Tracked, cdn: CdnGame, plays: PlayByPlay | None, anomalies: Counter[str]
    ) -> list[Message]:
        sent = tracked.sent
        if sent is not None and sent.status == "final":
            return self._result_play(tracked, plays, anomalies)
        moment = _moment(cdn, sent)
        if tracked.board is not None and _behind(moment, tracked.board):
            # An older copy of the file than one already read (the CDN's edges differ): ignore it.
            anomalies["stale_response"] += 1
            if plays is None or sent is None:
                return []
            moment = _moment_of(sent)
        else:
            tracked.board = moment
        messages: list[Message] = []
        score = (cdn.home_team.score or 0, cdn.away_team.score or 0) if moment.status != "scheduled" else (0, 0)
        correction = False
        if plays is not None and plays.game_id == tracked.game_id and moment.status != "scheduled":
            if plays.skipped:
                anomalies["invalid_entry"] += plays.skipped
            read = tracked.scan if plays.known and plays.known == tracked.scan.count else _UNREAD
            changes, tracked.scan = _scan(plays.actions, read)
            if read is _UNREAD:  # a whole file: what was considered is what it still holds
                tracked.scoring_seen &= {change.action_number for change in changes}
            messages += self._scoring_messages(tracked, changes)
            latest = tracked.scan.score
            previous = tracked.playbyplay_score
            correction = previous is not None and (latest[0] < previous[0] or latest[1] < previous[1])
            tracked.playbyplay_score = latest
            score = latest
            moment = _later(moment, plays)
        sent = tracked.sent
        if sent is not None and _behind(moment, _moment_of(sent)):
            moment = _moment_of(sent)  # the scoreboard lags the play-by-play: the clock never runs back
        if sent is not None and (score[0] < sent.home_score or score[1] < sent.away_score) and not correction:
            score = (sent.home_score, sent.away_score)  # behind what was already shown: hold it
        game = tracked.game(moment, *score, correction=correction and sent is not None)
        if sent is None or _visible(game) != _visible(sent):
            messages += self._send(tracked, game)
        elif tracked.priced != tracked.prior:  # a line or a form came before tip-off
            messages.append(self._prediction(tracked, sent))
        if plays is not None and plays.game_id == tracked.game_id and game.status != "scheduled":
            messages += self._plays(tracked, plays, anomalies)
        elif game.status == "final":
            tracked.result_due = RESULT_PLAY_POLLS  # its last play, the result, is still to send
        return messages

    def _result_play(self, tracked: _Tracked, plays: PlayByPlay | None, anomalies: Counter[str]) -> list[Message]:
        """The plays of a game that went final without its play-by-play, once the file is read."""
        if not tracked.result_due:
            return []
        if plays is None or plays.game_id != tracked.game_id:
            tracked.result_due -= 1
            return []
        tracked.result_due = 0
        return self._plays(tracked, plays, anomalies)

    def _plays(self, tracked: _Tracked, plays: PlayByPlay, anomalies: Counter[str]) -> list[Message]:
        """The actions not sent yet, or changed since, as plays in the file's order."""
        start = tracked.plays_read if plays.known and plays.known == tracked.plays_read else 0
        if start == 0:  # a whole file: what was sent and is still in it
            numbers = {action.action_number for action in plays.actions}
            tracked.plays_sent = {n: sent for n, sent in tracked.plays_sent.items() if n in numbers}
        tracked.plays_read = len(plays.actions)
        final = tracked.sent is not None and tracked.sent.status == "final"
        last = len(plays.actions) - 1
        messages: list[Message] = []
        for index in range(start, len(plays.actions)):
            action = plays.actions[index]
            seen = (hash(action), final and index == last)
            if tracked.plays_sent.get(action.action_number) == seen:
                continue
            tracked.plays_sent[action.action_number] = seen
            messages.append(PlayUpdate(data=self._play(tracked, action, result=seen[1], anomalies=anomalies)))
        if final:
            tracked.plays_sent.clear()  # a final game is not read again
        return messages

    def _play(self, tracked: _Tracked, action: CdnAction, *, result: bool, anomalies: Counter[str]) -> Play:
        clock = clock_from_duration(action.clock) or clock_text(period_seconds(action.period))
        moment = _Moment("final", action.period, "00:00") if result else _at(action.period, clock)
        state = tracked.game(moment, action.score_home, action.score_away)
        team = {tracked.home_tricode: tracked.home, tracked.away_tricode: tracked.away}.get(action.team_tricode or "")
        return Play(
            game_id=tracked.game_id,
            play_id=action.action_number,
            period=action.period,
            clock=clock,
            team=team,
            player=_cut(action.player, 64, anomalies),
            description=_cut(action.description, MAX_DESCRIPTION, anomalies),
            kind=play_kind(action),
            home_score=action.score_home,
            away_score=action.score_away,
            home_win_probability=tracked.predict(state),
        )

    def _scoring_messages(self, tracked: _Tracked, changes: list[ScoringChange]) -> list[Message]:
        messages: list[Message] = []
        for change in changes:
            if change.action_number in tracked.scoring_seen:
                continue
            tracked.scoring_seen.add(change.action_number)
            sent = tracked.sent
            if sent is not None and (change.home_score < sent.home_score or change.away_score < sent.away_score):
                continue  # already past it (the scoreboard led the play-by-play)
            moment = _at(change.period, change.clock)
            if sent is not None and _behind(moment, _moment_of(sent)):
                moment = _moment_of(sent)  # a play recorded late: its score now, the clock never runs back
            game = tracked.game(moment, change.home_score, change.away_score)
            if sent is not None and sent.status != "scheduled" and _visible(game)[:2] == _visible(sent)[:2]:
                continue  # this score is already shown, at a later clock
            messages += self._send(tracked, game)
        return messages

    def _send(self, tracked: _Tracked, game: Game) -> list[Message]:
        previous, tracked.sent = tracked.sent, game
        return [game_message(game, previous), self._prediction(tracked, game)]

    @staticmethod
    def _prediction(tracked: _Tracked, game: Game) -> PredictionUpdate:
        tracked.priced = tracked.prior
        return PredictionUpdate(data=predict_game(game, tracked.home_form, tracked.away_form, tracked.spread))

    def _roll_over(self, board: Scoreboard) -> None:
        """A new day on the board: forget the old day's games that are over or never started."""
        listed = {cdn.game_id for cdn in board.games}
        for game_id in [g for g in self._games if g not in listed]:
            sent = self._games[game_id].sent
            if sent is None or sent.status in ("final", "scheduled"):
                del self._games[game_id]


def _visible(game: Game) -> tuple[object, ...]:
    """What a viewer sees change."""
    return (game.home_score, game.away_score, game.period, game.clock, game.status, game.home_record, game.away_record)


_SHOTS: Final = ("2pt", "3pt")
_KINDS: Final[Mapping[str, PlayKind]] = {
    "freethrow": "free_throw",
    "rebound": "rebound",
    "turnover": "turnover",
    "foul": "foul",
    "timeout": "timeout",
    "substitution": "substitution",
    "period": "period",
}


def play_kind(action: CdnAction) -> PlayKind:
    """What an action is, from its ``actionType`` (and a shot's ``shotResult``): ``other`` for the rest."""
    kind = action.action_type.lower()
    if kind in _SHOTS:
        result = (action.shot_result or "").lower()
        return "made_shot" if result == "made" else "missed_shot" if result == "missed" else "other"
    return _KINDS.get(kind, "other")


def _cut(text: str | None, most: int, anomalies: Counter[str]) -> str | None:
    """Upstream text as a play carries it: cleaned, cut to ``most`` characters (counted), ``None`` when empty."""
    if text is None:
        return None
    cleaned = clean_text(text)
    if len(cleaned) > most:
        anomalies["play_text_cut"] += 1
        cleaned = cleaned[:most].rstrip()
    return cleaned or None
