"""The NBA's JSON files, validated: scoreboard, play-by-play, box score, odds, season schedule.

The NBA publishes these files under ``https://cdn.nba.com/static/json/liveData/``, and the season's
schedule beside them, ``https://cdn.nba.com/static/json/staticData/scheduleLeagueV2.json``. They are
untrusted input, checked like a frame from the feed. Before a file is parsed its text is
measured against its :class:`JsonLimits` (bytes, entries, nesting), so a hostile file is refused
before Python builds a single object from it; then the games or actions it lists are counted
before any is validated. Only the fields the bridge uses are read, each with its type and
range, and anything else in the files is ignored. A file that breaks a limit or whose overall
shape is wrong raises :class:`CdnShapeError` with the fault's kind; one bad game or action
inside an otherwise good file is skipped and counted, so one odd entry never hides a whole night.

The field names and shapes are the CDN's own, as published with the nba_api project
(``docs/nba_api/live/endpoints/*.md``; the schedule's, which nba_api reads from the stats site as
``ScheduleLeagueV2``, in ``docs/nba_api/stats/endpoints/scheduleleaguev2.md``).

This module is pure: no sockets, no threads, no clocks.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate
from typing import Annotated, Any, Final, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lib.protocol import MAX_PERIOD, MAX_PLAY_ID, MAX_SCORE, StartTime, clock_seconds, period_seconds

_Read_co = TypeVar("_Read_co", covariant=True)


class CdnShapeError(ValueError):
    """A CDN answer that is not one of the NBA's files: too big for one, not JSON, or the wrong shape.

    Attributes:
        kind: The fault's kind, counted in the source's health: ``too_many_entries``, ``too_deep``,
            ``invalid_json``, ``invalid_shape``, ``too_many_games``, ``too_many_actions`` or
            ``too_many_scheduled_games``.
    """

    def __init__(self, words: str, kind: str = "invalid_shape") -> None:
        super().__init__(words)
        self.kind = kind


# ---------------------------------------------------------------------------------------------
# Limits, checked on the text before it is parsed

MIB: Final = 1024 * 1024
MAX_DEPTH: Final = 16
"""Nesting of objects and arrays; the NBA's deepest file (the odds) nests 9 deep."""
MAX_GAMES: Final = 30
"""Games on one scoreboard (or odds file): twice the 15 that 30 teams can play in a night."""
MAX_ACTIONS: Final = 2_000
"""Actions in one play-by-play polled live: a real game has about 500, the longest overtime games
under 1,000. Thirty games of it are what one poll may hold."""
MAX_FINISHED_ACTIONS: Final = 10_000
"""Actions in the play-by-play of a finished game fetched for a replay: once, one game at a time,
at an operator's command, so a longer file than any real one still replays."""


@dataclass(frozen=True, slots=True)
class JsonLimits:
    """How big one of the NBA's files may be, measured on its text before it is parsed.

    Attributes:
        max_bytes: The file's size once decompressed.
        max_entries: Its commas, ``[`` and ``{`` outside strings: one for about every value it holds,
            so this bounds the objects ``json.loads`` would build.
        max_depth: How deep its objects and arrays nest.
    """

    max_bytes: int
    max_entries: int
    max_depth: int = MAX_DEPTH


SCOREBOARD_LIMITS: Final = JsonLimits(max_bytes=1 * MIB, max_entries=20_000)
"""A real scoreboard holds about 100 entries a game, 60 KB for a full night."""
BOXSCORE_LIMITS: Final = JsonLimits(max_bytes=1 * MIB, max_entries=50_000)
"""A real box score holds about 2,500 entries (every player's statistics), 100 KB."""
ODDS_LIMITS: Final = JsonLimits(max_bytes=1 * MIB, max_entries=50_000)
"""A real odds file holds a few hundred entries a game."""
PLAYBYPLAY_LIMITS: Final = JsonLimits(max_bytes=4 * MIB, max_entries=50 * MAX_ACTIONS)
"""A real action holds about 40 entries in 900 bytes: :data:`MAX_ACTIONS` of them fit; a real file is 0.5 MB."""
FINISHED_PLAYBYPLAY_LIMITS: Final = JsonLimits(max_bytes=16 * MIB, max_entries=50 * MAX_FINISHED_ACTIONS)
"""The same for a finished game's play-by-play, fetched for a replay: :data:`MAX_FINISHED_ACTIONS` fit."""
MAX_SCHEDULED_GAMES: Final = 3_000
"""Games in one season's schedule: a real season lists about 1,400 (preseason, 1,230 regular-season
games, the Cup, the play-in, the playoffs)."""
SCHEDULE_LIMITS: Final = JsonLimits(max_bytes=32 * MIB, max_entries=400 * MAX_SCHEDULED_GAMES)
"""A real schedule is a few MB: each game carries its arena, broadcasters and leaders, a few hundred
entries; :data:`MAX_SCHEDULED_GAMES` of them fit. Fetched at most hourly, never per poll."""

