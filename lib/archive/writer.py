"""The live archive writer: accepted frames queued by the client thread, written in batches by a thread of its own.

The client thread's only cost is :meth:`ArchiveWriter.offer`: a length check and two appends to
a bounded queue, never a wait; when the queue is full the frame is counted as dropped. Every
``batch_seconds`` the writer's thread opens the file, hands it what is queued to parse and file
as rows (:mod:`lib.archive.batch`: in DuckDB, off the GIL and on one core, so the client thread
runs on) in one transaction, commits and closes the file again, so that other processes can read
it in between (see :mod:`lib.archive.connection`).

What a crash can lose: the rows not yet committed, which is what was offered in the last
``batch_seconds`` plus the batch being written when it happened (its write takes milliseconds;
it may wait for readers that have the file, :data:`OPEN_TIMEOUT` at most). A committed batch
survives a crash of the process: DuckDB writes its log before the commit returns, and replays it
when the file is next opened. While the file cannot be written (a full disk, a reader holding it
for longer than :data:`OPEN_TIMEOUT`), the refused batch waits in memory and is tried again every
``batch_seconds``, while new frames fill the queue up to ``capacity`` (and ``capacity_bytes``); a
crash then loses those too.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final

from lib.archive.batch import Batch, file_apart, latest_states, source_label
from lib.archive.connection import opened
from lib.archive.errors import ArchiveError
from lib.archive.lock import WriterLock
from lib.archive.schema import next_arrival, prepare

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SECONDS: Final = 0.5
DEFAULT_CAPACITY: Final = 50_000
"""Frames the queue holds, and frames waiting to be written: at 200 a second, four minutes of an
archive that cannot be written before anything is dropped."""
DEFAULT_CAPACITY_BYTES: Final = 64 * 1024 * 1024
"""Bytes of frames the queue holds, and as many waiting to be written: a feed's frames are a few
hundred bytes, so ``capacity`` binds first, but the protocol allows 1 MiB a frame and keeps unknown
fields, and 50,000 of those would be 50 GB."""
WRITER_THREADS: Final = 1
"""DuckDB's threads for a batch: one core at most, so that the client thread keeps a core of its own."""
OPEN_TIMEOUT: Final = 5.0
"""Seconds a batch waits for the file while readers have it, before it counts as failed and waits for the next."""


@dataclass(frozen=True, slots=True)
class WriterStats:
    """What the writer has done, read together.

    Attributes:
        path: The archive file.
        source: The source its rows are labelled with.
        written: Rows new to the archive.
        duplicates: Rows the archive already had (a reconnect's snapshot, a replayed night).
        dropped: Frames refused because the queue was full (in frames or bytes), or offered after
            :meth:`ArchiveWriter.close`.
        skipped: Frames the database could not read exactly as the store did (see :mod:`lib.archive.batch`).
        refused: Frames with a value the archive cannot hold (a time outside the protocol's range,
            or one DuckDB refused), not archived; the frames beside them were.
        last_refused: The last refused frame, named with why; it stays.
        orphans: Predictions for a game whose state never reached the archive, not archived.
        queued: Frames waiting for the next batch.
        pending: Frames of a batch that could not be written yet, waiting to be tried again.
        batches: Batches committed.
        errors: Batches that failed (each is tried again with the next).
        last_error: The last failure in words, naming the file; it stays after recovery.
        failing: Whether the last attempt failed.
        last_write_at: When the last batch was committed, epoch seconds.
        longest_write: The slowest committed batch, seconds from opening the file to closing it.
        closed: Whether :meth:`ArchiveWriter.close` was called.
    """

    path: Path
    source: str
    written: int
    duplicates: int
    dropped: int
    skipped: int
    refused: int
    last_refused: str | None
    orphans: int
    queued: int
    pending: int
    batches: int
    errors: int
    last_error: str | None
    failing: bool
    last_write_at: float | None
    longest_write: float
    closed: bool


