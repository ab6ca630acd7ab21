"""The archive's exceptions, each naming the file and saying what is wrong in words a page can show.

Every failure to open, read or write an archive is an :class:`ArchiveError`; the subclasses are
the cases a caller may want to tell apart (wait and try again, upgrade, or leave the file to an
expert). ``str(error)`` is the whole message; it never holds a secret, only a path.
"""

from __future__ import annotations

import os
from pathlib import Path


class ArchiveError(Exception):
    """The archive cannot be used, for the reason the message gives.

    Args:
        path: The archive file.
        message: What is wrong, naming the file.

    Attributes:
        path: The archive file.
    """

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        super().__init__(message)
        self.path = Path(path)


class ArchiveLockedError(ArchiveError):
    """Someone else has the file: another writer, or a long read or write in another process."""


class ArchiveVersionError(ArchiveError):
    """The file's schema is one this code cannot use: newer than it knows, or older and not writable."""


class ArchiveCorruptError(ArchiveError):
    """The file is not a DuckDB database, or a DuckDB database that is not an archive."""
