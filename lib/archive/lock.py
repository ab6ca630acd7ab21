"""The one-writer rule: an exclusive lock beside the archive, held by its writer for as long as it writes.

DuckDB's own lock is taken per batch and released in between (so that readers get their turn),
so it cannot say who the writer is. ``nba.duckdb.writer.lock`` can: an advisory ``flock`` that the
system releases when the holder exits, however it exits, so a crashed writer never leaves the
archive locked. The file holds the holder's process id, for the message a second writer gets and
for :func:`writer_process`.

The writer removes the file when it lets go, so that none stays beside an archive nobody writes.
Removing a lock file is safe only because a writer checks, once it has the lock, that the file it
locked is still the one at the path: a writer that locked a file just removed tries again with the
new one, so two writers never hold locks on two files. A writer that was killed leaves its file,
unlocked; the next writer takes it over and removes it in turn.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import time
from pathlib import Path
from typing import Final

from lib.archive.connection import described
from lib.archive.errors import ArchiveError, ArchiveLockedError

PATIENCE: Final = 0.5
"""Seconds a writer tries again for a lock held for a moment: :func:`writer_process` holds it, shared,
for a few microseconds to look; a writer holds it for as long as it writes."""
_RETRY: Final = 0.01


def lock_path(path: Path) -> Path:
    """The lock file of the archive at ``path``."""
    return path.with_name(path.name + ".writer.lock")


class WriterLock:
    """Held from construction until :meth:`release`: no other writer, in any process, may have the archive.

    Args:
        path: The archive file.

    Raises:
        ArchiveLockedError: Another writer has it; the message names the file and that writer's process.
        ArchiveError: The lock file cannot be created (a read-only or missing folder), or is not a file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        deadline = time.monotonic() + PATIENCE
        while True:
            fd = _open(path, os.O_RDWR | os.O_CREAT)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() < deadline:
                    os.close(fd)
                    time.sleep(_RETRY)
                    continue
                holder = _holder(fd) or "unknown"
                os.close(fd)
                raise ArchiveLockedError(
                    path, f"{path} already has a writer (process {holder}): an archive takes one writer at a time"
                ) from None
            except OSError as error:
                os.close(fd)
                raise described(path, error) from None
            if _still_there(fd, lock_path(path)):
                break
            os.close(fd)  # the writer before removed it as it let go: lock the file now at the path
        with contextlib.suppress(OSError):  # only for messages
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd: int | None = fd

    def release(self) -> None:
        """Let another writer have the archive, and remove the lock file. Safe to call twice."""
        fd, self._fd = self._fd, None
        if fd is not None:
            # Removed while still held: a writer waiting for it then finds it gone and locks a new one.
            with contextlib.suppress(OSError):
                os.unlink(lock_path(self.path))
            os.close(fd)  # closing drops the flock


def writer_process(path: str | os.PathLike[str]) -> str | None:
    """The id of the process that writes the archive at ``path`` now (``unknown`` if unreadable); ``None`` if none.

    Looks without waiting and without creating anything; a lock file it cannot read counts as no
    writer. The look holds the lock, shared, for a few microseconds: a writer starting meanwhile
    tries again (:data:`PATIENCE`).
    """
    try:
        fd = os.open(lock_path(Path(path)), os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(fd) or "unknown"
    except OSError:
        return None
    finally:
        os.close(fd)  # and with it the shared lock
    return None


def _open(path: Path, flags: int) -> int:
    """The lock file open, refusing anything but a regular file (a FIFO there would block its readers)."""
    try:
        fd = os.open(lock_path(path), flags | os.O_NONBLOCK, 0o644)
    except OSError as error:
        raise described(path, error) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ArchiveError(path, f"{lock_path(path)} is not a regular file: an archive's lock must be one")
    return fd


def _holder(fd: int) -> str:
    """The process id the lock file holds; empty while a writer that just took it has not written it yet."""
    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return holder if holder.isdigit() else ""


def _still_there(fd: int, path: Path) -> bool:
    """Whether the open file ``fd`` is still the one at ``path`` (not removed, not replaced)."""
    held = os.fstat(fd)
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)
