"""The live archive writer: every accepted row kind round trips, nothing is archived twice, the caller never waits."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from harness.waiting import wait_for
from lib.archive import ArchiveError, ArchiveLockedError, ArchiveWriter, query
from lib.archive.batch import file_apart
from lib.archive.lock import lock_path
from lib.protocol import Rejection, encode, parse
from lib.store import Store
from tests.archive.night import play_night, score_frame, seeded_night
from tests.helpers import NOW, frame, game


def utc(epoch: float) -> pd.Timestamp:
    return pd.Timestamp(epoch, unit="s", tz="UTC")


def archived(path: Path, sql: str) -> list[tuple[object, ...]]:
    """The rows of a query, NULL as ``None``."""
    result = query(path, sql).astype(object)
    return list(result.where(result.notna(), None).itertuples(index=False, name=None))


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "nba.duckdb"


def message(type_: str, data: dict[str, Any], **envelope: Any) -> bytes:
    """A frame the store accepts."""
    text = frame(type_, data, **envelope)
    assert not isinstance(parse(text), Rejection), text
    return text.encode()


def one_game() -> list[bytes]:
    """A short game: scheduled, tip-off, a basket, a prediction, the final, a prediction after it."""
    start = {"start_time": "2026-11-26T00:30:00Z"}
    prediction = {"game_id": "g1", "home_win_probability": 0.64, "model": "m1"}
    return [
        message(
            "score_update",
            game(home_score=0, away_score=0, period=0, clock="12:00", status="scheduled", **start),
            ts=NOW,
        ),
        message("game_start", game(home_score=0, away_score=0, period=1, clock="12:00")),
        message("score_update", game(home_score=2, away_score=0, period=1, clock="11:31"), ts=NOW + 2),
        message("prediction", {**prediction, "predicted_home_score": 112.0, "predicted_away_score": 105.5}, ts=NOW + 3),
        message("game_end", game(home_score=101, away_score=99, period=4, clock="00:00", status="final")),
        message("prediction", {"game_id": "g1", "home_win_probability": 0.999}),
    ]


def test_every_row_kind_round_trips_through_the_views(archive: Path) -> None:
    """States, score changes, predictions and the finished game come back with their receive times and source."""
    with ArchiveWriter(archive, source="wss://user:pw@feed.example.com/ws/live", batch_seconds=60) as writer:
        for second, sent in enumerate(one_game()):
            writer.offer(sent, NOW + second)
    states = "SELECT game_id, home_score, away_score, period, clock, status, type, start_time, received_at, ts, source"
    assert archived(archive, f"{states} FROM game_updates ORDER BY arrival") == [
        ("g1", 0, 0, 0, "12:00", "scheduled", "score_update", utc(1_795_653_000), utc(NOW), utc(NOW),
         "wss://feed.example.com/ws/live"),
        ("g1", 0, 0, 1, "12:00", "live", "game_start", None, utc(NOW + 1), None, "wss://feed.example.com/ws/live"),
        ("g1", 2, 0, 1, "11:31", "live", "score_update", None, utc(NOW + 2), utc(NOW + 2),
         "wss://feed.example.com/ws/live"),
        ("g1", 101, 99, 4, "00:00", "final", "game_end", None, utc(NOW + 4), None, "wss://feed.example.com/ws/live"),
    ]  # fmt: skip
    changes = "SELECT home_score, away_score, home_points, away_points, game_seconds FROM score_changes"
    assert archived(archive, changes) == [(2, 0, 2, 0, 29.0), (101, 99, 99, 99, 2880.0)]
    assert archived(archive, "SELECT home_score, status, home_win_probability, model, predicted_home_score, "
                    "predicted_away_score, home_won, scored FROM predictions ORDER BY arrival") == [
        (2, "live", 0.64, "m1", 112.0, 105.5, True, True),
        (101, "final", 0.999, None, None, None, True, False),
    ]  # fmt: skip
    assert archived(archive, "SELECT game_id, status, home_score, differential, updated_at FROM games") == [
        ("g1", "final", 101, 2, utc(NOW + 4))
    ]
    figures = "SELECT game_id, home_won, periods, overtime, predictions, brier, accuracy, comeback FROM finished_games"
    assert archived(archive, figures) == [("g1", True, 4, False, 1, pytest.approx(0.36**2), 1.0, 0.64)]


def test_rows_are_written_every_batch_without_closing(archive: Path) -> None:
    """The writer's thread commits what was offered within a batch interval; a reader sees it."""
    with ArchiveWriter(archive, source="demo", batch_seconds=0.05) as writer:
        for number in range(120):
            writer.offer(score_frame(number), NOW + number)
        wait_for(lambda: query(archive, "SELECT count(*) AS n FROM game_updates").n[0] == 120, what="a batch")
        assert writer.stats.batches >= 1


