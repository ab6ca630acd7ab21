"""One writer, any number of readers: readers in this process and in others take turns with the writer's batches."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
import pytest

from harness.waiting import wait_for
from lib.archive import ArchiveLockedError, ArchiveWriter, query
from lib.archive.connection import opened
from tests.archive.child import Child
from tests.archive.night import score_frame
from tests.helpers import NOW


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive with one state in it."""
    path = tmp_path / "nba.duckdb"
    with ArchiveWriter(path, source="demo") as writer:
        writer.offer(score_frame(0), NOW)
    return path


def test_another_process_reads_while_this_one_writes(archive: Path) -> None:
    """A reader process sees the archive grow batch by batch, never an error, never a count going back."""
    counts: list[int] = []
    with Child("read", archive) as reader, ArchiveWriter(archive, source="demo", batch_seconds=0.02) as writer:
        number = 1

        def seen_growing() -> bool:
            nonlocal number
            for _ in range(20):
                writer.offer(score_frame(number), NOW + number)
                number += 1
            line = reader.line()
            assert line is not None, reader.stderr()
            assert line.startswith("rows "), line
            counts.append(int(line.split()[1]))
            return len({count for count in counts if count > 1}) >= 5

        wait_for(seen_growing, timeout=60, what="five different counts read while writing")
    assert counts == sorted(counts)
    assert writer.stats.errors == 0


def test_threads_of_the_writers_process_read_while_it_writes(archive: Path) -> None:
    """Readers in the writer's own process never fail, never starve the writer, and see the count only grow."""
    failures: list[BaseException] = []
    seen: list[list[int]] = [[], [], []]
    done = threading.Event()

    def read(counts: list[int]) -> None:
        while not done.is_set():
            try:
                counts.append(int(query(archive, "SELECT count(*) AS n FROM game_updates").n[0]))
            except BaseException as error:  # the test reports it
                failures.append(error)
                return

    readers = [threading.Thread(target=read, args=(counts,)) for counts in seen]
    for thread in readers:
        thread.start()
    try:
        with ArchiveWriter(archive, source="demo", batch_seconds=0.02) as writer:
            for number in range(1, 401):
                writer.offer(score_frame(number), NOW + number)
                if number % 100 == 0:
                    wait_for(lambda n=number: writer.stats.written == n, what="a batch among busy readers")
        wait_for(lambda: all(counts and counts[-1] == 401 for counts in seen) or failures, what="every reader at 401")
    finally:
        done.set()
        for thread in readers:
            thread.join()
    assert failures == []
    assert all(counts == sorted(counts) for counts in seen)
    assert writer.stats.errors == 0


def test_a_read_waits_for_a_write_in_this_process_then_gives_up_saying_so(archive: Path) -> None:
    """While the file is this process's writer's, a reader waits its timeout, then says the file was busy."""
    with (
        opened(archive.resolve(), read_only=False, timeout=1),
        pytest.raises(ArchiveLockedError, match="busy in this process"),
    ):
        query(archive, "SELECT 1", timeout=0.05)
    assert query(archive, "SELECT count(*) AS n FROM game_updates").n[0] == 1


def test_a_read_waits_for_another_process_then_names_it(archive: Path) -> None:
    """A process holding the file for longer than a reader's timeout is named in the reader's error."""
    with duckdb.connect(str(archive)), Child("read", archive) as reader:  # this process holds the file
        line = reader.line()
    assert line is not None
    assert line.startswith(f"error ArchiveLockedError {archive} was held by process {os.getpid()}"), line


def test_a_connection_works_with_the_threads_it_was_given(archive: Path) -> None:
    """``threads`` caps DuckDB's threads for that opening only; without it DuckDB chooses, as it does anywhere."""
    with opened(archive, read_only=False, timeout=1, threads=1) as connection:
        assert connection.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
    with opened(archive, read_only=True, timeout=1) as connection:
        ((threads,),) = connection.execute("SELECT current_setting('threads')").fetchall()
    assert threads == duckdb.connect().execute("SELECT current_setting('threads')").fetchall()[0][0]


@pytest.mark.parametrize("kind", ["archive", "its write-ahead log"])
def test_a_fifo_is_refused_by_reader_and_writer_at_once(tmp_path: Path, kind: str) -> None:
    """A FIFO where the archive or its log goes: both say so (DuckDB alone would wait for ever to read it)."""
    archive = tmp_path / "nba.duckdb"
    if kind == "archive":
        fifo = archive
    else:
        ArchiveWriter(archive, source="demo").close()
        fifo = tmp_path / "nba.duckdb.wal"
    os.mkfifo(fifo)
    words = f"{fifo} is not a regular file (a FIFO, a folder or a device): an archive is one"
    with Child("read", archive) as reader:
        assert reader.line() == f"error ArchiveError {words}"
    with Child("open-writer", archive) as writer:
        assert writer.line() == f"error ArchiveError {words}"
        assert writer.process.wait(timeout=30) == 3
