"""One writer per archive: a second writer in another process is refused in words, and the first goes on."""

from __future__ import annotations

import os
from pathlib import Path

from lib.archive import ArchiveWriter, query
from lib.archive.lock import lock_path
from tests.archive.child import Child
from tests.archive.night import score_frame
from tests.helpers import NOW


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
    """Closing lets the lock go; the lock file names the last writer's process."""
    archive = tmp_path / "nba.duckdb"
    ArchiveWriter(archive, source="demo").close()
    with Child("open-writer", archive) as other:
        assert other.line() == "opened"
        assert other.process.wait(timeout=30) == 0
    assert lock_path(archive).read_text().strip() == str(other.process.pid)
