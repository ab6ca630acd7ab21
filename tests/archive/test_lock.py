"""One writer per archive: a second writer in another process is refused in words, and the first goes on."""

from __future__ import annotations

import fcntl
import os
import signal
from pathlib import Path

import pytest

from lib.archive import ArchiveLockedError, ArchiveWriter, query
from lib.archive.__main__ import main
from lib.archive.lock import WriterLock, _still_there, lock_path, writer_process
from lib.recorder import Recorder
from tests.archive.child import Child
from tests.archive.night import score_frame
from tests.helpers import NOW, score


def test_a_second_process_cannot_write_the_archive_and_is_told_who_does(tmp_path: Path) -> None:
    """The second writer gets ArchiveLockedError naming the file and the writing process; nothing is damaged."""
    archive = tmp_path / "nba.duckdb"
    with ArchiveWriter(archive, source="demo", batch_seconds=0.05) as writer:
        writer.offer(score_frame(0), NOW)
        with Child("open-writer", archive) as second:
            line = second.line()
            assert second.process.wait(timeout=30) == 3
        assert line == (
            f"error ArchiveLockedError {archive} already has a writer (process {os.getpid()}): "
            "an archive takes one writer at a time"
        )
        writer.offer(score_frame(1), NOW + 1)
    assert writer.stats.written == 2
    assert query(archive, "SELECT count(*) AS n FROM game_updates").n[0] == 2


def test_once_the_writer_has_closed_another_process_may_write(tmp_path: Path) -> None:
    """Closing lets the lock go, and takes the lock file away with it."""
    archive = tmp_path / "nba.duckdb"
    ArchiveWriter(archive, source="demo").close()
    with Child("open-writer", archive) as other:
        assert other.line() == "opened"
        assert other.process.wait(timeout=30) == 0
    assert not lock_path(archive).exists()


def test_no_lock_file_stays_beside_a_file_a_writer_or_an_import_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A writer closed, an import done, a writer refused by a file that is not an archive: the folder holds no lock."""
    ArchiveWriter(tmp_path / "written.duckdb", source="demo").close()
    recording = tmp_path / "night.jsonl"
    with Recorder(recording) as recorder:
        recorder.record(score(ts=1.0).encode(), False, NOW)
    assert main(["import", str(recording), "--archive", str(tmp_path / "imported.duckdb")]) == 0
    (tmp_path / "other.duckdb").write_bytes(b"not a database" * 100)
    assert main(["import", str(recording), "--archive", str(tmp_path / "other.duckdb")]) == 1
    assert "other.duckdb is not a DuckDB database" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "imported.duckdb",
        "night.jsonl",
        "other.duckdb",
        "written.duckdb",
    ]


def test_who_writes_an_archive_is_seen_without_taking_its_place(tmp_path: Path) -> None:
    """No writer: None. A writer in another process: its id. Killed: None again, and the next writer cleans up."""
    archive = tmp_path / "nba.duckdb"
    assert writer_process(archive) is None
    with Child("write", archive) as child:
        child.until(lambda line: line.startswith("committed"))
        assert writer_process(archive) == str(child.process.pid)
        assert writer_process(str(archive)) == str(child.process.pid)  # as a notebook names it
        child.process.send_signal(signal.SIGKILL)
        child.process.wait(timeout=30)
    assert lock_path(archive).exists(), "a killed writer leaves its lock file, unlocked"
    assert writer_process(archive) is None
    ArchiveWriter(archive, source="demo").close()
    assert not lock_path(archive).exists()


def test_a_lock_on_a_lock_file_removed_meanwhile_is_not_taken_for_the_archives(tmp_path: Path) -> None:
    """A writer that opened the lock file just before the last writer removed it notices and locks the one there."""
    archive = tmp_path / "nba.duckdb"
    first = WriterLock(archive)
    stale = os.open(lock_path(archive), os.O_RDWR)
    first.release()
    try:
        fcntl.flock(stale, fcntl.LOCK_EX | fcntl.LOCK_NB)  # granted: a removed file is nobody's
        assert not _still_there(stale, lock_path(archive))
        second = WriterLock(archive)
        assert _still_there(second._fd or -1, lock_path(archive))
        with pytest.raises(ArchiveLockedError, match=r"already has a writer \(process \d+\)"):
            WriterLock(archive)
        second.release()
    finally:
        os.close(stale)


def test_a_look_at_the_lock_does_not_refuse_a_writer(tmp_path: Path) -> None:
    """Another process looking for the writer all the while: a writer still gets the lock (it retries a moment)."""
    archive = tmp_path / "nba.duckdb"
    lock_path(archive).write_text("")  # as a killed writer leaves it, for the look to find
    with Child("look", archive) as looker:
        assert looker.line() == "looking"
        for _ in range(200):
            WriterLock(archive).release()
            lock_path(archive).write_text("")
