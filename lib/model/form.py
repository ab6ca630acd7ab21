"""A team's form this season before a game: its record and, where known, its points scored and allowed.

Beside them a form may carry the team's last season and its rest days, which a source that knows
them adds; :func:`season_forms` works all of it out from a list of results.

This module is pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass
from datetime import date
from typing import NamedTuple

from lib.model.checks import real


def _count(name: str, value: object) -> int:
    # bool is an int to Python, but True wins is a mistake, not a count.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _points(name: str, value: object) -> float:
    points = real(name, value)
    if points < 0:
        raise ValueError(f"{name} must be >= 0, got {points}")
    return points


@dataclass(frozen=True, slots=True)
class TeamForm:
    """A team's regular-season results this season before the game.

    The two keyword-only fields are what a source may know beside this season's results; left
    ``None`` they change nothing, and the model is the one fitted without them.

    Attributes:
        wins: Games won, 0 or more.
        losses: Games lost, 0 or more.
        points_for: Points scored in those games, or ``None`` when only the record is known.
        points_against: Points allowed in those games; given exactly when ``points_for`` is.
        last_season: The team's whole regular season the season before (its record is what the
            model uses: out of time its points told no more), or ``None`` when unknown or the team
            is new.
        rest_days: Days since the team's previous game this season, any kind (1: it played
            yesterday, the second night of a back-to-back), or ``None`` when unknown or it has
            not played yet.

    Raises:
        TypeError: If a count is not an int, a points total not a number, or ``last_season`` not a
            TeamForm.
        ValueError: If a count or total is negative or not finite, only one of the points totals
            is given, a team with no games has points or rest days, ``rest_days`` is below 1, or
            ``last_season`` has a last season or rest days of its own.
    """

    wins: int
    losses: int
    points_for: float | None = None
    points_against: float | None = None
    _: KW_ONLY
    last_season: TeamForm | None = None
    rest_days: int | None = None

    def __post_init__(self) -> None:
        _count("wins", self.wins)
        _count("losses", self.losses)
        if (self.points_for is None) != (self.points_against is None):
            raise ValueError("points_for and points_against must be given together, or both be None")
        if self.points_for is not None and self.points_against is not None:
            scored = _points("points_for", self.points_for)
            allowed = _points("points_against", self.points_against)
            if self.games == 0 and (scored or allowed):
                raise ValueError(f"a team with no games has no points, got {scored} for and {allowed} against")
        if self.rest_days is not None:
            if _count("rest_days", self.rest_days) < 1:
                raise ValueError(f"rest_days must be >= 1 (1 is a back-to-back), got {self.rest_days}")
            if self.games == 0:
                raise ValueError(f"a team with no games this season has no rest days, got {self.rest_days}")
        last = team_form("last_season", self.last_season)
        if last is not None and (last.last_season is not None or last.rest_days is not None):
            raise ValueError("last_season is a whole season's form: it has no last_season or rest_days of its own")

    @property
    def games(self) -> int:
        """Games played: wins plus losses."""
        return self.wins + self.losses

    @property
    def has_points(self) -> bool:
        """Whether the points scored and allowed are known, not only the record."""
        return self.points_for is not None


def team_form(name: str, form: object) -> TeamForm | None:
    """``form`` itself, checked: TypeError unless a :class:`TeamForm` or ``None``."""
    if form is not None and not isinstance(form, TeamForm):
        raise TypeError(f"{name} must be a TeamForm or None, got {form!r}")
    return form


class GameResult(NamedTuple):
    """One finished game, as :func:`season_forms` reads it.

    Attributes:
        season: The season, any label that is the same for all of a season's games (``"2023-24"``).
        regular_season: False for the play-in and the playoffs, whose results count in no form.
        home_team: The home team's code; a team keeps its code for a whole season.
        away_team: The away team's code.
        home_points: The home team's final score, overtime included.
        away_points: The away team's final score.
        game_date: The day it was played, or ``None`` when unknown (then no rest days are known).
    """

    season: str
    regular_season: bool
    home_team: str
    away_team: str
    home_points: int
    away_points: int
    game_date: date | None = None


Totals = tuple[int, int, int, int]
"""Wins, losses, points for and points against."""


def season_forms(
    results: Iterable[GameResult], *, franchises: Mapping[str, str] | None = None
) -> list[tuple[TeamForm, TeamForm]]:
    """Each game's home and away form before it, from a season's (or many seasons') results in date order.

    Only regular-season results count. A play-in or playoff game gets each team's form at that
    point, which, with the results in date order, is its final regular-season form: the whole of
    the regular season is what is known of a team then, and a handful of games against one
    opponent would skew a point differential more than they tell.

    Each form also carries what the results tell beside it: the team's final regular-season form
    of the season before (the one whose games came before in ``results``) as ``last_season``, and,
    where the games have dates, the days since its previous game this season as ``rest_days``.

    Args:
        results: The games, in the order they were played; a game the home team did not win
            (``home_points <= away_points``) counts as its loss.
        franchises: Each team code that changed between seasons mapped to one name for its
            franchise (``{"SEA": "OKC"}``: Seattle's last season is Oklahoma City's first one's);
            a code not in it is a franchise of its own.

    Returns:
        ``(home form, away form)`` before each game, in the order of ``results``.

    Raises:
        ValueError: If a team plays twice on one day or its games' dates go backwards.
    """
    franchise = franchises or {}
    totals: dict[str, Totals] = {}
    last_played: dict[str, date] = {}
    last_seasons: dict[str, TeamForm] = {}
    season: str | None = None
    forms: list[tuple[TeamForm, TeamForm]] = []
    for game in results:
        if game.season != season:
            if season is not None:
                last_seasons = {franchise.get(team, team): TeamForm(*total) for team, total in totals.items()}
            season, totals, last_played = game.season, {}, {}
        home = totals.get(game.home_team, (0, 0, 0, 0))
        away = totals.get(game.away_team, (0, 0, 0, 0))
        forms.append(
            (
                _form_before(game.home_team, home, game.game_date, last_played, last_seasons, franchise),
                _form_before(game.away_team, away, game.game_date, last_played, last_seasons, franchise),
            )
        )
        for team in (game.home_team, game.away_team):
            if game.game_date is not None:
                last_played[team] = game.game_date
        if game.regular_season:
            home_won = int(game.home_points > game.away_points)
            totals[game.home_team] = (
                home[0] + home_won,
                home[1] + 1 - home_won,
                home[2] + game.home_points,
                home[3] + game.away_points,
            )
            totals[game.away_team] = (
                away[0] + 1 - home_won,
                away[1] + home_won,
                away[2] + game.away_points,
                away[3] + game.home_points,
            )
    return forms


def _form_before(
    team: str,
    total: Totals,
    day: date | None,
    last_played: Mapping[str, date],
    last_seasons: Mapping[str, TeamForm],
    franchise: Mapping[str, str],
) -> TeamForm:
    previous = last_played.get(team)
    rest_days = None
    if day is not None and previous is not None and total[0] + total[1] > 0:
        rest_days = (day - previous).days
        if rest_days < 1:
            raise ValueError(f"{team} plays on {day} after a game on {previous}: results must be in date order")
    return TeamForm(*total, last_season=last_seasons.get(franchise.get(team, team)), rest_days=rest_days)
