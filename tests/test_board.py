"""What every viewer's live tab shows: one board per change of the store, shared by every session."""

from __future__ import annotations

import threading
import time
from datetime import UTC
from zoneinfo import ZoneInfo

from lib.board import MAX_AGE, MIN_AGE, BoardCache, GamePlays
from lib.status import FeedStatus, status_of
from lib.store import PlayRecord, Snapshot, Store
from tests.helpers import play, prediction, score


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

    def play(self, game_id: str, play_id: int, probability: float, **fields: object) -> None:
        self.store.ingest(play(game_id, play_id, home_win_probability=probability, **fields), received_at=time.time())

    def plays(self) -> dict[str, tuple[PlayRecord, ...]]:
        return self.store.game_plays()


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


def test_a_games_plays_are_worked_out_once_per_change_of_them_and_their_view_once_for_every_viewer() -> None:
    """A new board reuses an unchanged game's plays; a new play redoes its own game only; the view is built once."""
    feed = CountedStore()
    feed.add("g1", clock="07:12")
    feed.add("g2", home_team="Denver Nuggets", away_team="Miami Heat")
    feed.play("g1", 1, 0.6)
    feed.play("g2", 1, 0.4, team="Denver Nuggets")
    cache = BoardCache(feed.snapshot, feed.status, feed.plays)
    first = cache.board(now=time.time(), clock=0.0)
    assert sorted(first.plays) == ["g1", "g2"]
    feed.play("g1", 2, 0.7, clock="07:00")
    second = cache.board(now=time.time(), clock=MAX_AGE)
    assert second is not first
    assert second.plays["g2"] is first.plays["g2"]
    assert second.plays["g1"] is not first.plays["g1"]
    assert len(second.plays["g1"].wpa.plays) == 2
    views = []
    start = threading.Barrier(10)

    def ask() -> None:
        start.wait()
        views.append(second.plays_view("g1"))

    threads = [threading.Thread(target=ask) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert views[0] is not None
    assert all(view is views[0] for view in views)
    assert second.plays_view("nowhere") is None


def test_a_game_that_ends_is_worked_out_again_for_its_final_play() -> None:
    """The same plays, the game now final: its last play may read 100 %, so its plays are redone."""
    feed = CountedStore()
    feed.add("g1")
    feed.play("g1", 1, 1.0)
    records, record = feed.plays()["g1"], feed.snapshot().games["g1"]
    kept = GamePlays(records, record)
    assert kept.same(records, record)
    feed.add("g1", status="final", period=4, clock="00:00")
    assert not kept.same(records, feed.snapshot().games["g1"])
    assert not kept.same(list(records), record)  # another sequence: the plays changed


def test_tonights_biggest_plays_come_from_the_games_on_the_board_whatever_a_viewer_filters() -> None:
    """Plays of every game on the board, biggest first; a final whose team has a newer game is no longer tonight's."""
    feed = CountedStore()
    feed.add("old", home_team="Utah Jazz", away_team="Miami Heat", status="final", period=4, clock="00:00")
    feed.play("old", 1, 0.5, period=1, clock="12:00", team=None, home_score=0, away_score=0)
    feed.play("old", 2, 0.99, team="Utah Jazz", description="Yesterday's huge play")
    feed.add("g1", clock="07:12")
    feed.play("g1", 1, 0.5, period=1, clock="12:00", team=None, home_score=0, away_score=0)
    feed.play("g1", 2, 0.6, description="Tatum dunk")
    feed.add("g2", home_team="Denver Nuggets", away_team="Miami Heat")
    feed.play("g2", 1, 0.5, period=1, clock="12:00", team=None, home_score=0, away_score=0)
    feed.play("g2", 2, 0.3, team="Miami Heat", description="Butler three")
    board = BoardCache(feed.snapshot, feed.status, feed.plays).board(now=time.time(), clock=0.0)
    assert board.biggest is not None
    assert board.biggest.index("Butler three") < board.biggest.index("Tatum dunk")
    assert "Yesterday" not in board.biggest
    assert board.view("Biggest lead", ["Boston Celtics"], False, UTC).cards  # a filter changes the cards only
    quiet = CountedStore()
    quiet.add("g1")
    assert BoardCache(quiet.snapshot, quiet.status, quiet.plays).board(now=time.time(), clock=0.0).biggest is None


def test_every_games_figures_are_worked_out_once_per_board_the_plays_making_a_late_game_whole() -> None:
    """One list for every viewer; a game met mid-way whose plays start at its tip-off is not partial."""
    feed = CountedStore()
    feed.add("g1", home_score=50, away_score=48)  # met in the third quarter
    feed.play("g1", 1, 0.5, period=1, clock="12:00", team=None, home_score=0, away_score=0)
    feed.play("g1", 2, 0.6, period=1, clock="11:40", home_score=2, away_score=0)
    feed.add("g2", home_team="Denver Nuggets", away_team="Miami Heat", home_score=30, away_score=31)
    board = BoardCache(feed.snapshot, feed.status, feed.plays, feed.store.game_histories).board(
        now=time.time(), clock=0.0
    )
    summaries = board.summaries()
    assert board.summaries() is summaries
    partial = {summary.game_id: summary.partial for summary in summaries}
    assert partial == {"g1": False, "g2": True}  # g2 has no plays: partial from the state met
