"""Read every play of real games from a plays CSV, such as ``shared/data/nba_real_plays.csv.gz``, as protocol plays.

The format has one row per play (the NBA's play-by-play events)::

    game_id,event_num,period,seconds_left_in_period,event_type,action_type,team,player_id,player,description,home_score,away_score

with rows grouped by game and in game order; the games themselves (their teams, date and final
score) are in the games CSV beside it (:mod:`lib.feed.sources.games_csv`). Each row becomes a
:class:`~lib.protocol.Play` of the file's game id: ``play_id`` is ``event_num``, ``kind`` comes
from the NBA's ``event_type`` (:data:`KINDS`), the team is named as the games are served
(:func:`lib.feed.teams.team_for`), and the home win probability after the play is the shipped
model's (:func:`lib.model.home_win_probability`), from each team's form this season
before the game: its record and points in the games CSV's earlier games
(:func:`~lib.feed.sources.games_csv.game_forms`, as the games are predicted when served). A game's first play (the
start of period 1) carries the pregame probability, its last (the end of its last period) the
result, as the protocol asks.

Every row is checked as its play will be when it is read, and bad input raises a :class:`ValueError`
naming the source and line, as the games CSV's reader does; the plays are then held as their fields
(:class:`GamePlays`), each built as a protocol play, its probability worked out, when asked for: a
feed shows a slate of games at a time, and a season of plays as models would take ten times the memory.

This module only reads files; it opens no sockets and starts no threads.
"""

from __future__ import annotations

import csv
import os
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, overload

from pydantic import ValidationError

from lib.feed.flows import GameFlow
from lib.feed.sources.games_csv import check_header, csv_lines, game_forms
from lib.feed.teams import team_for
from lib.model import TeamForm, home_win_probability
from lib.protocol import (
    MAX_DESCRIPTION,
    MAX_PERIOD,
    MAX_PLAY_ID,
    MAX_SCORE,
    PERIOD_SECONDS,
    REGULATION_PERIODS,
    Play,
    PlayKind,
    clock_text,
    period_seconds,
)

COLUMNS: Final = (
    "game_id",
    "event_num",
    "period",
    "seconds_left_in_period",
    "event_type",
    "action_type",
    "team",
    "player_id",
    "player",
    "description",
    "home_score",
    "away_score",
)
KINDS: Final[Mapping[int, PlayKind]] = {
    1: "made_shot",
    2: "missed_shot",
    3: "free_throw",  # made or missed alike
    4: "rebound",
    5: "turnover",
    6: "foul",
    7: "other",  # a violation
    8: "substitution",
    9: "timeout",
    10: "other",  # a jump ball
    11: "other",  # an ejection
    12: "period",  # its start
    13: "period",  # its end
    18: "other",  # an instant replay
}
"""The NBA's ``EVENTMSGTYPE`` as a play's kind; a type not listed is ``other``."""
_MAX_NAME: Final = 64


def plays_file_for(games_csv: str | os.PathLike[str]) -> Path:
    """The plays CSV that goes with a games CSV: beside it, ``games`` in its name turned ``plays``.

    ``shared/data/nba_real_games.csv.gz`` goes with ``shared/data/nba_real_plays.csv.gz``.
    """
    path = Path(games_csv)
    before, found, after = path.name.rpartition("games")
    return path.with_name(f"{before}plays{after}" if found else f"{path.name}.plays")


def games_file_for(plays_csv: str | os.PathLike[str]) -> Path:
    """The games CSV that goes with a plays CSV, as :func:`plays_file_for` pairs them."""
    path = Path(plays_csv)
    before, found, after = path.name.rpartition("plays")
    return path.with_name(f"{before}games{after}" if found else f"{path.name}.games")


def is_plays_csv(path: str | os.PathLike[str]) -> bool:
    """Whether a CSV file (gzip or plain) starts with the plays header.

    Raises:
        ValueError: If its first line cannot be read (not UTF-8, corrupt gzip).
        OSError: If it cannot be opened.
    """
    with csv_lines(path) as lines:
        header = next(csv.reader(lines), None)
    return header is not None and tuple(field.strip() for field in header) == COLUMNS