_STRING: Final = re.compile(rb'"[^"]*"')
_NOT_BRACKET: Final = bytes(byte for byte in range(256) if byte not in b"[]{}")
_NOT_STRUCTURE: Final = bytes(byte for byte in range(256) if byte not in b'"[]{},')
_STEP: Final = tuple(1 if byte in b"[{" else -1 for byte in range(256))


class JsonMeter:
    """Measures a file's text against its limits as it arrives, refusing it at the first breach.

    Fed the decompressed body piece by piece (the fetcher does, as it reads), so a file of
    millions of tiny entries is refused once it has shown more than its limit, after a megabyte
    or two, never downloaded whole or parsed. The counts come from C-speed byte operations on
    each piece: escapes removed; then all but quotes, brackets and commas; then every two quotes
    in a row (nothing between them changes side); then what is left of strings (a quote left is
    always a string's start or end), carrying across pieces whether the text is inside a string
    or just after a backslash. Linear, however hostile the text.

    Args:
        limits: The file's limits.
    """

    def __init__(self, limits: JsonLimits) -> None:
        self.limits = limits
        self.size = 0
        """Bytes measured so far."""
        self.entries = 0
        self._depth = 0
        self._in_string = False
        self._escaped = False

    def feed(self, text: bytes | bytearray) -> None:
        """Measure the next piece of the text.

        Raises:
            CdnShapeError: ``too_large``, ``too_many_entries`` or ``too_deep``, once the text so far is.
        """
        self.size += len(text)
        if self.size > self.limits.max_bytes:
            raise CdnShapeError(f"an answer of more than {self.limits.max_bytes:,} bytes", "too_large")
        if self._escaped and text:  # the byte a backslash at the end of the last piece escaped
            text, self._escaped = text[1:], False
        if b"\\" in text:
            text = text.replace(b"\\\\", b"")
            if text.endswith(b"\\"):  # its escaped byte begins the next piece
                text, self._escaped = text[:-1], True
            text = text.replace(b'\\"', b"")
        text = text.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
        if self._in_string:
            end = text.find(b'"')
            if end < 0:
                return
            text, self._in_string = text[end + 1 :], False
        if text.count(b'"') % 2:  # a string runs on into the next piece
            text, self._in_string = text[: text.rfind(b'"')], True
        bare = _STRING.sub(b"", text) if b'"' in text else text
        self.entries += bare.count(b",") + bare.count(b"[") + bare.count(b"{")
        if self.entries > self.limits.max_entries:
            raise CdnShapeError(f"more than {self.limits.max_entries:,} entries in one answer", "too_many_entries")
        brackets = bare.translate(None, _NOT_BRACKET)  # at most twice the entries: a bounded loop
        deepest = max(accumulate(map(_STEP.__getitem__, brackets), initial=self._depth))
        if deepest > self.limits.max_depth:
            raise CdnShapeError(f"an answer nested more than {self.limits.max_depth} deep", "too_deep")
        self._depth += 2 * (brackets.count(b"[") + brackets.count(b"{")) - len(brackets)


def load_json(body: bytes | bytearray, limits: JsonLimits) -> object:
    """Parse one of the NBA's files, refusing it first if its text breaks ``limits``.

    Raises:
        CdnShapeError: ``too_large``, ``too_many_entries``, ``too_deep`` or ``invalid_json``.
    """
    JsonMeter(limits).feed(body)
    return parse_json(body)


def parse_json(body: bytes | bytearray) -> object:
    """Parse a file already measured against its limits (:class:`JsonMeter`, as it arrived).

    Raises:
        CdnShapeError: ``invalid_json``.
    """
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise CdnShapeError("the answer is not JSON (truncated?)", "invalid_json") from None


_GAME_ID: Final = re.compile(r"^[0-9A-Za-z_-]{1,32}$")

# Lax typing on purpose: the CDN sends scores in the play-by-play as strings ("12").
_CDN: Final = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