class ArchiveWriter:
    """Appends every accepted frame to an archive file, in batches, off the caller's thread.

    Opening it takes the archive's writer lock, creates or migrates the schema and starts the
    writer's thread; :meth:`close` writes what is left and lets the file go. One writer per
    file: a second one, in this process or another, gets :class:`ArchiveLockedError`.

    Args:
        path: The archive, e.g. ``nba.duckdb``; created if missing (its folder must exist).
        source: Where the frames come from: ``demo``, ``nba``, the feed's URL (its credentials
            are removed) or ``import:<file>``.
        batch_seconds: How often rows are written: the most a crash loses.
        capacity: Frames the queue holds, and frames that may wait for a writable file.
        capacity_bytes: The same in bytes of frames: whichever is reached first drops frames.

    Raises:
        ArchiveError: The file cannot be an archive here, and why (its subclasses
            :class:`ArchiveLockedError`, :class:`ArchiveVersionError`, :class:`ArchiveCorruptError`);
            nothing was started and the file is as it was.
        ValueError: A setting is out of range.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        source: str,
        batch_seconds: float = DEFAULT_BATCH_SECONDS,
        capacity: int = DEFAULT_CAPACITY,
        capacity_bytes: int = DEFAULT_CAPACITY_BYTES,
    ) -> None:
        if not (math.isfinite(batch_seconds) and batch_seconds > 0) or capacity < 1 or capacity_bytes < 1:
            raise ValueError(
                "batch_seconds must be positive, capacity and capacity_bytes at least 1, "
                f"got {batch_seconds}, {capacity}, {capacity_bytes}"
            )
        self.path = Path(path).resolve()
        self.source = source_label(source)
        self.batch_seconds = batch_seconds
        self._lock = WriterLock(self.path)
        try:
            with opened(self.path, read_only=False, timeout=OPEN_TIMEOUT) as connection:
                prepare(connection, self.path)
                self._arrival = next_arrival(connection)
                self._carried = latest_states(connection)
        except BaseException:
            self._lock.release()
            raise
        self._capacity = capacity
        self._capacity_bytes = capacity_bytes
        # Each counter has one writer, so no update is lost: their difference is the bytes queued.
        self._offered_bytes = 0  # the client thread's
        self._taken_bytes = 0  # the writer's thread's
        # Two queues rather than one of pairs: a pair is one more object for Python's garbage
        # collector, which then collected twice as often; at tens of thousands of frames a second
        # that cost the client thread a tenth of its speed. The client thread appends the frame
        # first, so a frame without its time yet is left for the next batch.
        self._frames: deque[bytes] = deque()
        self._times: deque[float] = deque()
        self._pending = Batch()
        self._stats_lock = threading.Lock()
        self._dropped = 0
        self._written = self._duplicates = self._skipped = self._orphans = self._batches = self._errors = 0
        self._refused = 0
        self._last_refused: str | None = None
        self._last_error: str | None = None
        self._failing = False
        self._last_write_at: float | None = None
        self._longest_write = 0.0
        self._closed = False
        self._close_timeout = OPEN_TIMEOUT
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="archive-writer", daemon=True)
        self._thread.start()
        logger.info("archiving %s frames to %s every %g s", self.source, self.path, batch_seconds)

    def offer(self, frame: bytes, received_at: float) -> None:
        """Queue one frame the store applied, as received; never blocks, never raises.

        Meant for one producing thread, the feed client's: the drop count is exact then.

        Args:
            frame: The frame's payload (game messages and predictions are archived, other types
                ignored). Only frames the store applied belong here: the archive files them as
                accepted, and a prediction under the state its game had in the frames before it.
            received_at: When it was received, epoch seconds.
        """
        size = len(frame)
        if (
            len(self._frames) < self._capacity
            and self._offered_bytes - self._taken_bytes + size <= self._capacity_bytes
        ):
            self._frames.append(frame)
            self._times.append(received_at)
            self._offered_bytes += size
        else:
            self._dropped += 1

    def close(self, timeout: float = OPEN_TIMEOUT) -> None:
        """Write what is queued, stop the thread and let another writer have the file. Safe to call twice.

        Args:
            timeout: Seconds to wait for the file for the last batch; frames it cannot write are
                lost, and the log says how many.
        """
        if self._closed:
            return
        self._closed = True
        self._capacity = 0  # later offers are counted as dropped
        self._close_timeout = timeout
        self._stop.set()
        self._thread.join()
        self._lock.release()
        unwritten = len(self._pending)
        if unwritten:
            logger.error("closing the archive %s with %d frames unwritten: %s", self.path, unwritten, self._last_error)
        logger.info("archive %s closed", self.path)

    @property
    def stats(self) -> WriterStats:
        """The counters, read together."""
        with self._stats_lock:
            return WriterStats(
                path=self.path,
                source=self.source,
                written=self._written,
                duplicates=self._duplicates,
                dropped=self._dropped,
                skipped=self._skipped,
                refused=self._refused,
                last_refused=self._last_refused,
                orphans=self._orphans,
                queued=len(self._times),
                pending=len(self._pending),
                batches=self._batches,
                errors=self._errors,
                last_error=self._last_error,
                failing=self._failing,
                last_write_at=self._last_write_at,
                longest_write=self._longest_write,
                closed=self._closed,
            )

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- the writer's thread -------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.wait(self.batch_seconds):
            self._flush(OPEN_TIMEOUT)
        self._flush(self._close_timeout)

    def _flush(self, timeout: float) -> None:
        with self._stats_lock:
            self._take()
        if not self._pending:
            return
        started = time.monotonic()
        try:
            with opened(self.path, read_only=False, timeout=timeout, threads=WRITER_THREADS) as connection:
                written = file_apart(connection, self._pending, self.source, self._carried)
        # Broad on purpose: this thread must outlive any failure, and the frames wait for the next batch.
        except Exception as error:
            self._failed(error)
            return
        took = time.monotonic() - started
        self._carried = written.latest
        with self._stats_lock:
            if self._failing:
                logger.info("archive %s writes again after %d failed batches", self.path, self._errors)
            self._written += written.new
            self._duplicates += written.known
            self._skipped += written.skipped
            self._refused += written.refused
            if written.refusals:
                self._last_refused = written.refusals[-1]
            self._orphans += written.orphans
            self._batches += 1
            self._failing = False
            self._last_write_at = time.time()
            self._longest_write = max(self._longest_write, took)
            self._pending = Batch()

    def _take(self) -> None:
        """Move the queued frames to the pending batch, in order, numbering them.

        Not while a batch the file refused is pending: it is tried again first, as it is, and new
        frames wait in the queue, so that at most twice the capacity waits in memory.
        """
        pending = self._pending
        if pending:
            return
        # The client thread waits for the GIL while this runs: the least Python a frame can cost.
        count = len(self._times)
        take_frame, take_time = self._frames.popleft, self._times.popleft
        pending.frames.extend([take_frame() for _ in range(count)])
        pending.received.extend([take_time() for _ in range(count)])
        pending.arrivals.extend(range(self._arrival, self._arrival + count))
        self._arrival += count
        self._taken_bytes += sum(map(len, pending.frames))

    def _failed(self, error: Exception) -> None:
        words = str(error) if isinstance(error, ArchiveError) else f"{self.path}: {type(error).__name__}: {error}"
        with self._stats_lock:
            if not self._failing:  # once per outage, not once per batch
                logger.error("archive %s cannot be written (%s); its frames wait and are tried again", self.path, words)
            self._errors += 1
            self._last_error = words
            self._failing = True
