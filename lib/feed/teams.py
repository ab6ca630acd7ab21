"""The thirty NBA teams by strength: the pregame margin between any two, the season form a rating makes. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

from lib.model import SHIPPED, TeamForm


@dataclass(frozen=True, slots=True)
class Team:
    """An NBA team and its strength.

    Attributes:
        tricode: The NBA three-letter code.
        name: The full name, as the dashboard shows it.
        rating: Points per game better than an average team, on a neutral floor.
    """

    tricode: str
    name: str
    rating: float


# Roughly each team's 2024-25 point differential per game, shifted to average zero.
TEAMS: Final[tuple[Team, ...]] = (
    Team("ATL", "Atlanta Hawks", -1.3),
    Team("BOS", "Boston Celtics", 9.1),
    Team("BKN", "Brooklyn Nets", -7.7),
    Team("CHA", "Charlotte Hornets", -9.1),
    Team("CHI", "Chicago Bulls", -1.5),
    Team("CLE", "Cleveland Cavaliers", 9.5),
    Team("DAL", "Dallas Mavericks", -0.8),
    Team("DEN", "Denver Nuggets", 3.9),
    Team("DET", "Detroit Pistons", 2.9),
    Team("GSW", "Golden State Warriors", 2.6),
    Team("HOU", "Houston Rockets", 4.6),
    Team("IND", "Indiana Pacers", 2.1),
    Team("LAC", "LA Clippers", 3.6),
    Team("LAL", "Los Angeles Lakers", 0.9),
    Team("MEM", "Memphis Grizzlies", 4.9),
    Team("MIA", "Miami Heat", 0.3),
    Team("MIL", "Milwaukee Bucks", 1.5),
    Team("MIN", "Minnesota Timberwolves", 4.9),
    Team("NOP", "New Orleans Pelicans", -8.4),
    Team("NYK", "New York Knicks", 4.4),
    Team("OKC", "Oklahoma City Thunder", 12.9),
    Team("ORL", "Orlando Magic", -0.4),
    Team("PHI", "Philadelphia 76ers", -5.5),
    Team("PHX", "Phoenix Suns", -2.4),
    Team("POR", "Portland Trail Blazers", -2.6),
    Team("SAC", "Sacramento Kings", 0.1),
    Team("SAS", "San Antonio Spurs", -2.4),
    Team("TOR", "Toronto Raptors", -4.5),
    Team("UTA", "Utah Jazz", -9.7),
    Team("WAS", "Washington Wizards", -11.9),
)

HOME_ADVANTAGE: Final = 1.7
"""Points the home team gains; with the ratings' spread it gives 2024-25's home win rate."""

_BY_TRICODE: Final = {team.tricode: team for team in TEAMS}


def team_for(tricode: str) -> Team:
    """The team with a tricode, from :data:`TEAMS`.

    Args:
        tricode: An NBA three-letter code, as in the real games' file.

    Returns:
        The team; a code not in :data:`TEAMS` gives a team named by the code itself and rated
        as an average team (zero), so a game between two unknowns starts from the home
        advantage alone.
    """
    return _BY_TRICODE.get(tricode) or Team(tricode, tricode, 0.0)


def pregame_margin(home: Team, away: Team) -> float:
    """The expected final home margin of a game between two teams.

    Args:
        home: The home team.
        away: The visiting team.

    Returns:
        The margin in points, the ``mu`` of the win-probability model.
    """
    return home.rating - away.rating + HOME_ADVANTAGE


SEASON_GAMES: Final = 82
"""Games in an NBA regular season."""


def season_form(team: Team, games: int) -> TeamForm:
    """A team's form after ``games`` games of a season that went exactly as its rating says.

    Its win share is its chance of beating an average team on a neutral floor under the shipped
    model's spread (:data:`lib.model.SHIPPED`: a rating of 9.1 points wins about 79 % of its
    games), rounded to whole games; it scores and allows the league's average points a game, each
    moved by half its rating, so its point differential per game is its rating. A better-rated team
    therefore has at least as good a record, and a better differential, after as many games.

    Args:
        team: The team.
        games: Games played so far this season, 0 to :data:`SEASON_GAMES`.

    Returns:
        Its record and points.

    Raises:
        ValueError: If ``games`` is out of range.
    """
    if not 0 <= games <= SEASON_GAMES:
        raise ValueError(f"games must be 0-{SEASON_GAMES}, got {games}")
    wins = round(games * NormalDist(0.0, SHIPPED.sigma).cdf(team.rating))
    per_game = SHIPPED.expected_total / 2
    return TeamForm(
        wins,
        games - wins,
        float(round(games * (per_game + team.rating / 2))),
        float(round(games * (per_game - team.rating / 2))),
    )
