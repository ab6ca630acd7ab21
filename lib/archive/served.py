"""A feed server's own archive: what it sends its clients, kept as a client would keep it, through the archive's writer.

``python -m lib.feed --archive FILE`` hands every frame it publishes to :meth:`ServedArchive.offer`
as it sends it. Each frame is applied to a :class:`~lib.store.Store` exactly as a client applies
a received one, and only what that store applies goes on to the :class:`~lib.archive.ArchiveWriter`:
a replayed recording's malformed or stale frames, a score going down without a correction, are
left out as a client leaves them, so the server's archive holds what a client's would. The
state a server sends each new connection is not offered again (it was offered when first sent).
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Final

from lib.archive.writer import DEFAULT_BATCH_SECONDS, ArchiveWriter, WriterStats
from lib.store import Store

_HISTORY: Final = 1
"""The store judges frames; what it keeps of a game's history is not what is archived."""


class ServedArchive:
    """The frames a feed server sends, filed in an archive as a client would accept them.

    Meant for one thread, the server's event loop: :meth:`offer` never blocks (the writer's
    queue takes the frame; a thread of its own writes it).

    Args:
        path: The archive; created if missing.
        source: What the server serves (``demo``, ``nba``, ``games-csv``, ``replay``, ``nba-replay``):
            the rows' label.
        batch_seconds: How often rows are written.

    Raises:
        ArchiveError: As :class:`~lib.archive.ArchiveWriter` does: the file cannot be an archive here.
    """

    def __init__(self, path: str | os.PathLike[str], *, source: str, batch_seconds: float = DEFAULT_BATCH_SECONDS):
        self._store = Store(history_per_game=_HISTORY)
        self._writer = ArchiveWriter(path, source=source, batch_seconds=batch_seconds)

    def offer(self, frame: str | bytes, sent_at: float) -> None:
        """Archive one frame as sent (``str`` a text frame, ``bytes`` a binary one) if a client would apply it."""
        binary = isinstance(frame, bytes)
        if self._store.ingest(frame, received_at=sent_at, binary=binary).status == "applied":
            # Applied, so text: valid Unicode that encodes.
            self._writer.offer(frame if isinstance(frame, bytes) else frame.encode(), sent_at)

    @property
    def stats(self) -> WriterStats:
        """The writer's counters."""
        return self._writer.stats

    def close(self) -> None:
        """Write what is queued and let the file go; safe to call twice."""
        self._writer.close()

    def __enter__(self) -> ServedArchive:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
