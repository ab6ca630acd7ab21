"""What every viewer's live tab shows: one board per change of the store, shared by every session."""

from __future__ import annotations

import threading
import time
from datetime import UTC
from zoneinfo import ZoneInfo

from lib.board import MAX_AGE, MIN_AGE, BoardCache
from lib.status import FeedStatus, status_of
from lib.store import Snapshot, Store
from tests.helpers import prediction, score


class CountedStore:
    """A real store, counting the snapshots taken of it."""

    def __init__(self) -> None:
        self.store = Store()
        self.snapshots = 0

    def snapshot(self) -> Snapshot:
        self.snapshots += 1
        return self.store.snapshot()

    def status(self, snapshot: Snapshot) -> FeedStatus:
        return status_of(snapshot, "ws://feed", False, 0)

    def add(self, game_id: str, **fields: object) -> None:
        self.store.ingest(score(game_id, **fields), received_at=time.time())
        self.store.ingest(prediction(game_id), received_at=time.time())


def test_a_board_is_built_once_per_change_of_the_store() -> None:
    """Within MIN_AGE no snapshot is even taken; then a new board only if the store changed, or after MAX_AGE."""
    feed = CountedStore()
    feed.add("g1")
    cache = BoardCache(feed.snapshot, feed.status)
    first = cache.board(now=1000.0, clock=0.0)
    assert cache.board(now=1000.0, clock=MIN_AGE / 2) is first
    assert feed.snapshots == 1
    assert cache.board(now=1000.0, clock=MIN_AGE) is first  # looked, nothing changed
    feed.add("g2")
    second = cache.board(now=1000.5, clock=2 * MIN_AGE)
    assert second is not first
    assert sorted(second.snapshot.games) == ["g1", "g2"]
    assert cache.board(now=1001.0, clock=2 * MIN_AGE + MAX_AGE) is not second  # the clock moved on
    assert cache.builds == 3


def test_sessions_asking_at_once_share_one_build() -> None:
    """Twenty threads ask for the board at the same moment: one snapshot, one board, the same object for all."""
    feed = CountedStore()
    feed.add("g1")
    cache = BoardCache(feed.snapshot, feed.status)
    start = threading.Barrier(20)
    boards = []

    def ask() -> None:
        start.wait()
        boards.append(cache.board(now=1000.0, clock=0.0))

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.builds == 1
    assert all(board is boards[0] for board in boards)


def test_a_viewers_variant_is_built_once_per_board_and_differs_where_it_should() -> None:
    """The same sort, filter and zone: the same view object; another filter or zone: its own cards and times."""
    feed = CountedStore()
    feed.add("g1", home_team="Boston Celtics", away_team="New York Knicks", home_score=10, away_score=2)
    feed.add("g2", home_team="Denver Nuggets", away_team="Miami Heat", home_score=5, away_score=5)
    board = BoardCache(feed.snapshot, feed.status).board(now=time.time(), clock=0.0)
    everyone = board.view("Biggest lead", [], True, UTC)
    assert board.view("Biggest lead", [], True, UTC) is everyone
    assert [card.game.game_id for card in everyone.cards] == ["g1", "g2"]
    assert everyone.predictions.num_rows == 2
    assert everyone.grid_html is not None
    assert "Boston Celtics" in everyone.grid_html
    heat = board.view("Biggest lead", ["Miami Heat"], True, UTC)
    assert [card.game.game_id for card in heat.cards] == ["g2"]
    assert board.view("Biggest lead", [], True, ZoneInfo("Asia/Tokyo")) is not everyone
    nobody = board.view("Biggest lead", ["Utah Jazz"], True, UTC)
    assert nobody.cards == []
    assert nobody.grid_html is None


def test_each_viewer_sees_their_own_render_times_on_the_shared_figures() -> None:
    """The latency tables are shared; the render line is the viewer's own."""
    feed = CountedStore()
    feed.add("g1")
    board = BoardCache(feed.snapshot, feed.status).board(now=time.time(), clock=0.0)
    mine = board.latency_for([10.0, 20.0, 30.0])
    assert mine.render is not None
    assert mine.render.p50 == 20.0
    assert mine.per_second is board.latency.per_second
    assert board.latency_for([]).render is None
