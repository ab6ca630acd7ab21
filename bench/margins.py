"""Read the real games' margins file into the arrays the win-probability model is fitted and judged on.

``shared/data/nba_margins.csv.gz`` (next to the repository; its README says everything) holds the
home margin of 35,381 games at 43 moments of regulation, a moment left out when the margin did
not change: carried forward here. Each game's teams get their form before it
(:func:`lib.model.season_forms`: regular-season results in date order; the play-in and playoffs
the final regular-season form), their last season's and their rest days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from lib.model import GameResult, TeamForm, season_forms

MARGINS_CSV: Final = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "nba_margins.csv.gz"

MOMENTS: Final = np.array([2880, 2160, *range(2100, 0, -60), 45, 30, 15, 10, 5, 0], dtype=np.float64)
"""The file's moments, in seconds left in regulation: tip-off, the end of the first quarter, every
minute of the last 36, then 45, 30, 15, 10 and 5 seconds and the end of regulation."""

IN_PLAY: Final = len(MOMENTS) - 1
"""The moments of a game in play, tip-off to 5 s left: the end of regulation is a result or an overtime."""

FRANCHISES: Final = {"VAN": "MEM", "CHH": "NOP", "NOH": "NOP", "NOK": "NOP", "SEA": "OKC", "NJN": "BKN"}
"""The file's team codes that changed between seasons, each mapped to its franchise's code now: the
Grizzlies left Vancouver in 2001, the Hornets Charlotte in 2002 (New Orleans; Oklahoma City for
two seasons after Katrina), the SuperSonics Seattle in 2008, the Nets New Jersey in 2012. The
Bobcats of 2004 (``CHA``) were a new team."""

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Margins:
    """Every game of the file, one row per game in date order.

    Attributes:
        game_id: NBA.com ids.
        season: The year a season starts in (2023 for 2023-24).
        day: The date it was played, as a day number (:meth:`datetime.date.toordinal`).
        teams: The home and away team codes, games by 2.
        regular: True for regular-season games.
        home_final: The home team's final score, overtime included.
        away_final: The away team's.
        lead: The home margin at each of :data:`MOMENTS`, games by moments.
        wins: Home then away wins before the game, games by 2; losses, points_for and points_against alike.
        last_wins: Home then away wins in the last regular season, games by 2; -1 when the team is new
            (or the season is the file's first); last_losses alike.
        rest_days: Home then away days since the team's previous game this season; 0 for its first.
    """

    game_id: npt.NDArray[np.str_]
    season: Ints
    day: Ints
    teams: npt.NDArray[np.str_]
    regular: Bools
    home_final: Ints
    away_final: Ints
    lead: Floats
    wins: Ints
    losses: Ints
    points_for: Ints
    points_against: Ints
    last_wins: Ints
    last_losses: Ints
    rest_days: Ints

    @property
    def outcome(self) -> Ints:
        """1 where the home team won."""
        return (self.home_final > self.away_final).astype(np.int64)

    @property
    def overtime(self) -> Bools:
        """Games tied at the end of regulation."""
        return np.asarray(self.lead[:, -1] == 0, dtype=np.bool_)

    def forms(
        self, game: int, *, points: bool, last_season: bool = False, rest: bool = False
    ) -> tuple[TeamForm, TeamForm]:
        """The home and away form before ``game``, with their points or as records only, with what else is asked."""
        return tuple(self._form(game, side, points, last_season, rest) for side in (0, 1))  # type: ignore[return-value]

    def _form(self, game: int, side: int, points: bool, last_season: bool, rest: bool) -> TeamForm:
        wins, losses = int(self.wins[game, side]), int(self.losses[game, side])
        last = None
        if last_season and self.last_wins[game, side] >= 0:
            last = TeamForm(int(self.last_wins[game, side]), int(self.last_losses[game, side]))
        rest_days = int(self.rest_days[game, side]) if rest and self.rest_days[game, side] > 0 else None
        if not points:
            return TeamForm(wins, losses, last_season=last, rest_days=rest_days)
        scored, allowed = int(self.points_for[game, side]), int(self.points_against[game, side])
        return TeamForm(wins, losses, scored, allowed, last_season=last, rest_days=rest_days)


def load_margins(path: Path = MARGINS_CSV) -> Margins:
    """Read the file, carry each game's margin forward to every moment, and work out the forms.

    Raises:
        FileNotFoundError: If the file is absent.
    """
    if not path.is_file():
        raise FileNotFoundError(f"The real NBA margins are absent: {path} (see shared/data/nba_margins.README.md)")
    rows = pd.read_csv(path, dtype={"game_id": str})
    games = rows.drop_duplicates("game_id")
    index = pd.Index(games.game_id)
    lead = np.full((len(games), len(MOMENTS)), np.nan)
    moment = pd.Index(MOMENTS.astype(np.int64))
    lead[index.get_indexer(pd.Index(rows.game_id)), moment.get_indexer(pd.Index(rows.seconds_left))] = (
        rows.home_margin.to_numpy()
    )
    lead = pd.DataFrame(lead).ffill(axis=1).to_numpy(dtype=np.float64)
    regular = (games.season_type == "Regular Season").to_numpy()
    results = [
        GameResult(season, bool(is_regular), home, away, int(home_points), int(away_points), date.fromisoformat(day))
        for season, is_regular, home, away, home_points, away_points, day in zip(
            games.season,
            regular,
            games.home_team,
            games.away_team,
            games.home_final,
            games.away_final,
            games.game_date,
            strict=True,
        )
    ]
    forms = season_forms(results, franchises=FRANCHISES)

    def both(field: str) -> Ints:
        return np.array(
            [[getattr(home, field) or 0, getattr(away, field) or 0] for home, away in forms], dtype=np.int64
        )

    def last(field: str) -> Ints:
        return np.array(
            [[-1 if form.last_season is None else getattr(form.last_season, field) for form in pair] for pair in forms],
            dtype=np.int64,
        )

    return Margins(
        game_id=games.game_id.to_numpy(dtype=np.str_),
        season=np.asarray(games.season.str[:4].astype(int).to_numpy(), dtype=np.int64),
        day=np.array([date.fromisoformat(day).toordinal() for day in games.game_date], dtype=np.int64),
        teams=np.column_stack([games.home_team.to_numpy(dtype=np.str_), games.away_team.to_numpy(dtype=np.str_)]),
        regular=regular,
        home_final=games.home_final.to_numpy(dtype=np.int64),
        away_final=games.away_final.to_numpy(dtype=np.int64),
        lead=lead,
        wins=both("wins"),
        losses=both("losses"),
        points_for=both("points_for"),
        points_against=both("points_against"),
        last_wins=last("wins"),
        last_losses=last("losses"),
        rest_days=both("rest_days"),
    )
