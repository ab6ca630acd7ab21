"""Importing a past night's frames into an archive, through a store, so only what a client would accept goes in.

Each frame is applied to a fresh :class:`~lib.store.Store` exactly as the feed client applies a
received one; what the store applies becomes rows, and nothing else does: a malformed frame, a
score going down without a correction, a stale update are left out as a live client leaves
them. One import is one transaction: a file that turns out to be bad half-way adds nothing, and
readers see the import whole or not at all. The import takes the archive's writer lock, so it
cannot run while a live writer has the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb

from lib.archive.batch import Batch, Written, insert, latest_states, source_label
from lib.archive.connection import CSV_ENDINGS, opened
from lib.archive.lock import WriterLock
from lib.archive.schema import next_arrival, prepare
from lib.archive.writer import OPEN_TIMEOUT
from lib.protocol import GameEnd, GameStart, ScoreUpdate
from lib.recorder import RecordedFrame
from lib.store import Store

CHUNK_FRAMES: Final = 50_000
"""Frames inserted at a time within the import's transaction: memory stays flat for any size of night."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one import did.

    Attributes:
        source: The label its rows carry.
        frames: Frames read.
        applied: Frames the store applied (game states, predictions, and the rest).
        rejected: Frames the store rejected, as a client would have (stale ones and pongs are neither).
        new_rows: Rows new to the archive.
        known_rows: Rows the archive already had (the same night imported before, say).
        skipped: Applied frames the database could not read exactly as the store did, not archived.
        orphans: Predictions for a game with no state, not archived.
        refused: Applied frames with a value the archive cannot hold, not archived.
        refusals: The first of them, each named with why.
    """

    source: str
    frames: int
    applied: int
    rejected: int
    new_rows: int
    known_rows: int
    skipped: int
    orphans: int
    refused: int
    refusals: tuple[str, ...]


def import_frames(
    archive: str | os.PathLike[str], frames: Iterable[RecordedFrame], source: str, *, sole_source: bool = False
) -> ImportResult:
    """Apply ``frames`` to a store as a client would, and add what it accepted to ``archive`` in one transaction.

    Args:
        archive: The archive file; created if missing.
        frames: The night's frames in the order received (see :mod:`lib.archive.sources`).
        source: What the rows are labelled with, e.g. ``import:night.jsonl``.
        sole_source: The frames are this input's own telling of its games (a games or plays CSV played by
            the project's model), which no other source's rows of a game may be mixed with: a game the
            archive holds from another source is refused, and nothing is added. Without it (a
            recording, finished NBA games), a game the archive holds from such a CSV is refused alike.

    Raises:
        ArchiveError: The archive cannot be written; nothing was added.
        ValueError: Reading ``frames`` failed on bad input, or (``sole_source``) a game is the archive's from
            another source, which the message names; nothing was added.
        OSError: Reading ``frames`` failed; nothing was added.
    """
    path = Path(archive).resolve()
    label = source_label(source)
    lock = WriterLock(path)
    try:
        with opened(path, read_only=False, timeout=OPEN_TIMEOUT) as connection:
            prepare(connection, path)
            arrival, carried = next_arrival(connection), latest_states(connection)
            others = _other_sources(connection, label, csv_only=not sole_source)
            # The store's history and plays are not what is archived: one a game keeps its memory small.
            store = Store(history_per_game=1, plays_per_game=1)
            read = applied = rejected = 0
            done = Written(0, 0, 0, 0, carried)
            batch = Batch()
            connection.execute("BEGIN TRANSACTION")
            for frame in frames:
                read += 1
                result = store.ingest(frame.payload, received_at=frame.received_at, binary=frame.binary)
                if result.status == "applied":
                    if isinstance(result.message, ScoreUpdate | GameStart | GameEnd):
                        _refuse_known(result.message.data.game_id, others, path)
                    applied += 1
                    batch.add(frame.payload, frame.received_at, arrival)
                    arrival += 1
                elif result.status == "rejected":
                    rejected += 1
                if len(batch) == CHUNK_FRAMES:
                    done += insert(connection, batch, label, done.latest)
                    batch = Batch()
            done += insert(connection, batch, label, done.latest)
            connection.execute("COMMIT")
    finally:
        lock.release()
    return ImportResult(
        label, read, applied, rejected, done.new, done.known, done.skipped, done.orphans, done.refused, done.refusals
    )


def _other_sources(connection: duckdb.DuckDBPyConnection, label: str, *, csv_only: bool) -> dict[str, str]:
    """Each archived game that has rows from a source other than ``label`` (``csv_only``: a CSV's import), with one."""
    # A CSV's import is labelled with its file's name, which the command line reads as a CSV by its ending.
    endings = " OR ".join(f"source LIKE 'import:%{ending}'" for ending in CSV_ENDINGS)
    csv = f"AND ({endings})" if csv_only else ""
    rows = connection.execute(
        f"SELECT game_id, min(source) FROM game_updates WHERE source <> $label {csv} GROUP BY game_id",
        {"label": label},
    ).fetchall()
    return dict(rows)


def _refuse_known(game_id: str, others: dict[str, str], path: Path) -> None:
    """Refuse a game that ``path`` holds from another telling of it.

    Two tellings of one game (the games CSV's and the plays CSV's, or a CSV's and the NBA's) share
    its states but not its predictions, and its latest state would be whichever import's last row
    was new: a finished game reading as live. No merge of the two is right, so the archive keeps one.
    """
    other = others.get(game_id)
    if other is not None:
        raise ValueError(
            f"game {game_id} is in {path} already, from {other}: an archive holds one telling of a game, "
            "and this input tells it again with states and predictions of its own; import it into another "
            "archive (--archive another.duckdb)"
        )
