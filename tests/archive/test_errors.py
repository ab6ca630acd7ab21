"""What goes wrong with an archive file is an ArchiveError naming it, the caller goes on, and nothing written is lost.

A full disk is a file size limit (``RLIMIT_FSIZE``) in a child process: portable, and no root
needed. A read-only folder is read-only to a child process that gave up root's power to ignore
file permissions, when the tests run as root.
"""

from __future__ import annotations

import os
import random
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from lib.archive import ArchiveCorruptError, ArchiveError, ArchiveVersionError, ArchiveWriter, query
from lib.archive.schema import SCHEMA_VERSION
from tests.archive.child import Child
from tests.archive.night import score_frame
from tests.helpers import NOW


def filled(path: Path, rows: int = 100) -> Path:
    with ArchiveWriter(path, source="demo", batch_seconds=60) as writer:
        for number in range(rows):
            writer.offer(score_frame(number), NOW + number)
    return path


def test_a_full_disk_is_reported_the_rows_wait_and_are_written_once_there_is_room(tmp_path: Path) -> None:
    """The writer says the disk is full and keeps what it could not write; nothing committed before is lost."""
    archive = filled(tmp_path / "nba.duckdb", rows=0)
    with Child("disk-full", archive) as child:
        failing = child.until(lambda line: line.startswith("failing"))[-1]
        recovered = child.until(lambda line: line.startswith("recovered"))[-1]
    assert failing.startswith(f"failing {archive} cannot grow: the disk is full"), failing
    assert "File too large" in failing
    assert recovered == "recovered 20100"
    assert query(archive, "SELECT count(*) AS n FROM game_updates").n[0] == 20_100


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder holding an archive of 100 states, then made read-only; writable again afterwards."""
    folder = tmp_path / "shared"
    folder.mkdir()
    filled(folder / "nba.duckdb")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    yield folder
    folder.chmod(stat.S_IRWXU)


def in_read_only_folder(command: str, path: Path) -> str:
    """The first thing a child process says doing ``command`` on ``path``, unable to write to the read-only folder."""
    options = ["--no-dac-override"] if os.geteuid() == 0 else []
    with Child(command, path, *options) as child:
        first = child.line()
        if first is None and "prctl" in child.stderr():
            pytest.skip("running as root without CAP_SETPCAP: root cannot be denied a read-only folder here")
    assert first is not None, child.stderr()
    return first


@pytest.mark.skipif(sys.platform != "linux", reason="capabilities are Linux's; elsewhere run the tests as a user")
def test_a_read_only_folder_refuses_a_new_archive_in_words(read_only_folder: Path) -> None:
    """No archive can be created there: the message names the file and says why."""
    line = in_read_only_folder("open-writer", read_only_folder / "new.duckdb")
    assert line == (
        f"error ArchiveError {read_only_folder / 'new.duckdb'} cannot be written here: "
        "permission denied (a read-only folder or file?)"
    )


@pytest.mark.skipif(sys.platform != "linux", reason="capabilities are Linux's; elsewhere run the tests as a user")
def test_an_archive_in_a_read_only_folder_cannot_be_written_but_is_read(read_only_folder: Path) -> None:
    """A writer is refused in words; readers still read every row."""
    archive = read_only_folder / "nba.duckdb"
    line = in_read_only_folder("open-writer", archive)
    assert (
        line == f"error ArchiveError {archive} cannot be written here: permission denied (a read-only folder or file?)"
    )
    line = in_read_only_folder("read", archive)
    assert line == "rows 100"


def test_a_file_from_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    """Writer and reader both name the file and its version; its rows are untouched."""
    archive = filled(tmp_path / "nba.duckdb")
    with duckdb.connect(str(archive)) as connection:
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    message = rf"{archive} has archive schema version {SCHEMA_VERSION + 1}, newer than version {SCHEMA_VERSION}"
    with pytest.raises(ArchiveVersionError, match=message):
        ArchiveWriter(archive, source="demo")
    with pytest.raises(ArchiveVersionError, match=message):
        query(archive, "SELECT 1")
    with duckdb.connect(str(archive), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM game_updates").fetchone() == (100,)


def test_a_file_of_random_bytes_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    """A damaged file is never written over: writer and reader say what it is, naming it."""
    archive = tmp_path / "nba.duckdb"
    garbage = random.Random(12).randbytes(300_000)
    archive.write_bytes(garbage)
    message = rf"{archive} is not a DuckDB database \(damaged, or another kind of file\); left as it is"
    with pytest.raises(ArchiveCorruptError, match=message):
        ArchiveWriter(archive, source="demo")
    with pytest.raises(ArchiveCorruptError, match=message):
        query(archive, "SELECT 1")
    assert archive.read_bytes() == garbage
    assert not archive.with_name("nba.duckdb.wal").exists()


def test_damage_inside_an_archive_is_reported_and_left_as_it_is(tmp_path: Path) -> None:
    """Past DuckDB's three 4 KiB headers every block is checksummed: damage is named, never written over."""
    archive = filled(tmp_path / "nba.duckdb")
    damaged = archive.read_bytes()[:12_288] + random.Random(5).randbytes(archive.stat().st_size - 12_288)
    archive.write_bytes(damaged)
    message = rf"{archive} is damaged \(Corrupt database file: .*\); left as it is"
    with pytest.raises(ArchiveCorruptError, match=message):
        query(archive, "SELECT count(*) FROM game_updates")
    with pytest.raises(ArchiveCorruptError, match=message):
        ArchiveWriter(archive, source="demo")
    assert archive.read_bytes() == damaged


def test_every_archive_failure_is_one_type_the_page_can_catch(tmp_path: Path) -> None:
    """Version, damage and locks are all ArchiveErrors with the file's path."""
    for kind in (ArchiveCorruptError, ArchiveVersionError):
        error = kind(tmp_path / "nba.duckdb", "words")
        assert isinstance(error, ArchiveError)
        assert (error.path, str(error)) == (tmp_path / "nba.duckdb", "words")
