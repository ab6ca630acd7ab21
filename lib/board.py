"""What every viewer's live tab shows, built once per snapshot and shared by every session.

Fifty viewers refreshing every second used to build fifty copies of the same cards, tables and
charts a second from fifty snapshots of the same store (and Streamlit converted each table to
Arrow fifty times). A :class:`BoardCache` builds one :class:`Board` per change of the store
(at most every :data:`MIN_AGE` seconds, and again every :data:`MAX_AGE` seconds for what
depends on the clock); each viewer's variant (sort, team filter, finished games, time zone)
is built once per board too. Tables are Arrow tables, which Streamlit sends as they are.

The plays go the same way: a game's win probability added, its share of tonight's biggest plays
and what Game detail shows of it are worked out once per change of that game's plays (the store
hands out the same tuple until then), whichever viewers look and however often the board is built;
every game's figures for Game detail once per board.

The board holds plain data, as the rendering helpers in :mod:`lib.views` take it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from typing import Any, Final

import pandas as pd
import pyarrow as pa

from lib.analytics.game import GameSummary
from lib.analytics.plays import GameWpa, game_wpa
from lib.analytics.report import Histories, game_summaries
from lib.status import FeedStatus
from lib.store import GameRecord, PlayRecord, Snapshot
from lib.views.cards import cards_html
from lib.views.events import event_log_table
from lib.views.format import (
    CardData,
    Connection,
    SortKey,
    board_note,
    build_cards,
    connection_indicator,
    sort_cards,
)
from lib.views.latency import LatencyFigures, latency_figures, percentiles
from lib.views.plays import Candidate, PlaysView, candidates, plays_view, tonights_biggest, tonights_biggest_html
from lib.views.predictions import predictions_table

MIN_AGE: Final = 0.1
"""Seconds a board is reused however the store changed: a burst of the feed's messages is one board."""
MAX_AGE: Final = 1.0
"""Seconds a board is reused while the store is unchanged: "updated 3 s ago" and the like move on."""
VARIANTS: Final = 32
"""Viewers' variants of one board kept at most (sort, team filter, finished games, time zone)."""


def arrow(frame: pd.DataFrame) -> Any:
    """A DataFrame as the Arrow table Streamlit would make of it on every render (made once here)."""
    return pa.Table.from_pandas(frame, preserve_index=False)


@dataclass(frozen=True)
class LiveView:
    """One viewer's variant of the board: their cards in their order, in their time zone.

    Attributes:
        cards: The cards shown, in order.
        grid_html: The cards as one HTML block (``None`` when no card matches).
        note: What the board says when no game is on (``None`` while one is).
        predictions: The predictions table, as an Arrow table.
    """

    cards: list[CardData]
    grid_html: str | None
    note: str | None
    predictions: Any


GamePlaysReader = Callable[[], Mapping[str, Sequence[PlayRecord]]]
"""Reads every game's plays in game order, a game's the same sequence object until they change."""
HistoriesReader = Callable[[], Histories]
"""Reads every game's score changes and predictions, in the order received."""


class GamePlays:
    """One game's plays worked out: their win probability added, its share of tonight's biggest, what Game
    detail shows (built when a viewer first asks); kept while the game's plays, teams and status are the same.

    Args:
        records: The game's plays, as the store holds them.
        game: The game's latest state.
    """

    def __init__(self, records: Sequence[PlayRecord], game: GameRecord) -> None:
        state = game.game
        self.records = records
        self.key = (state.home_team, state.away_team, state.status == "final")
        self.wpa: GameWpa = game_wpa(state.game_id, state.home_team, state.away_team, records)
        self.candidates: list[Candidate] = candidates(self.wpa, records)
        self._view: PlaysView | None = None
        self._built = False
        self._lock = threading.Lock()

    def same(self, records: Sequence[PlayRecord], game: GameRecord) -> bool:
        """Whether these are the plays and the game this was worked out from."""
        state = game.game
        return records is self.records and self.key == (state.home_team, state.away_team, state.status == "final")

    def view(self) -> PlaysView | None:
        """What Game detail shows of the plays, built by the first viewer who asks; ``None`` without plays."""
        with self._lock:  # viewers asking at once wait for the one build
            if not self._built:
                self._view, self._built = plays_view(self.wpa, final=self.key[2]), True
            return self._view


def keep_plays(
    kept: Mapping[str, GamePlays], games: Mapping[str, GameRecord], plays: Mapping[str, Sequence[PlayRecord]]
) -> dict[str, GamePlays]:
    """Every game's :class:`GamePlays`, those of ``kept`` whose plays did not change reused as they are."""
    worked: dict[str, GamePlays] = {}
    for game_id, records in plays.items():
        game = games.get(game_id)
        if game is None or not records:
            continue
        old = kept.get(game_id)
        worked[game_id] = old if old is not None and old.same(records, game) else GamePlays(records, game)
    return worked


