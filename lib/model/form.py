"""A team's form this season before a game: its record and, where known, its points scored and allowed.

This module is pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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

    Attributes:
        wins: Games won, 0 or more.
        losses: Games lost, 0 or more.
        points_for: Points scored in those games, or ``None`` when only the record is known.
        points_against: Points allowed in those games; given exactly when ``points_for`` is.

    Raises:
        TypeError: If a count is not an int, or a points total not a number.
        ValueError: If a count or total is negative or not finite, only one of the points totals
            is given, or a team with no games has points.
    """

    wins: int
    losses: int
    points_for: float | None = None
    points_against: float | None = None

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
    """

    season: str
    regular_season: bool
    home_team: str
    away_team: str
    home_points: int
    away_points: int


def season_forms(results: Iterable[GameResult]) -> list[tuple[TeamForm, TeamForm]]:
    """Each game's home and away form before it, from a season's (or many seasons') results in date order.

    Only regular-season results count. A play-in or playoff game gets each team's form at that
    point, which, with the results in date order, is its final regular-season form: the whole of
    the regular season is what is known of a team then, and a handful of games against one
    opponent would skew a point differential more than they tell.

    Args:
        results: The games, in the order they were played; a game the home team did not win
            (``home_points <= away_points``) counts as its loss.

    Returns:
        ``(home form, away form)`` before each game, in the order of ``results``.
    """
    totals: dict[tuple[str, str], tuple[int, int, int, int]] = {}
    forms: list[tuple[TeamForm, TeamForm]] = []
    for game in results:
        home_key = (game.season, game.home_team)
        away_key = (game.season, game.away_team)
        home = totals.get(home_key, (0, 0, 0, 0))
        away = totals.get(away_key, (0, 0, 0, 0))
        forms.append((TeamForm(*home), TeamForm(*away)))
        if game.regular_season:
            home_won = int(game.home_points > game.away_points)
            totals[home_key] = (
                home[0] + home_won,
                home[1] + 1 - home_won,
                home[2] + game.home_points,
                home[3] + game.away_points,
            )
            totals[away_key] = (
                away[0] + 1 - home_won,
                away[1] + home_won,
                away[2] + game.away_points,
                away[3] + game.home_points,
            )
    return forms
