"""Win probability added: how much each play, player and team moved a game's home win probability.

A play's ``home_wp_change`` is the home win probability after it minus that after the play
before it, in game order; its ``wpa`` is that change from the side of the play's team (positive:
it helped them). A player's WPA in a game is the sum of his plays' ``wpa``, a team's the sum of
its plays'. The time that runs between two plays counts in the second.

The first play of a game, at the start of period 1 (``12:00``, 0-0), carries the pregame
probability (:class:`lib.protocol.Play`): its change is 0, so over a whole game the changes add up
to the result (the last play's probability: 1 or 0 once the game is over) minus the pregame
probability. A game whose first play known is later (joined after its tip-off, or its earliest
plays dropped at the store's bound) is *partial*: its first play's change is unknown (``None``),
and its figures run from there.

Pure: plain sequences in, frozen records out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

from lib.protocol import PERIOD_SECONDS, clock_seconds
from lib.store import PlayRecord


class PlayWpa(NamedTuple):
    """One play with its win probability added.

    Attributes:
        home_wp_change: The home win probability after the play minus after the play before; 0 for
            a game's first play at its start; ``None`` for the first play known of a partial game.
        wpa: ``home_wp_change`` from the side of the play's team; ``None`` for a play of neither
            team (or of a team the game does not name) and where the change is unknown.
    """

    game_id: str
    play_id: int
    period: int
    clock: str
    team: str | None
    player: str | None
    description: str | None
    kind: str | None
    home_score: int
    away_score: int
    home_win_probability: float
    home_wp_change: float | None
    wpa: float | None


PLAY_COLUMNS: Final = PlayWpa._fields
"""A play's columns in ``LiveFeed.plays()`` and the archive's ``plays`` view."""


class PlayerWpa(NamedTuple):
    """A player's win probability added in one game: the sum of his plays' ``wpa`` (``plays`` of them)."""

    game_id: str
    team: str
    player: str
    plays: int
    wpa: float


PLAYER_COLUMNS: Final = PlayerWpa._fields
"""A player's columns in ``LiveFeed.player_wpa()`` and the archive's ``player_wpa`` view."""


class TeamWpa(NamedTuple):
    """A team's win probability added in one game: the sum of its plays' ``wpa`` (``plays`` of them)."""

    game_id: str
    team: str
    plays: int
    wpa: float


@dataclass(frozen=True, slots=True)
class GameWpa:
    """A game's plays with their win probability added, and its players' and teams'.

    Attributes:
        game_id: The game.
        home_team: Its home team, as the game names it.
        away_team: Its away team.
        plays: The plays in game order.
        players: Each player's WPA, the most first.
        teams: Each team's WPA, home first.
        partial: Whether the first play known is after the game's start, so the figures miss it.
        known_from_period: For a partial game, the period of its first play known; ``None`` otherwise.
        known_from_clock: Its clock; ``None`` otherwise.
    """

    game_id: str
    home_team: str
    away_team: str
    plays: tuple[PlayWpa, ...]
    players: tuple[PlayerWpa, ...]
    teams: tuple[TeamWpa, ...]
    partial: bool
    known_from_period: int | None = None
    known_from_clock: str | None = None

    @property
    def pregame(self) -> float | None:
        """The pregame home win probability: the first play's, for a game known from its start."""
        return None if self.partial or not self.plays else self.plays[0].home_win_probability

    def biggest(self, count: int) -> tuple[PlayWpa, ...]:
        """The game's key moments: :func:`biggest_plays` of this game."""
        return biggest_plays([self], count)


def biggest_plays(games: Iterable[GameWpa], count: int) -> tuple[PlayWpa, ...]:
    """The ``count`` plays of a team that moved the win probability most, for them or against them, biggest first.

    Plays of neither team (a period's end, in which only time passed) are not moments of anyone's;
    ties keep game order, the games in the order given.
    """
    moved = [play for game in games for play in game.plays if play.wpa]
    moved.sort(key=lambda play: -abs(play.wpa or 0.0))
    return tuple(moved[:count])


def at_start(play: PlayRecord) -> bool:
    """Whether a play is at the game's start: period 1, ``12:00``, 0-0, where the pregame probability stands."""
    return (
        play.period == 1
        and play.home_score == 0
        and play.away_score == 0
        and clock_seconds(play.clock) == PERIOD_SECONDS
    )


def game_wpa(game_id: str, home_team: str, away_team: str, plays: Sequence[PlayRecord]) -> GameWpa:
    """Each play's change in the home win probability and WPA, and the players' and teams' sums.

    Args:
        game_id: The game.
        home_team: Its home team, as the plays name it.
        away_team: Its away team.
        plays: The game's plays in game order (as :meth:`lib.store.Store.plays` gives them).

    Returns:
        The game's win probability added.
    """
    new = tuple.__new__  # a named tuple's own constructor is a Python call per play
    rows: list[PlayWpa] = []
    previous: float | None = None
    partial = bool(plays) and not at_start(plays[0])
    if plays and not partial:
        previous = plays[0].home_win_probability
    for play in plays:
        probability = play.home_win_probability
        change = None if previous is None else probability - previous
        previous = probability
        team = play.team
        if change is None or team is None:
            wpa = None
        elif team == home_team:
            wpa = change
        elif team == away_team:
            wpa = -change
        else:
            wpa = None
        rows.append(
            new(
                PlayWpa,
                (
                    play.game_id,
                    play.play_id,
                    play.period,
                    play.clock,
                    team,
                    play.player,
                    play.description,
                    play.kind,
                    play.home_score,
                    play.away_score,
                    probability,
                    change,
                    wpa,
                ),
            )
        )
    first = plays[0] if partial else None
    return GameWpa(
        game_id,
        home_team,
        away_team,
        tuple(rows),
        player_wpa(rows),
        team_wpa(game_id, rows, home_team, away_team),
        partial,
        None if first is None else first.period,
        None if first is None else first.clock,
    )


def player_wpa(plays: Iterable[PlayWpa]) -> tuple[PlayerWpa, ...]:
    """Each player's WPA from his plays with a team, the most first (ties by name).

    A player's plays are those that name him and his team; one whose change is unknown (the first
    play of a partial game) counts as a play and adds nothing.
    """
    sums: dict[tuple[str, str, str], list[float]] = {}
    for play in plays:
        if play.player is None or play.team is None:
            continue
        total = sums.setdefault((play.game_id, play.team, play.player), [0, 0.0])
        total[0] += 1
        total[1] += play.wpa or 0.0
    players = [PlayerWpa(*key, int(count), wpa) for key, (count, wpa) in sums.items()]
    players.sort(key=lambda row: (row.game_id, -row.wpa, row.player))
    return tuple(players)


def team_wpa(game_id: str, plays: Iterable[PlayWpa], home_team: str, away_team: str) -> tuple[TeamWpa, ...]:
    """The two teams' WPA in a game from their plays (those of a player and those of the team alone), home first."""
    counts = {home_team: 0, away_team: 0}
    sums = {home_team: 0.0, away_team: 0.0}
    for play in plays:
        if play.team in counts:
            counts[play.team] += 1
            sums[play.team] += play.wpa or 0.0
    return tuple(TeamWpa(game_id, team, counts[team], sums[team]) for team in (home_team, away_team))