GameId = Annotated[str, Field(pattern=_GAME_ID.pattern)]
"""The NBA's ten-digit ``gameId`` (``0022400913``); kept unchanged as the protocol's ``game_id``."""
Text = Annotated[str, Field(max_length=64)]
Score = Annotated[int, Field(ge=0, le=MAX_SCORE)]
Period = Annotated[int, Field(ge=0, le=MAX_PERIOD)]
Count = Annotated[int, Field(ge=0, le=999)]
"""Games won or lost in a season: three digits at most, as the protocol's records carry them."""


class CdnTeam(BaseModel):
    """One side of a game, as the scoreboard and the box score give it."""

    model_config = _CDN

    team_id: int = Field(alias="teamId")
    team_city: Text = Field(alias="teamCity")
    team_name: Text = Field(alias="teamName")
    team_tricode: Annotated[str, Field(min_length=1, max_length=8)] = Field(alias="teamTricode")
    score: Score | None = None
    wins: Count | None = None
    """The team's wins this season as the scoreboard counts them: a final game's result included."""
    losses: Count | None = None

    @property
    def full_name(self) -> str:
        """The name as the demo shows it: "Boston Celtics", "LA Clippers"."""
        return f"{self.team_city} {self.team_name}".strip()[:64] or self.team_tricode


class CdnGame(BaseModel):
    """One game's state: a scoreboard entry, or the ``game`` of a box score (same fields)."""

    model_config = _CDN

    game_id: GameId = Field(alias="gameId")
    game_status: Literal[1, 2, 3] = Field(alias="gameStatus")
    """1 scheduled, 2 in progress, 3 final. The status text is never read: it has too many forms."""
    period: Period
    game_clock: Annotated[str, Field(max_length=32)] = Field(alias="gameClock")
    game_time_utc: StartTime | None = Field(default=None, alias="gameTimeUTC")
    home_team: CdnTeam = Field(alias="homeTeam")
    away_team: CdnTeam = Field(alias="awayTeam")

    @model_validator(mode="after")
    def _clock_fits_the_period(self) -> CdnGame:
        # Empty is the CDN's "clock not running"; anything else must be a clock of this period.
        if self.game_clock.strip():
            _check_clock(self.game_clock, self.period)
        return self


class CdnAction(BaseModel):
    """One play-by-play action; every action carries the running score after it."""

    model_config = _CDN

    action_number: Annotated[int, Field(ge=0, le=MAX_PLAY_ID)] = Field(alias="actionNumber")
    clock: Annotated[str, Field(max_length=32)]
    period: Annotated[int, Field(ge=1, le=MAX_PERIOD)]
    action_type: Annotated[str, Field(max_length=32)] = Field(alias="actionType")
    sub_type: Annotated[str, Field(max_length=64)] | None = Field(default=None, alias="subType")
    shot_result: Annotated[str, Field(max_length=32)] | None = Field(default=None, alias="shotResult")
    """``"Made"`` or ``"Missed"`` on a shot or a free throw."""
    score_home: Score = Field(alias="scoreHome")
    score_away: Score = Field(alias="scoreAway")
    time_actual: datetime | None = Field(default=None, alias="timeActual")
    team_tricode: Annotated[str, Field(max_length=8)] | None = Field(default=None, alias="teamTricode")
    player: str | None = Field(default=None, alias="playerNameI")
    """The player as the CDN abbreviates him (``"J. Brown"``); any length: the bridge cuts it."""
    description: str | None = None
    """The action in words; any length: the bridge cuts it to the protocol's, counting the cut."""

    @model_validator(mode="after")
    def _clock_fits_the_period(self) -> CdnAction:
        _check_clock(self.clock, self.period)
        return self


def _check_clock(duration: str, period: int) -> None:
    clock = clock_from_duration(duration)
    if clock is None or clock_seconds(clock) > period_seconds(max(period, 1)):
        raise ValueError(f"not a clock of period {period}")


@dataclass(frozen=True, slots=True)
class Scoreboard:
    """The day's scoreboard.

    Attributes:
        game_date: The NBA's date for the board; it lags the calendar until the NBA rolls it over.
        games: The games that validated.
        skipped: Entries that did not validate.
    """

    game_date: date
    games: tuple[CdnGame, ...]
    skipped: int


@dataclass(frozen=True, slots=True)
class PlayByPlay:
    """A game's play-by-play: its actions in order, and how many entries did not validate.

    Attributes:
        known: How many of the first actions are the very ones handed to the bridge last time (a
            replay reveals a game's plays a few at a time); 0 for a file fetched anew.
    """

    game_id: str
    actions: tuple[CdnAction, ...]
    skipped: int
    known: int = 0