def test_the_reconnect_snapshot_adds_no_rows(archive: Path) -> None:
    """The latest state and prediction of every game sent again with a new ts on a new connection: all duplicates."""
    store, night = Store(), seeded_night()
    with ArchiveWriter(archive, source="demo", batch_seconds=60) as writer:
        for frame, received_at in play_night(store, night, seconds=20):
            writer.offer(frame, received_at)
    before = archived(archive, "SELECT count(*) FROM game_updates UNION ALL SELECT count(*) FROM prediction_updates")
    snapshot = night.snapshot()
    assert snapshot, "the night has games to send again"
    with ArchiveWriter(archive, source="demo", batch_seconds=60) as writer:
        for index, again in enumerate(snapshot):
            received_at = NOW + 3600 + index
            sent = encode(again.model_copy(update={"ts": received_at})).encode()
            assert store.ingest(sent, received_at=received_at, connection=1).status == "applied"
            writer.offer(sent, received_at)
    assert (writer.stats.written, writer.stats.duplicates) == (0, len(snapshot))
    assert (
        archived(archive, "SELECT count(*) FROM game_updates UNION ALL SELECT count(*) FROM prediction_updates")
        == before
    )


def test_the_first_receive_time_of_a_row_is_kept(archive: Path) -> None:
    """A state seen again later keeps the time it was first received."""
    with ArchiveWriter(archive, source="demo", batch_seconds=60) as writer:
        writer.offer(score_frame(1), NOW)
        writer.offer(score_frame(1), NOW + 50)
    assert archived(archive, "SELECT received_at FROM game_updates") == [(utc(NOW),)]


def test_offer_never_waits_and_counts_what_a_full_queue_drops(archive: Path) -> None:
    """With the queue full, further messages are dropped and counted; what was queued is written on close."""
    with ArchiveWriter(archive, source="demo", batch_seconds=60, capacity=5) as writer:
        for number in range(8):
            writer.offer(score_frame(number), NOW)
        assert (writer.stats.queued, writer.stats.dropped) == (5, 3)
    assert (writer.stats.written, writer.stats.closed) == (5, True)
    writer.offer(score_frame(9), NOW)
    assert writer.stats.dropped == 4, "an offer after close is dropped, not an error"


def test_frames_past_the_byte_budget_are_dropped_and_counted(archive: Path) -> None:
    """The queue holds ``capacity_bytes`` of frames at most: a feed's 1 MiB frames cannot fill memory."""
    size = len(score_frame(0))
    huge = message("score_update", game(home_score=3, away_score=0, padding="x" * 1_000_000), ts=NOW + 90)
    with ArchiveWriter(archive, source="demo", batch_seconds=60, capacity=100, capacity_bytes=3 * size) as writer:
        for number in range(5):
            writer.offer(score_frame(number), NOW + number)
        writer.offer(huge, NOW + 90)
        assert (writer.stats.queued, writer.stats.dropped) == (3, 3)
    assert writer.stats.written == 3


