"""Tonight's real NBA games as a feed source: the NBA's live files, polled, through the bridge.

The I/O shell around :class:`~lib.feed.sources.nba.bridge.NbaBridge`: each poll fetches the
scoreboard, the play-by-play of every game in progress (several at once), a box score for a
game in progress that the scoreboard lost, and now and then the odds; then the bridge says
what changed. Polls happen here, once per interval, whoever is connected: a hundred clients
of the feed server cost the NBA what one does.

Upstream faults stay here. A failed scoreboard keeps the last good state, is counted by kind
and is retried with backoff; a failed play-by-play leaves that game to the scoreboard for
the poll. Nothing a fault does reaches a client except the source's health report.

Once an hour (and at the first poll) the season's schedule is fetched too, for the teams' points
this season; if it cannot be had, the teams' records alone go into the predictions until the
next hour's try.

A poll is bounded in time: the scoreboard has the request timeout, the hourly schedule one of its
own, and all the other files of the poll share one more, so a slow or trickling CDN delays a poll
by at most three times the timeout.
Files are fetched several at once but parsed one at a time: parsing is CPU under Python's lock
anyway, and one file's objects at a time is the most a poll holds in memory besides the bodies.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, TypeVar

from lib.feed.sources.nba import DEFAULT_BASE_URL, DEFAULT_POLL, MIN_POLL
from lib.feed.sources.nba.bridge import NbaBridge
from lib.feed.sources.nba.cdn import (
    SCHEDULE,
    SCOREBOARD,
    CdnFile,
    CdnShapeError,
    boxscore_file,
    odds_file,
    playbyplay_file,
)
from lib.feed.sources.nba.fetch import CdnFetcher, UpstreamFault
from lib.feed.sources.nba.health import DEFAULT_BACKOFF_CAP, UpstreamHealth
from lib.model import home_spread_from_chance
from lib.protocol import Game, Message, SourceStatus

logger = logging.getLogger(__name__)

ODDS_EVERY: Final = 60.0
"""Seconds between fetches of the odds file, while a game waits for its pregame line."""
SCHEDULE_EVERY: Final = 3600.0
"""Seconds between fetches of the season's schedule (a few MB, changed once a game ends): at the
first poll, then hourly, whether or not the last fetch worked."""
MISSING_FOR: Final = 20 * 60.0
"""Seconds a game in progress that the scoreboard lost may go without a change before it is dropped."""
_PARALLEL: Final = 4

_T = TypeVar("_T")


class NbaSource:
    """The NBA's live data as a :class:`~lib.feed.server.Source` for the feed server.

    Args:
        base_url: The live-data root (the CDN's by default; a local stand-in in tests).
        poll: Seconds between polls, at least :data:`MIN_POLL`.
        backoff_cap: Longest wait between polls after failures.
        timeout: Seconds allowed for each whole request (the poll, 5 s at most, by default).
        bridge: The bridge to feed (by default a new one, dropping a lost game after
            :data:`MISSING_FOR` seconds without a change).
        rng: Randomness for the backoff jitter.

    Raises:
        ValueError: If ``poll`` is below :data:`MIN_POLL` or the URL is not http(s).
    """

    name = "nba"

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        poll: float = DEFAULT_POLL,
        backoff_cap: float = DEFAULT_BACKOFF_CAP,
        timeout: float | None = None,
        bridge: NbaBridge | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not poll >= MIN_POLL or poll == float("inf"):
            raise ValueError(f"poll must be at least {MIN_POLL:g} s, got {poll}")
        # A request may take most of a poll, never more: the next poll should not queue behind it.
        self._timeout = timeout or min(poll, 5.0)
        self.fetcher = CdnFetcher(base_url, timeout=self._timeout)
        self.health = UpstreamHealth(self.name, poll, backoff_cap=backoff_cap, rng=rng)
        self.bridge = bridge or NbaBridge(missing_polls=math.ceil(MISSING_FOR / poll))
        self._parsing = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._due: float | None = None
        self._odds_at = float("-inf")
        self._schedule_at = float("-inf")

    @property
    def games(self) -> list[Game]:
        """Every game the bridge holds; the server forgets the others (the date rolled over)."""
        return self.bridge.games

    def next_due(self) -> float | None:
        """When the next poll is due; ``None`` before the first."""
        return self._due

    def status(self) -> SourceStatus:
        """The upstream's health."""
        return self.health.status()

    def close(self) -> None:
        """Stop the fetch threads and close the connections; polling again opens them anew."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        self.fetcher.close()

    def advance(self, now: float) -> list[Message]:
        """Poll the NBA if a poll is due; what changed. Blocks for the requests (the server calls it off its loop)."""
        if self._due is not None and now < self._due:
            return []
        try:
            board = self._read(SCOREBOARD, None)
        except (UpstreamFault, CdnShapeError) as fault:
            kind, words = _fault(fault)
            logger.warning("NBA scoreboard: %s; keeping the last good state", words)
            self._due = self.health.failed(kind, words, now)
            return []
        schedule, schedule_throttled = None, False
        if now - self._schedule_at >= SCHEDULE_EVERY:
            # Its own timeout: a file of a few MB, fetched once an hour, should not starve the poll's others.
            self._schedule_at = now
            schedule, schedule_throttled = self._fetch_one(SCHEDULE, time.monotonic() + self._timeout)
        wanted = self.bridge.wanted(board)
        deadline = time.monotonic() + self._timeout  # the rest of the poll's files share one timeout
        throttled = False
        odds = None
        if wanted.odds and now - self._odds_at >= ODDS_EVERY:
            self._odds_at = now
            odds, throttled = self._fetch_one(odds_file(home_spread_from_chance), deadline)
        plays, plays_throttled = self._fetch_many(wanted.playbyplay, playbyplay_file, deadline)
        boxes, boxes_throttled = self._fetch_many(wanted.boxscore, boxscore_file, deadline)
        update = self.bridge.update(board, plays, boxes, odds, schedule)
        for kind, times in update.anomalies.items():
            self.health.count(kind, times)
        self._due = self.health.succeeded(now)
        if throttled or plays_throttled or boxes_throttled or schedule_throttled:
            self._due = self.health.throttled(now)
        return update.messages

    def _read(self, file: CdnFile[_T], deadline: float | None) -> _T:
        """One file, fetched then parsed while no other file is."""
        body = self.fetcher.get(file.path, file.limits, deadline=deadline)
        with self._parsing:
            return file.read_measured(body)

    def _fetch_one(self, file: CdnFile[_T], deadline: float) -> tuple[_T | None, bool]:
        """One file, parsed; ``(None, throttled)`` when it failed (counted, not fatal)."""
        try:
            return self._read(file, deadline), False
        except (UpstreamFault, CdnShapeError) as fault:
            kind, words = _fault(fault)
            self.health.count(kind)
            logger.info("NBA %s: %s", file.path, words)
            return None, isinstance(fault, UpstreamFault) and fault.throttling

    def _fetch_many(
        self, game_ids: tuple[str, ...], file: Callable[[str], CdnFile[_T]], deadline: float
    ) -> tuple[dict[str, _T], bool]:
        """One file per game, fetched at once; the games whose file came, and whether any was throttled."""
        if not game_ids:
            return {}, False
        if self._pool is None:
            self._pool = ThreadPoolExecutor(_PARALLEL, thread_name_prefix="nba-fetch")
        results = list(self._pool.map(lambda game_id: self._fetch_one(file(game_id), deadline), game_ids))
        fetched = {game_id: value for game_id, (value, _) in zip(game_ids, results, strict=True) if value is not None}
        return fetched, any(throttled for _, throttled in results)


def _fault(fault: UpstreamFault | CdnShapeError) -> tuple[str, str]:
    if isinstance(fault, UpstreamFault):
        return fault.kind, fault.words
    if fault.kind == "invalid_shape":
        return fault.kind, f"an answer of the wrong shape ({fault})"[:200]
    return fault.kind, str(fault)[:200]
