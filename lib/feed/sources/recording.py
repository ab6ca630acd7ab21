"""Replaying a recording: the frames of a night, again, with their original timing.

:class:`ReplaySource` is a :class:`~lib.feed.server.Source` that hands the server each recorded
frame when it falls due: at its offset from the first frame divided by the speed. A message is
sent as recorded but for its ``ts``, which becomes the time it is sent again, so a client's
latency measures this delivery, not the age of the recording; one the original client found
stale stays as much older than the frame it lost to. Anything that is not a valid message goes
byte for byte, to be rejected again; the recorded feed's ``source_status`` does not go at all,
since this feed is a replay, not that source. The server keeps the latest frame of every game
and prediction and sends those to a client that connects mid-replay, so it starts from the
current state as the protocol promises. ``python -m lib.feed --replay night.jsonl`` is the command.

When the recording ends the source falls silent and the server keeps serving the final state:
a replay is not a server going away, so no connection is closed.

This module is pure: it takes the frames as an iterable (:func:`lib.recorder.read_recording`
reads them lazily from the file) and the time as an argument; no sockets, threads or clocks.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from lib.protocol import PlayUpdate, PongMessage, PredictionUpdate, Rejection, SourceStatusUpdate, parse

if TYPE_CHECKING:  # only the type: the recorder's module holds a lock, which a pure module does without
    from lib.recorder import RecordedFrame

logger = logging.getLogger(__name__)


class ReplaySource:
    """The frames of a recording, each due at its recorded offset divided by ``speed``.

    The first frame is read at once, so a file that is not a recording fails here, not mid-replay.
    A recording that turns out to be corrupt further on ends the replay there, with an error in
    the log: the frames before it were sent, and the server keeps their state.

    Args:
        frames: The recording, in order (e.g. ``read_recording("night.jsonl")``).
        speed: How much faster than recorded to play: 2 plays twice as fast.
        start: When (epoch seconds) the first frame is due; ``None``: at the first :meth:`advance`.

    Raises:
        ValueError: If ``speed`` is not a positive finite number, the recording holds no frames, or
            its first line is not a recorded frame.
        OSError: If the recording cannot be read.
    """

    def __init__(self, frames: Iterable[RecordedFrame], *, speed: float = 1.0, start: float | None = None) -> None:
        if not (math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number, got {speed}")
        self._frames: Iterator[RecordedFrame] = iter(frames)
        self._next: RecordedFrame | None = next(self._frames, None)
        if self._next is None:
            raise ValueError("the recording holds no frames")
        self._origin = self._next.received_at
        self._speed = speed
        self._start = start
        self._latest: dict[tuple[bool, str, int | None], tuple[float, float]] = {}
        """Per game's state (``False``) or prediction (``True``), and per play (its ``play_id``): the
        recorded ``ts`` of the frame a client holds, and the ``ts`` it was sent with."""
        self.sent = 0
        """Frames handed out so far (source reports left out included)."""

    name = "replay"

    def status(self) -> None:
        """``None``: a recording has no upstream whose health could change."""
        return

    def close(self) -> None:
        """Nothing to release: the recording's file is read a line at a time and closed by its reader."""

    @property
    def finished(self) -> bool:
        """Whether every frame has been handed out."""
        return self._next is None

    @property
    def games(self) -> None:
        """``None``: the server forgets no game of a replay (it cannot know when the original did)."""
        return None

    def next_due(self) -> float | None:
        """When the next frame is due (epoch seconds); ``None`` before the start and after the end."""
        if self._next is None or self._start is None:
            return None
        return self._due(self._next)

    def advance(self, now: float) -> list[str | bytes]:
        """The frames due by ``now``, in recorded order, with a message's ``ts`` moved to ``now``.

        A message whose recorded ``ts`` is older than that of the frame kept for its game (its
        state and its prediction apart, as a client orders them) gets a ``ts`` as much older,
        divided by the speed, than the one that frame was sent with: stale on the first showing,
        stale again. A message without ``ts`` and anything that is not a valid message are sent
        as recorded; a ``source_status`` is not sent. Text frames come back as ``str`` (sent as
        text frames), binary ones as ``bytes``. A text frame that was not valid UTF-8 cannot
        travel as a text frame again, so it is sent as a binary one with the same bytes (a
        client rejects it either way).

        Args:
            now: The current time, epoch seconds.

        Returns:
            The due frames; empty when none is due or the recording has ended.
        """
        if self._start is None:
            self._start = now
        due: list[str | bytes] = []
        while self._next is not None and self._due(self._next) <= now:
            frame = self._sent_again(_frame(self._next), now)
            if frame is not None:
                due.append(frame)
            self.sent += 1
            self._next = self._read()
        if due and self._next is None:
            logger.info("the replay has ended after %d frames; serving its final state", self.sent)
        return due

    def _sent_again(self, frame: str | bytes, now: float) -> str | bytes | None:
        """The frame to send for a recorded one at ``now``: its ``ts`` moved to this delivery; ``None``: not sent."""
        message = frame if isinstance(frame, bytes) else parse(frame)
        if isinstance(message, SourceStatusUpdate):
            return None
        if isinstance(message, bytes | Rejection) or message.ts is None:
            return frame
        ts = now
        if not isinstance(message, PongMessage):
            # What a client orders separately: a game's state, its prediction, each of its plays.
            play = message.data.play_id if isinstance(message, PlayUpdate) else None
            key = (isinstance(message, PredictionUpdate), message.data.game_id, play)
            recorded, sent = self._latest.get(key, (-math.inf, -math.inf))
            if message.ts < recorded:
                ts = sent - (recorded - message.ts) / self._speed
            else:
                ts = max(now, sent)
                self._latest[key] = (message.ts, ts)
        try:
            envelope = json.loads(frame)
            envelope["ts"] = round(ts, 6)
            return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        except (ValueError, RecursionError):  # JSON the protocol's parser reads and this one does not: as it is
            return frame

    def _due(self, frame: RecordedFrame) -> float:
        assert self._start is not None
        # Clocks can step back (NTP): such a frame is simply due at once, after the one before it.
        return self._start + (frame.received_at - self._origin) / self._speed

    def _read(self) -> RecordedFrame | None:
        try:
            return next(self._frames, None)
        except ValueError as error:  # its message names the file and line: a traceback would add nothing
            logger.error("the recording is corrupt after frame %d (%s); the replay ends there", self.sent, error)
            return None


def _frame(recorded: RecordedFrame) -> str | bytes:
    if recorded.binary:
        return recorded.payload
    try:
        return recorded.payload.decode("utf-8")
    except UnicodeDecodeError:
        return recorded.payload