def _object(payload: object, key: str, what: str) -> Mapping[str, Any]:
    value = payload.get(key) if isinstance(payload, Mapping) else None
    if not isinstance(value, Mapping):
        raise CdnShapeError(f"{what}: no {key!r} object")
    return value


def _list(payload: Mapping[str, Any], key: str, what: str) -> list[Any]:
    value = payload.get(key)
    if not isinstance(value, list):
        raise CdnShapeError(f"{what}: {key!r} is not a list")
    return value


_Model = TypeVar("_Model", bound=BaseModel)


def _valid(model: type[_Model], items: Sequence[Any]) -> tuple[tuple[_Model, ...], int]:
    kept: list[_Model] = []
    for item in items:
        try:
            kept.append(model.model_validate(item))
        except ValidationError:
            continue
    return tuple(kept), len(items) - len(kept)


def parse_scoreboard(payload: object) -> Scoreboard:
    """Validate ``todaysScoreboard_00.json``.

    Raises:
        CdnShapeError: The file has no ``scoreboard`` with a ``gameDate`` and a ``games`` list.
    """
    board = _object(payload, "scoreboard", "scoreboard")
    try:
        game_date = date.fromisoformat(str(board.get("gameDate")))
    except ValueError:
        raise CdnShapeError("scoreboard: 'gameDate' is not a date") from None
    games, skipped = _valid(CdnGame, _counted(_list(board, "games", "scoreboard"), MAX_GAMES, "games", "scoreboard"))
    return Scoreboard(game_date, games, skipped)


def parse_boxscore(payload: object) -> CdnGame:
    """Validate ``boxscore_{gameId}.json`` down to the game state it shares with the scoreboard.

    Raises:
        CdnShapeError: The file has no valid ``game``.
    """
    try:
        return CdnGame.model_validate(_object(payload, "game", "box score"))
    except ValidationError as error:
        raise CdnShapeError(f"box score: {_first_error(error)}") from None


def parse_playbyplay(payload: object, *, max_actions: int = MAX_ACTIONS) -> PlayByPlay:
    """Validate ``playbyplay_{gameId}.json``, of ``max_actions`` at most.

    Raises:
        CdnShapeError: The file has no ``game`` with a ``gameId`` and an ``actions`` list.
    """
    game = _object(payload, "game", "play-by-play")
    game_id = game.get("gameId")
    if not isinstance(game_id, str) or not game_id:
        raise CdnShapeError("play-by-play: no 'gameId'")
    actions = _counted(_list(game, "actions", "play-by-play"), max_actions, "actions", "play-by-play")
    kept, skipped = _valid(CdnAction, actions)
    return PlayByPlay(game_id, kept, skipped)


class ScheduledTeam(BaseModel):
    """One side of a game in the season's schedule."""

    model_config = _CDN

    team_id: int = Field(alias="teamId")
    score: Score | None = None


class ScheduledGame(BaseModel):
    """One game of the season's schedule: when it is played, by whom, and its final score once final."""

    model_config = _CDN

    game_id: GameId = Field(alias="gameId")
    game_status: Literal[1, 2, 3] = Field(alias="gameStatus")
    """1 scheduled, 2 in progress, 3 final, as on the scoreboard."""
    day: date = Field(alias="gameDateEst")
    """The game's day in the league's time zone: the date of ``gameDateEst`` (``"2023-10-05T00:00:00Z"``,
    midnight Eastern marked UTC, so only its date means anything)."""
    home_team: ScheduledTeam = Field(alias="homeTeam")
    away_team: ScheduledTeam = Field(alias="awayTeam")

    @model_validator(mode="before")
    @classmethod
    def _date_of_the_day(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("gameDateEst"), str):
            return {**data, "gameDateEst": data["gameDateEst"][:10]}
        return data


@dataclass(frozen=True, slots=True)
class Schedule:
    """The season's schedule: its games that validated, in the file's (date) order, and how many did not."""

    games: tuple[ScheduledGame, ...]
    skipped: int


