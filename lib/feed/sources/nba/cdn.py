"""The NBA's live-data JSON, validated: scoreboard, play-by-play, box score, odds.

The NBA publishes these files under ``https://cdn.nba.com/static/json/liveData/``. They are
untrusted input, checked like a frame from the feed: only the fields the bridge uses are
read, each with its type and range, and anything else in the files is ignored. A file whose
overall shape is wrong raises :class:`CdnShapeError`; one bad game or action inside an
otherwise good file is skipped and counted, so one odd entry never hides a whole night.

The field names and shapes are the CDN's own, as published with the nba_api project
(``docs/nba_api/live/endpoints/*.md``); ``tests/data/nba/README.md`` lists the samples.

This module is pure: no sockets, no threads, no clocks.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lib.protocol import MAX_PERIOD, MAX_SCORE, StartTime

PATHS: Final = {
    "scoreboard": "scoreboard/todaysScoreboard_00.json",
    "odds": "odds/odds_todaysGames.json",
}
"""The day's files, under the live-data base URL, exactly as the CDN names them."""


def playbyplay_path(game_id: str) -> str:
    """The play-by-play file of one game, under the live-data base URL."""
    return f"playbyplay/playbyplay_{game_id}.json"


def boxscore_path(game_id: str) -> str:
    """The box score file of one game, under the live-data base URL."""
    return f"boxscore/boxscore_{game_id}.json"


class CdnShapeError(ValueError):
    """A CDN file that is JSON but not the shape the NBA publishes."""


# Lax typing on purpose: the CDN sends scores in the play-by-play as strings ("12").
_CDN: Final = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

GameId = Annotated[str, Field(pattern=r"^[0-9A-Za-z_-]{1,32}$")]
"""The NBA's ten-digit ``gameId`` (``0022400913``); kept unchanged as the protocol's ``game_id``."""
Text = Annotated[str, Field(max_length=64)]
Score = Annotated[int, Field(ge=0, le=MAX_SCORE)]
Period = Annotated[int, Field(ge=0, le=MAX_PERIOD)]


class CdnTeam(BaseModel):
    """One side of a game, as the scoreboard and the box score give it."""

    model_config = _CDN

    team_id: int = Field(alias="teamId")
    team_city: Text = Field(alias="teamCity")
    team_name: Text = Field(alias="teamName")
    team_tricode: Annotated[str, Field(min_length=1, max_length=8)] = Field(alias="teamTricode")
    score: Score | None = None

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


class CdnAction(BaseModel):
    """One play-by-play action; every action carries the running score after it."""

    model_config = _CDN

    action_number: Annotated[int, Field(ge=0)] = Field(alias="actionNumber")
    clock: Annotated[str, Field(max_length=32)]
    period: Annotated[int, Field(ge=1, le=MAX_PERIOD)]
    action_type: Annotated[str, Field(max_length=32)] = Field(alias="actionType")
    sub_type: Annotated[str, Field(max_length=64)] | None = Field(default=None, alias="subType")
    score_home: Score = Field(alias="scoreHome")
    score_away: Score = Field(alias="scoreAway")
    time_actual: datetime | None = Field(default=None, alias="timeActual")


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
    """A game's play-by-play: its actions in order, and how many entries did not validate."""

    game_id: str
    actions: tuple[CdnAction, ...]
    skipped: int


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
    games, skipped = _valid(CdnGame, _list(board, "games", "scoreboard"))
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


def parse_playbyplay(payload: object) -> PlayByPlay:
    """Validate ``playbyplay_{gameId}.json``.

    Raises:
        CdnShapeError: The file has no ``game`` with a ``gameId`` and an ``actions`` list.
    """
    game = _object(payload, "game", "play-by-play")
    game_id = game.get("gameId")
    if not isinstance(game_id, str) or not game_id:
        raise CdnShapeError("play-by-play: no 'gameId'")
    actions, skipped = _valid(CdnAction, _list(game, "actions", "play-by-play"))
    return PlayByPlay(game_id, actions, skipped)


def _first_error(error: ValidationError) -> str:
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "file"
    return f"{where}: {first['msg']}"


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


def _margin(game: Mapping[str, Any], sigma: float) -> float | None:
    """The expected home margin the books imply: the median spread, else the median moneyline."""
    spreads = []
    for book in _market_books(game, _SPREAD_MARKET):
        home, _ = _home_outcome(book, "spread")
        if home is not None and abs(home) <= _MAX_SPREAD:
            spreads.append(-home)  # a home spread of -6.5 means the home team is 6.5 points better
    if spreads:
        return statistics.median(spreads)
    margins = []
    normal = statistics.NormalDist()
    for book in _market_books(game, _MONEYLINE_MARKET):
        home, away = _home_outcome(book, "odds")
        if home is None or away is None or home <= 1.0 or away <= 1.0:
            continue
        chance = (1 / home) / (1 / home + 1 / away)  # decimal odds, the bookmaker's margin removed
        margins.append(sigma * normal.inv_cdf(min(max(chance, 0.001), 0.999)))
    return statistics.median(margins) if margins else None


def parse_odds(payload: object, *, sigma: float) -> dict[str, float]:
    """Validate ``odds_todaysGames.json`` into each game's pregame expected home margin.

    A point spread is the margin itself; a moneyline gives a chance ``p`` of a home win, and the
    margin is the one that makes the model's pregame chance ``Phi(margin / sigma)`` equal ``p``.
    Books are combined by their median, so one odd book moves nothing.

    Args:
        payload: The parsed JSON.
        sigma: The model's spread of a game's final margin, in points.

    Returns:
        Margins by ``gameId``; games without a usable market are left out.

    Raises:
        CdnShapeError: The file has no ``games`` list.
    """
    if not isinstance(payload, Mapping):
        raise CdnShapeError("odds: not an object")
    margins: dict[str, float] = {}
    for game in _list(payload, "games", "odds"):
        if not isinstance(game, Mapping) or not isinstance(game.get("gameId"), str):
            continue
        margin = _margin(game, sigma)
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
