"""Opening an archive file for one piece of work, waiting for whoever has it, and putting DuckDB's errors in words.

DuckDB lets one process have a file for writing, or any number for reading, never both at
once. So nobody here keeps the file open: a writer opens it for each batch and closes it after,
a reader for each query. While the file is briefly someone else's, :func:`opened` tries again
every :data:`RETRY_SECONDS` until its deadline. Within one process, :class:`_Turns` keeps the
writer's batches and the readers' queries apart, because DuckDB refuses a read-only and a
read-write connection to one file in one process: readers share the file, and a waiting writer
goes before readers who come after it, so that a busy page cannot starve the archive.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import duckdb

from lib.archive.errors import ArchiveCorruptError, ArchiveError, ArchiveLockedError, ArchiveVersionError

RETRY_SECONDS: Final = 0.01
"""How often to try again for a file another process has: its batches and queries take milliseconds."""

_HOLDER: Final = re.compile(r"\(PID (\d+)\)")


class _Turns:
    """Who in this process has a file: any number of readers, or one writer; a waiting writer goes first."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    def take(self, write: bool, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a turn; whether it came."""
        with self._changed:
            if not write:
                free = self._changed.wait_for(lambda: not self._writing and not self._writers_waiting, timeout)
                if free:
                    self._readers += 1
                return free
            self._writers_waiting += 1
            try:
                free = self._changed.wait_for(lambda: not self._writing and not self._readers, timeout)
            finally:
                self._writers_waiting -= 1
            self._writing = free
            if not free:
                self._changed.notify_all()  # readers held back for this writer may go
            return free

    def give_back(self, write: bool) -> None:
        """End a turn taken with :meth:`take`."""
        with self._changed:
            if write:
                self._writing = False
            else:
                self._readers -= 1
            self._changed.notify_all()


_turns: dict[Path, _Turns] = {}
_turns_guard = threading.Lock()


def _turns_of(path: Path) -> _Turns:
    with _turns_guard:
        return _turns.setdefault(path, _Turns())


@contextmanager
def opened(
    path: Path, *, read_only: bool, timeout: float, threads: int | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The archive file open for the ``with`` block, closed after it; times come out in UTC.

    Args:
        path: The file (resolved: one file, one lock).
        read_only: Open for reading only; the file must exist.
        timeout: Seconds to wait for this process's other users and another process's lock.
        threads: The most threads DuckDB may work with meanwhile; by default one per core.

    Raises:
        ArchiveLockedError: The file was not free within ``timeout``.
        ArchiveError: It cannot be opened; the message names the file and says why.
    """
    deadline = time.monotonic() + timeout
    misnamed = not_an_archive_name(path)
    if misnamed is not None:
        raise ArchiveError(path, misnamed)
    _refuse_other_files(path)
    turns = _turns_of(path)
    if not turns.take(not read_only, max(timeout, 0.0)):
        raise ArchiveLockedError(path, f"{path} was busy in this process for more than {timeout:g} s")
    try:
        connection = _connect(path, read_only, deadline, timeout, threads)
        try:
            if read_only:
                connection.execute("SET TimeZone = 'UTC'")
            yield connection
        finally:
            connection.close()
    except duckdb.Error as error:
        raise described(path, error) from None
    finally:
        turns.give_back(not read_only)


CSV_ENDINGS: Final = (".csv", ".csv.gz")
"""How the names of the CSVs the import reads end (games and plays CSVs): no archive's does."""
RECORDING_ENDING: Final = ".jsonl"
"""How the name of a recording ends: no archive's does."""


def not_an_archive_name(path: str | os.PathLike[str]) -> str | None:
    """Why a file named so is no archive: a name an input has (``.csv``, ``.csv.gz``, ``.jsonl``); ``None`` for others.

    DuckDB opens a CSV as a database of one table, and would create a new archive under such a
    name: an input and ``--archive`` swapped on the command line would read as "not an archive" or
    worse, write a DuckDB file named like a CSV.
    """
    name = Path(path).name.lower()
    kind = "a CSV" if name.endswith(CSV_ENDINGS) else "a recording" if name.endswith(RECORDING_ENDING) else None
    if kind is None:
        return None
    return f"{path} is not a DuckDB archive (it looks like {kind}: did you swap the input and --archive?)"


def _refuse_other_files(path: Path) -> None:
    """Refuse an archive (or its write-ahead log) that is there but is not a regular file.

    DuckDB would open a FIFO and wait for a writer to it for ever, and a folder or a device is no
    archive either.
    """
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            mode = os.stat(file).st_mode
        except FileNotFoundError:
            continue
        except OSError as error:
            raise described(path, error) from None
        if not stat.S_ISREG(mode):
            raise ArchiveError(path, f"{file} is not a regular file (a FIFO, a folder or a device): an archive is one")


def _connect(
    path: Path, read_only: bool, deadline: float, timeout: float, threads: int | None
) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool | int | float | list[str]] = {} if threads is None else {"threads": threads}
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as error:
            if "Could not set lock" not in str(error):
                raise
            if time.monotonic() >= deadline:
                holder = _HOLDER.search(str(error))
                who = f"process {holder.group(1)}" if holder else "another process"
                raise ArchiveLockedError(
                    path, f"{path} was held by {who} for more than {timeout:g} s (DuckDB allows one writer at a time)"
                ) from None
            time.sleep(RETRY_SECONDS)


def described(path: Path, error: duckdb.Error | OSError) -> ArchiveError:
    """An error from DuckDB or the file system as an :class:`ArchiveError` that names the file and says why."""
    text = str(error)
    detail = text.split(": ", 1)[1] if text.startswith(("IO Error: ", "Invalid Input Error: ")) else text
    if "not a valid DuckDB database file" in text:
        return ArchiveCorruptError(
            path, f"{path} is not a DuckDB database (damaged, or another kind of file); left as it is"
        )
    if "Corrupt database file" in text:
        return ArchiveCorruptError(path, f"{path} is damaged ({detail}); left as it is")
    if "database does not exist" in text:
        return ArchiveError(path, f"there is no archive at {path}")
    if isinstance(error, FileNotFoundError):
        return ArchiveError(path, f"{path} cannot be created: its folder does not exist")
    if "version number" in text and "database file" in text:
        return ArchiveVersionError(path, f"{path} was written by another version of DuckDB: {detail}")
    if "No space left" in text or "File too large" in text:
        return ArchiveError(path, f"{path} cannot grow: the disk is full ({detail})")
    if "Permission denied" in text or "Read-only file system" in text:
        return ArchiveError(path, f"{path} cannot be written here: permission denied (a read-only folder or file?)")
    return ArchiveError(path, f"{path}: {detail}")
