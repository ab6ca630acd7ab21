"""Finished NBA games served again as a live night, paced by when each play really happened.

An analyst's way to re-watch a game with our model: the box score and play-by-play of each
game are fetched once (:func:`fetch_finished_games`), then :class:`NbaReplaySource` reveals
the actions at their real times (``timeActual``) divided by the speed, and hands the bridge
what the scoreboard and the play-by-play would have said at that moment, so a replayed game
produces exactly the messages the live bridge would have sent.

The season's schedule, when it can be read and holds every replayed game, gives the teams' forms
before each game (their records, points and rest, as the live bridge reads them), so a replay of
this season's games predicts as the live feed did; games of an earlier season, which this season's
file does not hold, are predicted from the home edge.

Games from one night keep their tip-offs relative to each other; games from different nights
tip off together. Replay time is kept in whole milliseconds: a play is due at an integer, so
``now - start`` taken from epoch-sized floats (``(start + 0.3) - start`` is ``0.29999995``) still
reaches it, and a play revealed is never due again. Each reveal hands the bridge only what is
new, so a game of any length replays in time proportional to its plays.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from lib.feed.sources.nba.bridge import NbaBridge
from lib.feed.sources.nba.cdn import (
    SCHEDULE,
    CdnGame,
    CdnShapeError,
    PlayByPlay,
    Schedule,
    Scoreboard,
    boxscore_file,
    playbyplay_file,
)
from lib.feed.sources.nba.fetch import CdnFetcher, UpstreamFault
from lib.protocol import Game, Message

logger = logging.getLogger(__name__)

SAME_NIGHT: Final = timedelta(hours=12)
"""Games whose first plays are closer than this are one night, and keep their relative tip-offs."""


@dataclass(frozen=True, slots=True)
class FinishedGame:
    """A finished game's files: the box score (teams, tip-off, final state) and the play-by-play."""

    game: CdnGame
    plays: PlayByPlay


def fetch_finished_games(fetcher: CdnFetcher, game_ids: Iterable[str]) -> list[FinishedGame]:
    """Fetch the box score and play-by-play of each game.

    Raises:
        ValueError: A game could not be fetched, is not final, or has no plays; the message names it.
    """
    games = []
    for game_id in game_ids:
        try:
            box, pbp = boxscore_file(game_id), playbyplay_file(game_id, finished=True)
            game = box.read_measured(fetcher.get(box.path, box.limits))
            plays = pbp.read_measured(fetcher.get(pbp.path, pbp.limits))
        except (UpstreamFault, CdnShapeError) as error:
            raise ValueError(f"game {game_id}: {error} (the CDN keeps play-by-play for games since 2019-20)") from None
        if game.game_status != 3:
            raise ValueError(f"game {game_id} is not final yet: only finished games can be replayed")
        if not any(action.time_actual is not None for action in plays.actions):
            raise ValueError(f"game {game_id} has no timed plays to replay")
        games.append(FinishedGame(game, plays))
    return games


def fetch_schedule(fetcher: CdnFetcher) -> Schedule | None:
    """The season's schedule, for the replayed games' forms; ``None`` when it cannot be read (logged)."""
    try:
        return SCHEDULE.read_measured(fetcher.get(SCHEDULE.path, SCHEDULE.limits))
    except (UpstreamFault, CdnShapeError) as error:
        logger.warning("NBA %s: %s; replayed games are predicted from the home edge", SCHEDULE.path, error)
        return None


def fetch_replay(base_url: str, game_ids: Iterable[str]) -> tuple[list[FinishedGame], Schedule | None]:
    """What a replay of finished games needs from the CDN, on one connection: the games, and the season's schedule.

    Raises:
        ValueError: As :func:`fetch_finished_games`, or the base URL is not http(s).
    """
    fetcher = CdnFetcher(base_url)
    try:
        return fetch_finished_games(fetcher, game_ids), fetch_schedule(fetcher)
    finally:
        fetcher.close()


MS: Final = 1000


@dataclass(frozen=True, slots=True)
class _Schedule:
    """One game laid out in replay time: when each of its actions is due (milliseconds from the start)."""

    finished: FinishedGame
    due: tuple[int, ...]


def _first_time(finished: FinishedGame) -> datetime:
    return min(a.time_actual for a in finished.plays.actions if a.time_actual is not None)


def _schedule(games: Sequence[FinishedGame], speed: float) -> list[_Schedule]:
    firsts = [_first_time(game) for game in games]
    night = min(firsts)
    schedules = []
    for game, first in zip(games, firsts, strict=True):
        origin = night if first - night < SAME_NIGHT else first
        due, last = [], 0
        for action in game.plays.actions:
            if action.time_actual is not None:
                last = max(last, round((action.time_actual - origin).total_seconds() * MS / speed))
            due.append(last)  # an untimed action comes with the one before it
        schedules.append(_Schedule(game, tuple(due)))
    return schedules


