"""The one-writer rule: an exclusive lock beside the archive, held by its writer for as long as it writes.

DuckDB's own lock is taken per batch and released in between (so that readers get their turn),
so it cannot say who the writer is. ``nba.duckdb.writer.lock`` can: an advisory ``flock`` that the
system releases when the holder exits, however it exits, so a crashed writer never leaves the
archive locked. The file holds the holder's process id, for the message a second writer gets.
The lock file itself is left in place: removing it would let two writers lock two different files.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from lib.archive.connection import described
from lib.archive.errors import ArchiveLockedError


def lock_path(path: Path) -> Path:
    """The lock file of the archive at ``path``."""
    return path.with_name(path.name + ".writer.lock")


class WriterLock:
    """Held from construction until :meth:`release`: no other writer, in any process, may have the archive.

    Args:
        path: The archive file.

    Raises:
        ArchiveLockedError: Another writer has it; the message names the file and that writer's process.
        ArchiveError: The lock file cannot be created (a read-only or missing folder).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise described(path, error) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise ArchiveLockedError(
                path, f"{path} already has a writer (process {holder}): an archive takes one writer at a time"
            ) from None
        except OSError as error:
            os.close(fd)
            raise described(path, error) from None
        with contextlib.suppress(OSError):  # only for the message of a second writer
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd: int | None = fd

    def release(self) -> None:
        """Let another writer have the archive. Safe to call twice."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing drops the flock