def read_plays_csv(path: str | os.PathLike[str], games: Sequence[GameFlow]) -> dict[str, GamePlays]:
    """Read every play of a plays CSV, gzip-compressed or plain, in UTF-8.

    Every row is checked here, as its :class:`~lib.protocol.Play` would be; the plays are held as
    their fields (:class:`GamePlays`) and built when asked for.

    Args:
        path: The plays CSV.
        games: Its games, from the games CSV (:func:`~lib.feed.sources.games_csv.read_games_csv`): their teams
            name the plays', their results give each team's form before each game.

    Returns:
        Each game's plays in game order, by game id, the games in file order.

    Raises:
        ValueError: If the header or any row is invalid, a game is not among ``games`` or ends on
            another score, the text is not UTF-8, or the gzip data is truncated or corrupt; the
            message names the file and line.
        OSError: If the file cannot be read.
    """
    with csv_lines(path) as lines:
        return parse_plays_csv(lines, games, source=os.fspath(path))


def parse_plays_csv(lines: Iterable[str], games: Sequence[GameFlow], *, source: str = "<csv>") -> dict[str, GamePlays]:
    """Parse the text of a plays CSV, as :func:`read_plays_csv` reads a file.

    Args:
        lines: The CSV text, line by line, starting with the header.
        games: Its games.
        source: How to name the input in error messages.
    """
    forms = game_forms(games)
    by_id = {game.game_id: game for game in games}
    reader = csv.reader(lines)
    plays: dict[str, GamePlays] = {}
    try:
        check_header(next(reader, None), COLUMNS, source)
        game: _Game | None = None
        for fields in reader:
            if not fields:
                continue
            where = f"{source}, line {reader.line_num}"
            row = _parse_row(fields, where)
            if game is None or row.game_id != game.flow.game_id:
                if game is not None:
                    plays[game.flow.game_id] = game.finish()
                if row.game_id in plays:
                    raise ValueError(f"{where}: the rows of game {row.game_id!r} are not contiguous")
                flow = by_id.get(row.game_id)
                if flow is None:
                    raise ValueError(f"{where}: game {row.game_id!r} is not in the games file")
                game = _Game(flow, *forms[row.game_id], where=where)
            game.add(row, where)
        if game is not None:
            plays[game.flow.game_id] = game.finish()
    except csv.Error as error:  # a field over csv's limit (128 KiB), a quote left open at the end, ...
        raise ValueError(f"{source}, line {reader.line_num}: {error}") from None
    return plays


@dataclass(frozen=True, slots=True)
class _Row:
    game_id: str
    event_num: int
    period: int
    seconds_left: int
    event_type: int
    team: str
    player: str
    description: str
    home_score: int
    away_score: int


def _parse_row(fields: list[str], where: str) -> _Row:
    if len(fields) != len(COLUMNS):
        raise ValueError(f"{where}: expected {len(COLUMNS)} fields, got {len(fields)}")
    game_id = fields[0].strip()
    if not 1 <= len(game_id) <= _MAX_NAME:
        raise ValueError(f"{where}: game_id must be 1-{_MAX_NAME} characters, got {fields[0]!r:.80}")
    period = _integer(fields[2], "period", 1, MAX_PERIOD, where)
    player, description = fields[8].strip(), fields[9].strip()
    if len(player) > _MAX_NAME:
        raise ValueError(f"{where}: player must be at most {_MAX_NAME} characters, got {len(player)}")
    if len(description) > MAX_DESCRIPTION:
        raise ValueError(f"{where}: description must be at most {MAX_DESCRIPTION} characters, got {len(description)}")
    return _Row(
        game_id,
        _integer(fields[1], "event_num", 0, MAX_PLAY_ID, where),
        period,
        _integer(fields[3], "seconds_left_in_period", 0, period_seconds(period), where),
        _integer(fields[4], "event_type", 0, MAX_PLAY_ID, where),
        fields[6].strip(),
        player,
        description,
        _integer(fields[10], "home_score", 0, MAX_SCORE, where),
        _integer(fields[11], "away_score", 0, MAX_SCORE, where),
    )