def test_a_refused_batch_goes_again_first_while_new_frames_wait_in_the_queue(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused batch waits as it is, new frames fill the queue to its capacity, and all is then written in order."""
    refusing = threading.Event()
    refusing.set()

    def refused_while_told(connection: Any, *args: Any) -> Any:
        if refusing.is_set():
            raise OSError("No space left on device")
        return file_apart(connection, *args)

    monkeypatch.setattr("lib.archive.writer.file_apart", refused_while_told)
    with ArchiveWriter(archive, source="demo", batch_seconds=0.02, capacity=2) as writer:
        writer.offer(score_frame(0), NOW)
        wait_for(lambda: writer.stats.failing and writer.stats.pending == 1, what="a refused batch")
        for number in range(1, 4):
            writer.offer(score_frame(number), NOW + number)
        wait_for(lambda: writer.stats.errors >= 3, what="more refused batches")
        assert (writer.stats.pending, writer.stats.queued, writer.stats.dropped) == (1, 2, 1)
        refusing.clear()
        wait_for(lambda: writer.stats.written == 3, what="the batches written")
    assert archived(archive, "SELECT home_score FROM game_updates ORDER BY arrival") == [(0,), (1,), (2,)]


def test_a_batch_is_written_with_one_thread_so_the_client_keeps_a_core(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's DuckDB works on one thread: on a small machine the feed client's thread keeps a core."""
    seen: list[object] = []

    def counting(connection: Any, *args: Any) -> Any:
        seen.append(connection.execute("SELECT current_setting('threads')").fetchall()[0][0])
        return file_apart(connection, *args)

    monkeypatch.setattr("lib.archive.writer.file_apart", counting)
    with ArchiveWriter(archive, source="demo", batch_seconds=0.02) as writer:
        writer.offer(score_frame(0), NOW)
        wait_for(lambda: writer.stats.written == 1, what="the first batch")
    assert seen, "no batch was written"
    assert set(seen) == {1}


def test_a_frame_whose_ts_the_archive_cannot_hold_is_refused_and_the_writer_goes_on(archive: Path) -> None:
    """Offered beside good frames (past the protocol, as from older code): they are written, it is counted and named."""
    with ArchiveWriter(archive, source="demo", batch_seconds=0.02) as writer:
        writer.offer(frame("score_update", game(home_score=1), ts=1e13).encode(), NOW)
        for number in range(2, 5):
            writer.offer(score_frame(number), NOW + number)
        wait_for(lambda: writer.stats.written == 3, what="the good frames")
        writer.offer(score_frame(5), NOW + 5)
        wait_for(lambda: writer.stats.written == 4, what="the next batch")
        stats = writer.stats
    assert (stats.refused, stats.errors, stats.failing) == (1, 0, False)
    assert stats.last_refused == (
        "score_update of game g1: ts 10000000000000.0 is outside 0 to 4133980800 (epoch seconds)"
    )
    assert archived(archive, "SELECT home_score FROM game_updates ORDER BY arrival") == [(2,), (3,), (4,), (5,)]


def test_a_second_writer_in_the_same_process_is_refused_naming_the_file(archive: Path) -> None:
    """One writer per file, even within one process; the first keeps writing."""
    with ArchiveWriter(archive, source="demo") as first:
        with pytest.raises(ArchiveLockedError, match=rf"{archive} already has a writer \(process \d+\)"):
            ArchiveWriter(archive, source="nba")
        first.offer(score_frame(1), NOW)
    assert first.stats.written == 1
    ArchiveWriter(archive, source="nba").close()  # the lock is free once the first has closed


def test_a_writer_that_cannot_open_starts_nothing_and_holds_nothing(archive: Path) -> None:
    """On a bad file the constructor raises, no thread is left, and the lock is free again."""
    archive.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ArchiveError):
        ArchiveWriter(archive, source="demo")
    assert not [thread for thread in threading.enumerate() if thread.name == "archive-writer"]
    archive.unlink()
    ArchiveWriter(archive, source="demo").close()
    assert not lock_path(archive).exists(), "no lock file stays beside an archive nobody writes"


@pytest.mark.parametrize(
    ("batch_seconds", "capacity", "capacity_bytes"), [(0, 10, 10), (float("nan"), 10, 10), (1, 0, 10), (1, 10, 0)]
)
def test_bad_settings_are_refused(archive: Path, batch_seconds: float, capacity: int, capacity_bytes: int) -> None:
    """A batch interval must be a positive number and the queue hold at least one message and one byte."""
    with pytest.raises(ValueError, match="batch_seconds must be positive"):
        ArchiveWriter(
            archive, source="demo", batch_seconds=batch_seconds, capacity=capacity, capacity_bytes=capacity_bytes
        )
