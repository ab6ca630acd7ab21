"""Each team's form before one of tonight's games: its scoreboard record, its points from the season's schedule.

The scoreboard gives each team's ``wins`` and ``losses`` this season; for a final game they already
count its result, which is taken off again, so a game's record is always the one before it. The
NBA counts separately the games of each kind (a preseason game's ``wins`` are preseason wins), so
the scoreboard's record is read only for a regular-season game (a ``gameId`` that starts ``002``).

The season's schedule (``scheduleLeagueV2.json``) gives the score of every finished game. From the
regular-season games finished before a game's day come each team's points scored and allowed and
its record; the days since its previous game (regular season, NBA Cup final, play-in or playoffs,
never the preseason or the All-Star game) give its rest. Where the scoreboard has a record the
schedule's must agree with it, game for game, before its points are used: a schedule that lags
(a game it does not have yet) would spread the points over the wrong games, so then the record
goes alone.

This module is pure: no sockets, no threads, no clocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from lib.feed.sources.nba.cdn import CdnGame, Schedule
from lib.model import GameResult, TeamForm, season_forms

REGULAR_SEASON: Final = "002"
"""The ``gameId`` prefix of a regular-season game: ``0022400913``. The NBA Cup's group and knockout
games are regular-season games too; its final (``006``) counts in no record."""
PLAYED: Final = ("002", "004", "005", "006")
"""The ``gameId`` prefixes of the games a team's rest counts from: the regular season, the playoffs
(``004``), the play-in (``005``) and the NBA Cup final (``006``); not the preseason (``001``) or the
All-Star game (``003``), as the model was fitted."""

Record = tuple[int, int]
"""Wins and losses."""


def records_before(game: CdnGame) -> tuple[Record | None, Record | None]:
    """The home and away teams' records before ``game``, from its scoreboard entry.

    ``None`` for a team whose record the entry does not give, for a game not of the regular season,
    and for a final game whose result the record does not hold (a tie, or a side already at zero).
    """
    home, away = game.home_team, game.away_team
    if not game.game_id.startswith(REGULAR_SEASON):
        return None, None
    records = [
        (team.wins, team.losses) if team.wins is not None and team.losses is not None else None for team in (home, away)
    ]
    if game.game_status != 3:
        return records[0], records[1]
    home_score, away_score = home.score or 0, away.score or 0
    if home_score == away_score:
        return None, None
    home_won = home_score > away_score
    return _take_back(records[0], won=home_won), _take_back(records[1], won=not home_won)


def _take_back(record: Record | None, *, won: bool) -> Record | None:
    if record is None:
        return None
    wins, losses = record[0] - won, record[1] - (not won)
    return (wins, losses) if wins >= 0 and losses >= 0 else None


@dataclass(frozen=True, slots=True)
class Season:
    """The season's schedule, read for forms: each game's day, and the finished games in day order.

    Args:
        schedule: The validated schedule.
    """

    days: Mapping[str, date]
    results: tuple[tuple[str, GameResult], ...]
    """``(gameId, result)`` of each finished game the forms count, in day order."""

    @classmethod
    def of(cls, schedule: Schedule) -> Season:
        """The season of a schedule."""
        days = {game.game_id: game.day for game in schedule.games}
        finished = [
            (
                game.game_id,
                GameResult(
                    season="",
                    regular_season=game.game_id.startswith(REGULAR_SEASON),
                    home_team=str(game.home_team.team_id),
                    away_team=str(game.away_team.team_id),
                    home_points=game.home_team.score,
                    away_points=game.away_team.score,
                    game_date=game.day,
                ),
            )
            for game in schedule.games
            if game.game_status == 3
            and game.game_id.startswith(PLAYED)
            and game.home_team.score is not None
            and game.away_team.score is not None
        ]
        finished.sort(key=lambda item: item[1].game_date or date.min)
        return cls(days, tuple(finished))

    def forms(self, game: CdnGame, day: date) -> tuple[TeamForm | None, TeamForm | None] | None:
        """Both teams' forms before ``game``, played on ``day`` unless the schedule says another day.

        Returns:
            ``(home, away)``, or ``None`` when the schedule cannot say (its results are not in day
            order: a team plays twice in one day).
        """
        day = self.days.get(game.game_id, day)
        home, away = str(game.home_team.team_id), str(game.away_team.team_id)
        before = [result for game_id, result in self.results if result.game_date and result.game_date < day]
        # Tonight's game last, its score unknown and counted nowhere: season_forms gives the forms before it.
        tonight = GameResult(
            season="", regular_season=False, home_team=home, away_team=away, home_points=0, away_points=0, game_date=day
        )
        try:
            home_form, away_form = season_forms([*before, tonight])[-1]
        except ValueError:
            return None
        home_record, away_record = records_before(game)
        return _agreed(home_form, home_record), _agreed(away_form, away_record)


def _agreed(form: TeamForm, record: Record | None) -> TeamForm:
    """The schedule's form where it agrees with the scoreboard's record; else the record, with the rest."""
    if record is None:
        return form
    if (form.wins, form.losses) == record:
        return form
    rest = form.rest_days if sum(record) > 0 else None
    return TeamForm(*record, rest_days=rest)


def forms_of_records(game: CdnGame) -> tuple[TeamForm | None, TeamForm | None]:
    """Both teams' forms before ``game`` from its scoreboard records alone (no schedule)."""
    home, away = records_before(game)
    return (TeamForm(*home) if home else None), (TeamForm(*away) if away else None)
