"""Read game flows from a CSV of scoring changes, such as ``shared/data/nba_real_games.csv.gz``.

The format has one row per change in the score::

    game_id,game_date,home_team,away_team,period,seconds_left_in_period,home_score,away_score

with rows grouped by game and in game order, and no 0-0 starting row. The demo simulator
produces the same :class:`GameFlow` shape, so simulated and real games can be measured with
the same statistics (:mod:`lib.analytics.flow`).

Bad input raises a :class:`ValueError` naming the source and line: a silently skipped or
misread row would quietly bend every statistic computed from the file.

This module only reads files; it opens no sockets and starts no threads.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Protocol

from lib.feed.flows import GameFlow, ScoringEvent
from lib.model import GameResult, TeamForm, season_forms
from lib.protocol import MAX_PERIOD, MAX_SCORE, PERIOD_SECONDS, period_seconds

COLUMNS: Final = (
    "game_id",
    "game_date",
    "home_team",
    "away_team",
    "period",
    "seconds_left_in_period",
    "home_score",
    "away_score",
)
_MAX_NAME: Final = 64
_GZIP_MAGIC: Final = b"\x1f\x8b"
_MAX_LINE_BYTES: Final = 1024 * 1024
"""Far above any valid row (about 60 bytes), far below what would strain memory."""


# The implicit 0-0 start every game's first row must follow: the format has no 0-0 row.
_TIP_OFF: Final = ScoringEvent(period=1, seconds_left_in_period=PERIOD_SECONDS, home_score=0, away_score=0)


def read_games_csv(path: str | os.PathLike[str]) -> list[GameFlow]:
    """Read every game of a scoring-changes CSV file, gzip-compressed or plain, in UTF-8.

    Compression is recognised by the file's content, not its name. A byte-order mark at the
    start (as spreadsheet programs write) is skipped.

    Args:
        path: The CSV file.

    Returns:
        The games in file order.

    Raises:
        ValueError: If the header or any row is invalid, the text is not UTF-8, or the gzip data
            is truncated or corrupt; the message names the file and line.
        OSError: If the file cannot be read.
    """
    with csv_lines(path) as lines:
        return parse_games_csv(lines, source=os.fspath(path))


def check_header(header: Sequence[str] | None, columns: tuple[str, ...], source: str) -> None:
    """Refuse a CSV whose first line is not ``columns`` (fields trimmed), or that has no line at all.

    Raises:
        ValueError: Naming ``source``'s line 1 and the header expected.
    """
    if header is None:
        raise ValueError(f"{source}, line 1: the file is empty (expected the header {','.join(columns)})")
    if tuple(field.strip() for field in header) != columns:
        raise ValueError(f"{source}, line 1: expected the header {','.join(columns)}, got {header!r:.200}")


@contextlib.contextmanager
def csv_lines(path: str | os.PathLike[str]) -> Iterator[Iterator[str]]:
    """The lines of a CSV file, gzip-compressed (recognised by its content) or plain, in UTF-8, each checked.

    A byte-order mark at the start is skipped. Reading a line raises a :class:`ValueError` naming
    the file and line for a line over 1 MiB, text that is not UTF-8, and truncated or corrupt gzip data.

    Raises:
        OSError: If the file cannot be opened.
    """
    source = os.fspath(path)
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
    with gzip.open(path, "rb") if compressed else open(path, "rb") as binary:
        yield _read_lines(binary, source)


def _read_lines(binary: io.BufferedIOBase, source: str) -> Iterator[str]:
    """The lines of a file, each decoded on its own, so that an error can name its line.

    Each line is bounded in length, so that a file without line breaks is not read whole.
    """
    number = 1  # of the line being read
    try:
        while line := binary.readline(_MAX_LINE_BYTES + 1):
            if len(line) > _MAX_LINE_BYTES:
                raise ValueError(f"{source}, line {number}: longer than {_MAX_LINE_BYTES:,} bytes")
            yield line.decode("utf-8-sig" if number == 1 else "utf-8")
            number += 1
    except EOFError:
        raise ValueError(f"{source}, line {number}: the gzip data ends early (a truncated file)") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(f"{source}, line {number}: the gzip data is corrupt ({error})") from None
    except UnicodeDecodeError as error:
        where = f"{source}, line {number}"
        raise ValueError(f"{where}: not UTF-8 text ({error.reason} at byte {error.start + 1})") from None


def game_forms(games: Iterable[GameFlow]) -> dict[str, tuple[TeamForm, TeamForm]]:
    """Each game's home and away form before it, by id: each team's record and points in its earlier games this season.

    The games count in date order (a date's games in the file's order, whatever the order of the
    dates in the file); a season runs from August to July. A team's first game of a season in the
    file has a 0-0 form, with 0 points.

    Args:
        games: The games, as :func:`read_games_csv` gives them; their ids must be unique.

    Returns:
        ``(home form, away form)`` by game id, each with its record and points this season and the
        team's last season where the file has it.
    """
    in_order = sorted(games, key=lambda game: game.game_date)  # stable: a date's games keep the file's order
    results = []
    for game in in_order:
        home_points, away_points = game.final_score
        start = game.game_date.year if game.game_date.month >= 8 else game.game_date.year - 1
        season = f"{start}-{start + 1}"
        results.append(GameResult(season, True, game.home_team, game.away_team, home_points, away_points))
    return {game.game_id: form for game, form in zip(in_order, season_forms(results), strict=True)}


def parse_games_csv(lines: Iterable[str], *, source: str = "<csv>") -> list[GameFlow]:
    """Parse the text of a scoring-changes CSV.

    Args:
        lines: The CSV text, line by line, starting with the header.
        source: How to name the input in error messages.

    Returns:
        The games in input order.

    Raises:
        ValueError: If the header or any row is invalid; the message names the line.
    """
    reader = csv.reader(lines)
    try:
        check_header(next(reader, None), COLUMNS, source)
        games: list[GameFlow] = []
        seen: set[str] = set()
        for game, line in _group_games(reader, source):
            if game.game_id in seen:
                raise ValueError(f"{source}, line {line}: the rows of game {game.game_id!r} are not contiguous")
            seen.add(game.game_id)
            games.append(game)
    except csv.Error as error:  # a field over csv's limit (128 KiB), a quote left open at the end, ...
        raise ValueError(f"{source}, line {reader.line_num}: {error}") from None
    return games


@dataclass(frozen=True, slots=True)
class _Row:
    game_id: str
    game_date: date
    home_team: str
    away_team: str
    event: ScoringEvent


class _CsvRows(Protocol):
    """A ``csv.reader``: rows of fields, and the line number of the last row read."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...


