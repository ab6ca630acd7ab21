"""Read the real games' margins file into the arrays the win-probability model is fitted and judged on.

``shared/data/nba_margins.csv.gz`` (next to the repository; its README says everything) holds the
home margin of 35,381 games at 43 moments of regulation, a moment left out when the margin did
not change: carried forward here. Each game's teams get their form before it
(:func:`lib.model.season_forms`: regular-season results in date order; the play-in and playoffs
the final regular-season form).
"""

from __future__ import annotations

from dataclasses import dataclass
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

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Margins:
    """Every game of the file, one row per game in date order.

    Attributes:
        game_id: NBA.com ids.
        season: The year a season starts in (2023 for 2023-24).
        regular: True for regular-season games.
        home_final: The home team's final score, overtime included.
        away_final: The away team's.
        lead: The home margin at each of :data:`MOMENTS`, games by moments.
        wins: Home then away wins before the game, games by 2; losses, points_for and points_against alike.
    """

    game_id: npt.NDArray[np.str_]
    season: Ints
    regular: Bools
    home_final: Ints
    away_final: Ints
    lead: Floats
    wins: Ints
    losses: Ints
    points_for: Ints
    points_against: Ints

    @property
    def outcome(self) -> Ints:
        """1 where the home team won."""
        return (self.home_final > self.away_final).astype(np.int64)

    @property
    def overtime(self) -> Bools:
        """Games tied at the end of regulation."""
        return np.asarray(self.lead[:, -1] == 0, dtype=np.bool_)

    def forms(self, game: int, *, points: bool) -> tuple[TeamForm, TeamForm]:
        """The home and away form before ``game``, with their points or as records only."""
        return (self._form(game, 0, points), self._form(game, 1, points))

    def _form(self, game: int, side: int, points: bool) -> TeamForm:
        wins, losses = int(self.wins[game, side]), int(self.losses[game, side])
        if not points:
            return TeamForm(wins, losses)
        return TeamForm(wins, losses, int(self.points_for[game, side]), int(self.points_against[game, side]))


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
        GameResult(season, bool(is_regular), home, away, int(home_points), int(away_points))
        for season, is_regular, home, away, home_points, away_points in zip(
            games.season, regular, games.home_team, games.away_team, games.home_final, games.away_final, strict=True
        )
    ]
    forms = season_forms(results)

    def both(field: str) -> Ints:
        return np.array(
            [[getattr(home, field) or 0, getattr(away, field) or 0] for home, away in forms], dtype=np.int64
        )

    return Margins(
        game_id=games.game_id.to_numpy(dtype=np.str_),
        season=np.asarray(games.season.str[:4].astype(int).to_numpy(), dtype=np.int64),
        regular=regular,
        home_final=games.home_final.to_numpy(dtype=np.int64),
        away_final=games.away_final.to_numpy(dtype=np.int64),
        lead=lead,
        wins=both("wins"),
        losses=both("losses"),
        points_for=both("points_for"),
        points_against=both("points_against"),
    )