def parse_schedule(payload: object) -> Schedule:
    """Validate ``scheduleLeagueV2.json``: ``leagueSchedule.gameDates[].games[]``.

    Raises:
        CdnShapeError: The file has no ``leagueSchedule`` with a ``gameDates`` list of objects with a
            ``games`` list, or lists more than :data:`MAX_SCHEDULED_GAMES` games.
    """
    league = _object(payload, "leagueSchedule", "schedule")
    days = _counted(_list(league, "gameDates", "schedule"), MAX_SCHEDULED_GAMES, "scheduled_games", "schedule")
    entries: list[Any] = []
    for day in days:
        if not isinstance(day, Mapping):
            raise CdnShapeError("schedule: a game date is not an object")
        entries += _list(day, "games", "schedule")
        _counted(entries, MAX_SCHEDULED_GAMES, "scheduled_games", "schedule")
    games, skipped = _valid(ScheduledGame, entries)
    return Schedule(games, skipped)


def _counted(items: list[Any], most: int, what: str, where: str) -> list[Any]:
    """The list, if it holds no more than ``most``: counted before a single entry is validated."""
    if len(items) > most:
        raise CdnShapeError(f"{where}: {len(items):,} {what}, more than {most:,}", f"too_many_{what}")
    return items


def _first_error(error: ValidationError) -> str:
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "file"
    return f"{where}: {first['msg']}"


# ---------------------------------------------------------------------------------------------
# The files, each with its path, its limits and its validation


@dataclass(frozen=True, slots=True)
class CdnFile(Generic[_Read_co]):
    """One of the NBA's files: where it is under the live-data root, how big it may be, how it is validated.

    Attributes:
        path: The CDN's own path, e.g. ``scoreboard/todaysScoreboard_00.json``.
        limits: What its text may hold.
        validate: From parsed JSON to what the bridge reads; raises :class:`CdnShapeError`.
    """

    path: str
    limits: JsonLimits
    validate: Callable[[object], _Read_co]

    def read(self, body: bytes | bytearray) -> _Read_co:
        """The file's content from its decompressed body.

        Raises:
            CdnShapeError: The body breaks the file's limits, is not JSON, or is not this file.
        """
        return self.validate(load_json(body, self.limits))

    def read_measured(self, body: bytes | bytearray) -> _Read_co:
        """The file's content from a body measured against its limits as it arrived (:class:`JsonMeter`).

        Raises:
            CdnShapeError: The body is not JSON, or is not this file.
        """
        return self.validate(parse_json(body))


SCOREBOARD: Final = CdnFile("scoreboard/todaysScoreboard_00.json", SCOREBOARD_LIMITS, parse_scoreboard)
"""The day's scoreboard."""


SCHEDULE: Final = CdnFile("../staticData/scheduleLeagueV2.json", SCHEDULE_LIMITS, parse_schedule)
"""The season's schedule, beside the live-data root (``static/json/staticData/``): every game's day and,
once final, its score."""


def odds_file(spread_of_chance: Callable[[float], float]) -> CdnFile[dict[str, float]]:
    """The day's odds, as each game's pregame line; a moneyline's chance becomes a line by ``spread_of_chance``."""

    def validate(payload: object) -> dict[str, float]:
        return parse_odds(payload, spread_of_chance=spread_of_chance)

    return CdnFile("odds/odds_todaysGames.json", ODDS_LIMITS, validate)


def playbyplay_file(game_id: str, *, finished: bool = False) -> CdnFile[PlayByPlay]:
    """One game's play-by-play; an answer for another game is of the wrong shape.

    Args:
        game_id: The game.
        finished: For a replay of a finished game: the looser limits of a file fetched once
            (:data:`FINISHED_PLAYBYPLAY_LIMITS`, :data:`MAX_FINISHED_ACTIONS`).
    """
    max_actions = MAX_FINISHED_ACTIONS if finished else MAX_ACTIONS

    def validate(payload: object) -> PlayByPlay:
        plays = parse_playbyplay(payload, max_actions=max_actions)
        if plays.game_id != game_id:
            raise CdnShapeError("play-by-play: the file of another game")
        return plays

    limits = FINISHED_PLAYBYPLAY_LIMITS if finished else PLAYBYPLAY_LIMITS
    return CdnFile(f"playbyplay/playbyplay_{_path_id(game_id)}.json", limits, validate)


def boxscore_file(game_id: str) -> CdnFile[CdnGame]:
    """One game's box score, down to the game state; an answer for another game is of the wrong shape."""

    def validate(payload: object) -> CdnGame:
        game = parse_boxscore(payload)
        if game.game_id != game_id:
            raise CdnShapeError("box score: the file of another game")
        return game

    return CdnFile(f"boxscore/boxscore_{_path_id(game_id)}.json", BOXSCORE_LIMITS, validate)