def _group_games(reader: _CsvRows, source: str) -> Iterator[tuple[GameFlow, int]]:
    """Yield each run of consecutive rows with one game id as a game, with its first line."""
    first: _Row | None = None
    first_line = 0
    events: list[ScoringEvent] = []
    for fields in reader:
        line = reader.line_num
        if not fields:
            continue
        where = f"{source}, line {line}"
        row = _parse_row(fields, where)
        if first is not None and row.game_id != first.game_id:
            yield _flow(first, events), first_line
            first = None
        if first is None:
            first, first_line, events = row, line, []
            _check_follows(_TIP_OFF, row.event, where)
        else:
            _check_same_game(first, row, where)
            _check_follows(events[-1], row.event, where)
        events.append(row.event)
    if first is not None:
        yield _flow(first, events), first_line


def _flow(first: _Row, events: list[ScoringEvent]) -> GameFlow:
    return GameFlow(first.game_id, first.game_date, first.home_team, first.away_team, tuple(events))


def _parse_row(fields: list[str], where: str) -> _Row:
    if len(fields) != len(COLUMNS):
        raise ValueError(f"{where}: expected {len(COLUMNS)} fields, got {len(fields)}")
    game_id, game_date, home_team, away_team = (_name(fields[i], COLUMNS[i], where) for i in range(4))
    if home_team == away_team:
        raise ValueError(f"{where}: home_team and away_team are both {home_team!r}")
    try:
        played_on = date.fromisoformat(game_date)
    except ValueError:
        raise ValueError(f"{where}: game_date {game_date!r} is not a YYYY-MM-DD date") from None
    period = _integer(fields[4], "period", 1, MAX_PERIOD, where)
    seconds_left = _integer(fields[5], "seconds_left_in_period", 0, period_seconds(period), where)
    home_score = _integer(fields[6], "home_score", 0, MAX_SCORE, where)
    away_score = _integer(fields[7], "away_score", 0, MAX_SCORE, where)
    event = ScoringEvent(period, seconds_left, home_score, away_score)
    return _Row(game_id, played_on, home_team, away_team, event)


def _name(value: str, column: str, where: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= _MAX_NAME:
        raise ValueError(f"{where}: {column} must be 1-{_MAX_NAME} characters, got {value!r}")
    return name


def _integer(value: str, column: str, low: int, high: int, where: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{where}: {column} {value!r} is not an integer") from None
    if not low <= number <= high:
        raise ValueError(f"{where}: {column} {number} is outside {low}-{high}")
    return number


def _check_same_game(first: _Row, row: _Row, where: str) -> None:
    if (row.game_date, row.home_team, row.away_team) != (first.game_date, first.home_team, first.away_team):
        raise ValueError(f"{where}: game {row.game_id!r} changes its date or teams between rows")


def _check_follows(previous: ScoringEvent, event: ScoringEvent, where: str) -> None:
    """Check that ``event`` is a later scoring change than ``previous`` in the same game."""
    if (event.period, -event.seconds_left_in_period) < (previous.period, -previous.seconds_left_in_period):
        raise ValueError(f"{where}: the row is earlier in the game than the row before it")
    if event.home_score < previous.home_score or event.away_score < previous.away_score:
        raise ValueError(f"{where}: a score decreased")
    if (event.home_score, event.away_score) == (previous.home_score, previous.away_score):
        raise ValueError(f"{where}: the score did not change (every row must be a scoring change)")
