"""What the feed server serves: the one small interface every source implements.

The sources, one module each: :mod:`~lib.feed.sources.night` (a simulated night, or real games
from :mod:`~lib.feed.sources.games_csv`), :mod:`~lib.feed.sources.recording` (a recording
replayed frame for frame) and :mod:`~lib.feed.sources.nba` (tonight's real games, or finished
ones again). The server knows them only through :class:`Source`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lib.protocol import Game, Message, SourceStatus

Frame = str | bytes
"""A raw WebSocket frame: ``str`` goes as a text frame, ``bytes`` as a binary one."""


class Source(Protocol):
    """Where a feed's messages come from: the simulator, real game flows, a replay, the NBA bridge.

    The server calls :meth:`advance` off its event loop, so a source may block on its own
    upstream (the NBA bridge fetches files there); the other methods must return at once.
    """

    name: str
    """What the source is, for ``/health``, logs and clients: ``demo``, ``nba``, or one of
    :data:`lib.protocol.REPLAY_SOURCES` (started when its first client connects, so that the first
    viewer sees the tip-off)."""

    def advance(self, now: float) -> Sequence[Message | Frame]:
        """Everything that changed up to ``now`` (epoch seconds), in order.

        A :data:`~lib.protocol.Message` is stamped with ``ts`` and ``seq`` on sending; a
        :data:`Frame` is sent exactly as it is (a replay of a recording gives its frames their ``ts``).
        """
        ...

    @property
    def games(self) -> Sequence[Game] | None:
        """The games the source currently has, the others being forgotten by the server; ``None``: forget none."""
        ...

    def next_due(self) -> float | None:
        """When (epoch seconds) the source next has something to send; ``None``: poll it every interval."""
        ...

    def status(self) -> SourceStatus | None:
        """The health of the source's upstream; ``None`` for a source without one."""
        ...

    def close(self) -> None:
        """Release what the source holds (connections to its upstream); called when the server stops."""
        ...