class NbaReplaySource:
    """Finished games as a live night, for the feed server.

    Args:
        games: The games, e.g. from :func:`fetch_finished_games`.
        speed: How much faster than real time: 2 plays a game in half its real duration.
        start: When (epoch seconds) the replay starts; ``None``: at the first :meth:`advance`.
        bridge: The bridge that turns the revealed plays into messages (a new one by default).
        schedule: The season's schedule (:func:`fetch_schedule`): the teams' forms before each game,
            used only when it holds every game replayed.

    Raises:
        ValueError: If there are no games or ``speed`` is not a positive finite number.
    """

    name = "nba-replay"

    def __init__(
        self,
        games: Sequence[FinishedGame],
        *,
        speed: float = 1.0,
        start: float | None = None,
        bridge: NbaBridge | None = None,
        schedule: Schedule | None = None,
    ) -> None:
        if not games:
            raise ValueError("no games to replay")
        if not (math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number, got {speed}")
        self._schedules = _schedule(games, speed)
        self._start = start
        self._bridge = bridge or NbaBridge()
        self._date = _first_time(games[0]).date()
        self._elapsed = -1
        """Replay milliseconds revealed so far; time never runs back."""
        self._shown = [0] * len(self._schedules)
        """Actions of each game handed to the bridge so far."""
        self._season = _holding(schedule, [game.game.game_id for game in games])
        """The schedule for the bridge's first update, then ``None``: it is read once."""

    @property
    def games(self) -> list[Game]:
        """Every game of the replay, as last sent."""
        return self._bridge.games

    def next_due(self) -> float | None:
        """When the next play is revealed; ``None`` before the start and once every play is out."""
        if self._start is None:
            return None
        pending = []
        for schedule in self._schedules:
            shown = bisect.bisect_right(schedule.due, self._elapsed)
            if shown < len(schedule.due):
                pending.append(schedule.due[shown])
        return self._start + min(pending) / MS if pending else None

    def status(self) -> None:
        """``None``: the files were fetched once, before the replay started."""

    def close(self) -> None:
        """Nothing to release: the files were fetched before the replay started."""

    def advance(self, now: float) -> list[Message]:
        """Reveal every play due by ``now``; the messages the live bridge would have sent."""
        if self._start is None:
            self._start = now
        # Rounded, not truncated: a play due at start + d/1000 is revealed at exactly that time.
        self._elapsed = max(self._elapsed, round((now - self._start) * MS))
        states, plays = [], {}
        for index, schedule in enumerate(self._schedules):
            shown = bisect.bisect_right(schedule.due, self._elapsed)
            states.append(self._state(schedule, shown))
            if shown:
                game_id = schedule.finished.game.game_id
                actions = schedule.finished.plays.actions[:shown]
                plays[game_id] = PlayByPlay(game_id, actions, 0, known=self._shown[index])
            self._shown[index] = shown
        season, self._season = self._season, None
        return self._bridge.update(Scoreboard(self._date, tuple(states), 0), plays, schedule=season).messages

    def _state(self, schedule: _Schedule, shown: int) -> CdnGame:
        """The scoreboard entry of a game with its first ``shown`` plays revealed."""
        box = schedule.finished.game
        tip_off = datetime.fromtimestamp((self._start or 0.0) + schedule.due[0] / MS, tz=UTC)
        if shown == 0:
            return box.model_copy(update={"game_status": 1, "period": 0, "game_clock": "", "game_time_utc": tip_off})
        actions = schedule.finished.plays.actions
        last = actions[shown - 1]
        done = shown == len(actions)
        update = {
            "game_status": 3 if done else 2,
            "period": last.period,
            "game_clock": last.clock,
            "game_time_utc": tip_off,
            "home_team": box.home_team.model_copy(update={"score": last.score_home}),
            "away_team": box.away_team.model_copy(update={"score": last.score_away}),
        }
        return box.model_copy(update=update)


def _holding(schedule: Schedule | None, game_ids: Sequence[str]) -> Schedule | None:
    """``schedule`` if it holds every game: a game it lacks (another season's) would be given this season's forms."""
    if schedule is None:
        return None
    listed = {game.game_id for game in schedule.games}
    missing = [game_id for game_id in game_ids if game_id not in listed]
    if missing:
        logger.info("the season's schedule lacks %s: replayed games are predicted from the home edge", missing)
        return None
    return schedule