def _path_id(game_id: str) -> str:
    if not _GAME_ID.match(game_id):
        raise ValueError(f"not an NBA game id: {game_id[:40]!r}")
    return game_id


# ---------------------------------------------------------------------------------------------
# Odds: a pregame expected margin per game


_SPREAD_MARKET: Final = "spread"
_MONEYLINE_MARKET: Final = "2way"
_MAX_SPREAD: Final = 40.0


def _number(value: object) -> float | None:
    """A finite number from the odds file, where numbers come as strings ("-6.5") or numbers."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _home_outcome(book: object, field: str) -> tuple[float | None, float | None]:
    """A book's (home, away) values of ``field``."""
    outcomes = book.get("outcomes") if isinstance(book, Mapping) else None
    home = away = None
    for outcome in outcomes if isinstance(outcomes, list) else ():
        if isinstance(outcome, Mapping):
            if outcome.get("type") == "home":
                home = _number(outcome.get(field))
            elif outcome.get("type") == "away":
                away = _number(outcome.get(field))
    return home, away


def _market_books(game: Mapping[str, Any], name: str) -> list[Any]:
    for market in game.get("markets") or ():
        if isinstance(market, Mapping) and market.get("name") == name and isinstance(market.get("books"), list):
            return list(market["books"])
    return []


def _margin(game: Mapping[str, Any], spread_of_chance: Callable[[float], float]) -> float | None:
    """The expected home margin the books imply: the median spread, else the median moneyline."""
    spreads = []
    for book in _market_books(game, _SPREAD_MARKET):
        home, _ = _home_outcome(book, "spread")
        if home is not None and abs(home) <= _MAX_SPREAD:
            spreads.append(-home)  # a home spread of -6.5 means the home team is 6.5 points better
    if spreads:
        return statistics.median(spreads)
    margins = []
    for book in _market_books(game, _MONEYLINE_MARKET):
        home, away = _home_outcome(book, "odds")
        if home is None or away is None or home <= 1.0 or away <= 1.0:
            continue
        chance = (1 / home) / (1 / home + 1 / away)  # decimal odds, the bookmaker's margin removed
        margins.append(spread_of_chance(min(max(chance, 0.001), 0.999)))
    return statistics.median(margins) if margins else None


def parse_odds(payload: object, *, spread_of_chance: Callable[[float], float]) -> dict[str, float]:
    """Validate ``odds_todaysGames.json`` into each game's pregame line: points the home team is expected to win by.

    A point spread is the line itself; a moneyline gives a chance ``p`` of a home win, and the
    line is the one that makes the model's pregame chance ``p`` (``spread_of_chance(p)``, e.g.
    :func:`lib.model.home_spread_from_chance`). Books are combined by their median, so one odd
    book moves nothing.

    Args:
        payload: The parsed JSON.
        spread_of_chance: The model's line for a pregame chance of a home win.

    Returns:
        Margins by ``gameId``; games without a usable market are left out.

    Raises:
        CdnShapeError: The file has no ``games`` list.
    """
    if not isinstance(payload, Mapping):
        raise CdnShapeError("odds: not an object")
    margins: dict[str, float] = {}
    for game in _counted(_list(payload, "games", "odds"), MAX_GAMES, "games", "odds"):
        if not isinstance(game, Mapping) or not isinstance(game.get("gameId"), str):
            continue
        margin = _margin(game, spread_of_chance)
        if margin is not None:
            margins[game["gameId"]] = margin
    return margins


# ---------------------------------------------------------------------------------------------
# Clocks

_DURATION: Final = re.compile(r"^PT(?:(\d{1,2})M)?(\d{1,2}(?:\.\d+)?)S$")


def clock_from_duration(duration: str) -> str | None:
    """The protocol's clock from the CDN's ISO 8601 duration.

    ``"PT05M32.00S"`` is ``"05:32"``; in the last minute tenths are kept as real broadcasts show
    them, ``"PT00M04.70S"`` is ``"00:04.7"``. Returns ``None`` for ``""`` (the clock is not
    running) and for anything that is not a period clock (over 12 minutes, or another form).
    """
    match = _DURATION.match(duration.strip())
    if match is None:
        return None
    minutes = int(match.group(1) or 0)
    seconds = float(match.group(2))
    total = minutes * 60 + seconds
    if total > 12 * 60:
        return None
    if total < 60 and seconds != int(seconds):
        return f"00:{int(total * 10) / 10:04.1f}"
    whole = int(total)
    return f"{whole // 60:02d}:{whole % 60:02d}"
