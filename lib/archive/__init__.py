"""The archive: every accepted game state, prediction and play in an embedded DuckDB file, across nights.

:class:`ArchiveWriter` appends what a live feed accepts, batched off the client thread (a feed
server's :class:`ServedArchive` what it sends, as a client would accept it);
:func:`query` reads any SQL on a read-only connection; ``python -m lib.archive import`` fills an
archive from recordings, real-games CSVs and finished NBA games. ``docs/archive.md`` has the
schema, the views and how a team shares one file.
"""

from __future__ import annotations

from lib.archive.errors import ArchiveCorruptError, ArchiveError, ArchiveLockedError, ArchiveVersionError
from lib.archive.lock import writer_process
from lib.archive.reader import (
    GameAccounts,
    game_accounts,
    game_histories,
    game_plays,
    game_wpas,
    games,
    query,
    scorecard,
)
from lib.archive.schema import SCHEMA_VERSION
from lib.archive.served import ServedArchive
from lib.archive.writer import ArchiveWriter, WriterStats

__all__ = [
    "SCHEMA_VERSION",
    "ArchiveCorruptError",
    "ArchiveError",
    "ArchiveLockedError",
    "ArchiveVersionError",
    "ArchiveWriter",
    "GameAccounts",
    "ServedArchive",
    "WriterStats",
    "game_accounts",
    "game_histories",
    "game_plays",
    "game_wpas",
    "games",
    "query",
    "scorecard",
    "writer_process",
]