def _integer(value: str, column: str, low: int, high: int, where: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{where}: {column} {value!r:.40} is not an integer") from None
    if not low <= number <= high:
        raise ValueError(f"{where}: {column} {number} is outside {low}-{high}")
    return number


class GamePlays(Sequence[Play]):
    """One game's plays from a plays CSV, held as their checked fields: each becomes a :class:`Play` when asked for.

    A season's plays as pydantic models take about 1.6 KB each (475 MB for the 292,454 of 2015-16),
    and the model's probabilities most of the time to read them; a feed shows a slate of games at a
    time. So a play is kept as its fields in arrays (its text as read) and becomes a
    :class:`~lib.protocol.Play`, its probability worked out by the model, each time it is asked for:
    by index, by slice (a list) or in order (the fastest, plays at one state sharing a probability).
    The reader checked every field as the play's model does, so building one cannot fail.
    """

    __slots__ = (
        "_away_scores",
        "_descriptions",
        "_event_nums",
        "_event_types",
        "_home_scores",
        "_periods",
        "_players",
        "_seconds_left",
        "_teams",
        "away_form",
        "game_id",
        "home_form",
        "team_names",
    )

    def __init__(self, game_id: str, team_names: tuple[str, str], home_form: TeamForm, away_form: TeamForm) -> None:
        """Start a game without plays.

        Args:
            game_id: The game's id in the file.
            team_names: The home and the visiting team's names, as the plays name them.
            home_form: The home team's form before the game, for the model.
            away_form: The visiting team's.
        """
        self.game_id = game_id
        self.team_names = team_names
        self.home_form = home_form
        self.away_form = away_form
        self._event_nums = array("l")
        self._event_types = array("l")
        self._periods = array("B")
        self._seconds_left = array("H")
        self._teams = array("B")
        """0 for neither team, 1 for the home team, 2 for the visitors."""
        self._players: list[str | None] = []
        self._descriptions: list[str | None] = []
        self._home_scores = array("H")
        self._away_scores = array("H")

    def append(self, row: _Row, team: int) -> None:
        """Add the game's next play, a row checked by the reader; ``team`` is 0 (neither), 1 (home) or 2 (away)."""
        self._event_nums.append(row.event_num)
        self._event_types.append(row.event_type)
        self._periods.append(row.period)
        self._seconds_left.append(row.seconds_left)
        self._teams.append(team)
        self._players.append(sys.intern(row.player) if row.player else None)  # a few hundred players, each many times
        self._descriptions.append(row.description or None)
        self._home_scores.append(row.home_score)
        self._away_scores.append(row.away_score)

    def __len__(self) -> int:
        """How many plays the game has."""
        return len(self._event_nums)

    @overload
    def __getitem__(self, index: int) -> Play: ...

    @overload
    def __getitem__(self, index: slice) -> list[Play]: ...

    def __getitem__(self, index: int | slice) -> Play | list[Play]:
        """The play at ``index`` (negative from the end), or a list of those of a slice, each built now."""
        if isinstance(index, slice):
            return [self.play(number) for number in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"play {index} of a game of {len(self)}")
        return self.play(index)

    def __iter__(self) -> Iterator[Play]:
        """The plays in game order, each built now; plays at one clock and score share one run of the model."""
        state: tuple[int, int, int] | None = None
        probability = 0.0
        for index in range(len(self)):
            if (index_state := self._state(index)) != state:
                state, probability = index_state, self._model(*index_state)
            yield self.play(index, probability)

    def play(self, index: int, probability: float | None = None) -> Play:
        """The play at ``index`` (from 0), built now, with the model's probability after it unless ``probability``."""
        if index == len(self) - 1:  # the end of the game: the result
            probability = 1.0 if self._home_scores[index] > self._away_scores[index] else 0.0
        elif probability is None:
            probability = self._model(*self._state(index))
        team = self._teams[index]
        return Play(
            game_id=self.game_id,
            play_id=self._event_nums[index],
            period=self._periods[index],
            clock=clock_text(self._seconds_left[index]),
            team=self.team_names[team - 1] if team else None,
            player=self._players[index],
            description=self._descriptions[index],
            kind=KINDS.get(self._event_types[index], "other"),
            home_score=self._home_scores[index],
            away_score=self._away_scores[index],
            home_win_probability=probability,
        )

    def _state(self, index: int) -> tuple[int, int, int]:
        return self._periods[index], self._seconds_left[index], self._home_scores[index] - self._away_scores[index]

    def _model(self, period: int, seconds_left: int, margin: int) -> float:
        regulation = period <= REGULATION_PERIODS
        return home_win_probability(
            margin,
            (REGULATION_PERIODS - period) * PERIOD_SECONDS + seconds_left if regulation else 0.0,
            None if regulation else seconds_left,
            self.home_form,
            self.away_form,
        )


class _Game:
    """One game's rows becoming its plays, checked to be in game order, each id once."""

    def __init__(self, flow: GameFlow, home: TeamForm, away: TeamForm, *, where: str) -> None:
        self.flow = flow
        names = (team_for(flow.home_team).name, team_for(flow.away_team).name)
        self.teams = {flow.home_team: 1, flow.away_team: 2}
        self.plays = GamePlays(flow.game_id, names, home, away)
        self.ids: set[int] = set()
        self.last: _Row | None = None
        self.last_where = where

    def add(self, row: _Row, where: str) -> None:
        last = self.last
        if last is not None:
            if (row.period, -row.seconds_left) < (last.period, -last.seconds_left):
                raise ValueError(f"{where}: the row is earlier in the game than the row before it")
            if row.home_score < last.home_score or row.away_score < last.away_score:
                raise ValueError(f"{where}: a score decreased")
        if row.event_num in self.ids:
            raise ValueError(f"{where}: event_num {row.event_num} appears twice in game {row.game_id!r}")
        if row.team and row.team not in self.teams:
            teams = " or ".join(self.teams)
            raise ValueError(f"{where}: team {row.team!r:.40} is neither of game {row.game_id!r}'s ({teams})")
        self.ids.add(row.event_num)
        self.last, self.last_where = row, where
        self.plays.append(row, self.teams[row.team] if row.team else 0)
        # _parse_row checked the numbers' ranges and the text's lengths; what is left of the protocol's
        # rules (the game id's text, and no bidirectional controls in any) can only fail on text beyond
        # ASCII, so those plays, and each game's first, are built once here, to fail now rather than mid-night.
        if last is None or not (row.player.isascii() and row.description.isascii()):
            try:
                self.plays.play(len(self.plays) - 1, probability=0.5)
            except ValidationError as error:
                raise ValueError(f"{where}: {error.errors(include_url=False)[0]['msg']}") from None

    def finish(self) -> GamePlays:
        """The plays, checked against the games file's final score and periods."""
        last = self.last
        assert last is not None  # a game is made for its first row
        final = (last.home_score, last.away_score)
        if final != self.flow.final_score:
            raise ValueError(
                f"{self.last_where}: game {last.game_id!r} ends {final[0]}-{final[1]} here but "
                f"{self.flow.final_score[0]}-{self.flow.final_score[1]} in the games file"
            )
        if final[0] == final[1]:
            raise ValueError(f"{self.last_where}: game {last.game_id!r} ends tied")
        if last.period > self.flow.periods:  # a night lays a game's plays out on its own periods
            raise ValueError(
                f"{self.last_where}: game {last.game_id!r} has a play in period {last.period} but "
                f"{self.flow.periods} periods in the games file"
            )
        return self.plays