@dataclass(frozen=True, eq=False)
class Board:
    """What the live section shows every viewer at one moment: the live tab, and what Game detail shares.

    Attributes:
        snapshot: The store at that moment.
        status: The connection and the counters.
        now: Epoch seconds the board was built at: its clock.
        teams: Every team on the board, sorted (the team filter's choices).
        latency: The latency section's figures, tables as Arrow tables; without the viewer's
            own render times (:meth:`latency_for` adds them).
        events: The event log, as an Arrow table (no rows: nothing yet).
        plays: Each game's plays worked out (a game without plays has none here).
        biggest: Tonight's biggest plays as HTML: across the games on the board (whatever a
            viewer filters), biggest first; ``None`` when no play has moved a game yet.
        histories: Reads the games' score changes and predictions, for :meth:`summaries`.
        on_board: The games on the board before any viewer's filters, as many as its cards: the
            header's count (the store also holds finals the board no longer shows).
    """

    snapshot: Snapshot
    status: FeedStatus
    now: float
    teams: list[str]
    latency: LatencyFigures
    events: Any
    plays: Mapping[str, GamePlays] = field(default_factory=dict)
    biggest: str | None = None
    histories: HistoriesReader = field(default=dict, repr=False)
    on_board: int = 0
    _summaries: list[list[GameSummary]] = field(default_factory=list, repr=False)
    _variants: OrderedDict[tuple[Any, ...], LiveView] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def last_apply_ms(self) -> float | None:
        """The newest frame's apply time, for the header."""
        latency = self.snapshot.latency
        return latency[-1].apply_ms if latency else None

    def connection(self, tz: tzinfo) -> Connection:
        """The header's connection indicator, its times of day in the viewer's time zone ``tz``."""
        return connection_indicator(self.status, self.now, self.snapshot.source, tz)

    def view(self, sort_by: SortKey, team_filter: Sequence[str], show_final: bool, tz: tzinfo) -> LiveView:
        """A viewer's variant, built the first time any viewer asks for it."""
        key = (sort_by, tuple(sorted(team_filter)), show_final, str(tz))
        with self._lock:
            made = self._variants.get(key)
            if made is None:
                made = self._variants[key] = self._build_view(sort_by, team_filter, show_final, tz)
                if len(self._variants) > VARIANTS:
                    self._variants.popitem(last=False)
            else:
                self._variants.move_to_end(key)
            return made

    def summaries(self) -> list[GameSummary]:
        """Every game's figures, most exciting first, worked out by the first viewer who asks (Game detail): a game
        met after its tip-off has them from its plays when they reach back to it, as ``LiveFeed.game_stats()``."""
        with self._lock:
            if not self._summaries:
                plays = {game_id: game.records for game_id, game in self.plays.items()}
                self._summaries.append(game_summaries(self.snapshot.games, self.histories(), plays))
            return self._summaries[0]

    def plays_view(self, game_id: str) -> PlaysView | None:
        """What Game detail shows of a game's plays, built once for every viewer; ``None`` without plays."""
        game = self.plays.get(game_id)
        return None if game is None else game.view()

    def latency_for(self, render_ms: Sequence[float]) -> LatencyFigures:
        """The latency figures with this viewer's own render times."""
        return replace(self.latency, render=percentiles(render_ms))

    def _build_view(self, sort_by: SortKey, team_filter: Sequence[str], show_final: bool, tz: tzinfo) -> LiveView:
        snapshot, now = self.snapshot, self.now
        cards = sort_cards(
            build_cards(snapshot.games, snapshot.predictions, now=now, team_filter=team_filter, show_final=show_final),
            sort_by,
        )
        return LiveView(
            cards=cards,
            grid_html=cards_html(cards, now, tz) if cards else None,
            note=board_note(snapshot.games, now, tz),
            predictions=arrow(predictions_table(cards, now, tz)),
        )


def build_board(
    snapshot: Snapshot,
    status: FeedStatus,
    now: float,
    plays: Mapping[str, GamePlays] | None = None,
    histories: HistoriesReader = dict,
) -> Board:
    """The board for ``snapshot`` at ``now`` (epoch seconds), with the games' ``plays`` worked out; ``histories``
    reads the games' score changes and predictions when a viewer asks for every game's figures."""
    plays = plays or {}
    teams = sorted({team for r in snapshot.games.values() for team in (r.game.home_team, r.game.away_team)})
    figures = latency_figures(snapshot.latency, snapshot.rate, (), now)
    tonight = build_cards(snapshot.games, snapshot.predictions, now=now)
    shares = (plays[card.game.game_id].candidates for card in tonight if card.game.game_id in plays)
    return Board(
        snapshot=snapshot,
        status=status,
        now=now,
        teams=teams,
        latency=replace(figures, per_second=arrow(figures.per_second), rate=arrow(figures.rate)),
        events=arrow(event_log_table(snapshot.events)),
        plays=plays,
        biggest=tonights_biggest_html(tonights_biggest(shares)),
        histories=histories,
        on_board=len(tonight),
    )


class BoardCache:
    """The latest :class:`Board`, shared by every session of the process; any thread may ask.

    Args:
        snapshot: Takes a snapshot of the store.
        status: The status a snapshot describes.
        plays: Reads every game's plays (none, by default).
        histories: Reads every game's score changes and predictions (none, by default).
    """

    def __init__(
        self,
        snapshot: Callable[[], Snapshot],
        status: Callable[[Snapshot], FeedStatus],
        plays: GamePlaysReader = dict,
        histories: HistoriesReader = dict,
    ) -> None:
        self._snapshot = snapshot
        self._status = status
        self._plays = plays
        self._histories = histories
        self._kept: dict[str, GamePlays] = {}
        self._board: Board | None = None
        self._built_at = float("-inf")
        self._lock = threading.Lock()
        self.builds = 0
        """Boards built so far."""

    def board(self, now: float, clock: float) -> Board:
        """The current board: the kept one, or one built now from a new snapshot.

        Args:
            now: Epoch seconds (the board's clock, if one is built).
            clock: Seconds on a monotonic clock (the board's age).
        """
        with self._lock:  # one build at a time; the sessions that wait for it share it
            board, age = self._board, clock - self._built_at
            if board is not None and age < MAX_AGE:
                if age < MIN_AGE:
                    return board
                snapshot = self._snapshot()
                if snapshot.version == board.snapshot.version:
                    return board
            else:
                snapshot = self._snapshot()
            self._kept = keep_plays(self._kept, snapshot.games, self._plays())
            self._board = build_board(snapshot, self._status(snapshot), now, self._kept, self._histories)
            self._built_at = clock
            self.builds += 1
            return self._board
