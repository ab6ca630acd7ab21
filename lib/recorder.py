"""Recording the feed: every received frame, with its receive time, in a JSON Lines file.

A :class:`Recorder` is made to be the client's ``on_frame`` hook: ``FeedClient(...,
on_frame=recorder.record)``. Each frame becomes one line, written straight to the file (no
buffer in this process), so a crash of the process loses at most the line being written (there
is no fsync per line, which would cost a disk flush per frame: a power cut can lose more)::

    {"received_at":1764186000.123456,"binary":false,"frame":"{\\"type\\":\\"score_update\\",...}"}
    {"received_at":1764186000.2,"binary":true,"base64":true,"frame":"AAE="}

``frame`` is the text frame exactly as received. A binary frame, or a text frame that is not
valid UTF-8, is base64-encoded and flagged with ``"base64": true``, so every payload comes back
byte for byte. :func:`read_recording` reads a recording back; ``python -m lib.feed --replay``
serves one again. ``docs/protocol.md`` ("Recordings") describes the format.

A recording begun mid-night starts with the state it joins: given ``first``, a recorder writes
the frames it returns (every game's state and latest prediction, from ``LiveFeed``) before the
first frame it records, taken at that moment, so a replay or an import knows the scores it joined.

Rotation: when the file passes ``max_bytes`` it is renamed with the next free number
(``night.jsonl`` becomes ``night.1.jsonl``, then ``night.2.jsonl``, ...: the higher the number,
the newer) and a fresh ``night.jsonl`` is started. Rotated files are all kept: a recording is
for analysing a night again, and a recorder that deleted data would defeat it.

Bounds: a recording must never fill the disk of the process it shares with the live feed, so
it stops by itself, with its reason in :attr:`RecorderStats.stopped`, once its files together
would pass ``max_total_bytes``, or once the disk has less than ``min_free_bytes`` free.

This module only reads and writes files: no sockets, no Streamlit. The lock is there because
the client thread records while another thread (the dashboard's) may close the recorder.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from lib.protocol import LATEST_TIMESTAMP, MAX_FRAME_BYTES

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024
"""A recording file is rotated once it passes this size (64 MiB: about three hours of the demo feed)."""
DEFAULT_MAX_TOTAL_BYTES: Final = 256 * 1024 * 1024
"""A recording stops once its files together would pass this size (256 MiB: about twelve hours of the demo)."""
DEFAULT_MIN_FREE_BYTES: Final = 512 * 1024 * 1024
"""A recording stops once the disk has less than this free."""
_FREE_CHECK_BYTES: Final = 1024 * 1024
"""Free disk space is checked again after each mebibyte written (and at every rotation)."""

MAX_LINE_BYTES: Final = 6 * MAX_FRAME_BYTES + 1024
"""The longest line a recording can hold: a frame is at most :data:`lib.protocol.MAX_FRAME_BYTES`
(larger ones are skipped before they are recorded), and JSON writes a control character in six
bytes (``\u0000``). A longer line is refused as it is read, never read whole: a file without line
breaks would otherwise be held in memory at several times its size."""

_TAIL_CHUNK: Final = 64 * 1024
_O_BINARY: Final = getattr(os, "O_BINARY", 0)
"""Windows would otherwise translate newlines; elsewhere files are always binary."""


@dataclass(frozen=True, slots=True)
class RecordedFrame:
    """One frame of a recording.

    Attributes:
        received_at: When the client received it, epoch seconds.
        binary: Whether it arrived as a WebSocket binary frame.
        payload: Its bytes, exactly as received.
    """

    received_at: float
    binary: bool
    payload: bytes


@dataclass(frozen=True, slots=True)
class RecorderStats:
    """What a recorder has done so far.

    Attributes:
        path: The file being written (rotated files carry a number before the suffix).
        lines: Frames written.
        bytes: Bytes written, over all files.
        errors: Failed writes (disk full, permissions, ...); each loses at most the frame at hand.
        rotations: Times the file was rotated.
        last_error: The last error, in a few words; ``None`` when there has been none.
        closed: Whether the recorder takes no more frames (closed, or stopped by itself).
        stopped: Why the recorder stopped by itself (its size limit, a nearly full disk);
            ``None`` while recording and after :meth:`Recorder.close`.
        total_bytes: The size of the recording's files together, rotated ones included.
    """

    path: Path
    lines: int
    bytes: int
    errors: int
    rotations: int
    last_error: str | None
    closed: bool
    stopped: str | None = None
    total_bytes: int = 0


def size_words(size: float) -> str:
    """A size as people read it: ``512 bytes``, ``48 KiB``, ``256 MiB``, ``1.5 GiB``."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(size)} bytes"


def encode_line(payload: bytes, binary: bool, received_at: float) -> bytes:
    """One frame as one line of a recording, newline included.

    Args:
        payload: The frame's bytes as received.
        binary: Whether it was a binary frame.
        received_at: The receive time, epoch seconds (finite).

    Returns:
        The UTF-8 line.

    Raises:
        ValueError: If ``received_at`` is not a finite number.
    """
    record: dict[str, Any] = {"received_at": received_at, "binary": binary}
    text = None if binary else _utf8(payload)
    if text is None:
        record["base64"] = True
        record["frame"] = base64.b64encode(payload).decode("ascii")
    else:
        record["frame"] = text
    # ensure_ascii off keeps team names readable; JSON still escapes every control character,
    # so a frame's own newlines cannot break the one-line-per-frame rule.
    return (json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8")


def _utf8(payload: bytes) -> str | None:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_line(line: bytes) -> RecordedFrame:
    """Read one line of a recording.

    Args:
        line: The line's bytes, with or without its newline.

    Returns:
        The frame it records.

    Raises:
        ValueError: If the line is not a valid record.
    """
    try:
        record = json.loads(line)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise ValueError(f"not a JSON line ({error})") from None
    except RecursionError:  # arrays or objects nested deeper than the parser goes
        raise ValueError("not a JSON line (nested too deeply)") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    received_at, binary, frame = record.get("received_at"), record.get("binary"), record.get("frame")
    encoded = record.get("base64", False)
    if isinstance(received_at, bool) or not isinstance(received_at, int | float) or not math.isfinite(received_at):
        raise ValueError(f"received_at must be a finite number, got {received_at!r}")
    if not 0 <= received_at < LATEST_TIMESTAMP:
        raise ValueError(f"received_at must be epoch seconds from 0 to {LATEST_TIMESTAMP:.0f}, got {received_at!r}")
    if not isinstance(binary, bool) or not isinstance(encoded, bool):
        raise ValueError("binary and base64 must be booleans")
    if not isinstance(frame, str):
        raise ValueError("frame must be a string")
    if not encoded:
        return RecordedFrame(float(received_at), binary, frame.encode("utf-8"))
    try:
        return RecordedFrame(float(received_at), binary, base64.b64decode(frame, validate=True))
    except binascii.Error as error:
        raise ValueError(f"frame is not valid base64 ({error})") from None


@dataclass(frozen=True, slots=True)
class RecordingFile:
    """One file of a folder of recordings, for a list to download from."""

    path: Path
    size: int
    modified: float
    """When it was last written, epoch seconds."""


def recording_files(folder: str | os.PathLike[str]) -> list[RecordingFile]:
    """Every recording file (``*.jsonl``, rotated ones too) in ``folder``, newest first; none if it is missing."""
    files = []
    with contextlib.suppress(FileNotFoundError):
        for entry in Path(folder).iterdir():
            if entry.suffix == ".jsonl" and entry.is_file():
                with contextlib.suppress(OSError):
                    status = entry.stat()
                    files.append(RecordingFile(entry, status.st_size, status.st_mtime))
    return sorted(files, key=lambda file: (-file.modified, file.path.name))


def rotated_path(path: Path, number: int) -> Path:
    """The name of a recording's ``number``-th rotated file: ``night.jsonl`` -> ``night.3.jsonl``."""
    return path.with_name(f"{path.stem}.{number}{path.suffix}")


def rotated_files(path: str | os.PathLike[str]) -> list[Path]:
    """A recording's rotated files, oldest first (the current file itself not included).

    Args:
        path: The recording's current file, as given to the :class:`Recorder`.

    Returns:
        The files named like ``rotated_path(path, n)`` that exist, by ``n`` ascending.
    """
    return [file for _, file in _numbered(Path(path))]


def _numbered(path: Path) -> list[tuple[int, Path]]:
    pattern = re.compile(rf"{re.escape(path.stem)}\.(\d+){re.escape(path.suffix)}")
    numbered = []
    with contextlib.suppress(FileNotFoundError):
        for entry in path.parent.iterdir():
            match = pattern.fullmatch(entry.name)
            if match is not None:
                numbered.append((int(match.group(1)), entry))
    return sorted(numbered)


class Recorder:
    """Appends every frame it is given to a JSON Lines file; rotates it by size.

    :meth:`record` has the signature of the client's ``on_frame`` hook and never raises: an
    I/O error is counted (and logged once per outage), and the next frame tries again, so a
    recording resumes by itself once the disk has room. The file is opened at once, in append
    mode, so a recording can be switched off and on again into the same file. A line torn by
    an earlier crash is cut off first, so what follows stays readable.

    Args:
        path: The file to write, e.g. ``night.jsonl``; its directory must exist.
        max_bytes: Rotate once the file passes this size.
        max_total_bytes: Stop before the recording's files together would pass this size.
        min_free_bytes: Stop once the disk has less than this free.
        first: Called once, just before the first frame is recorded (or on closing, if none
            came): the text frames to write first, received with that frame. The state the
            recording joins, taken in the thread that records, so no frame falls between the two.

    Raises:
        ValueError: If a size is not positive (``min_free_bytes`` may be 0).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
        min_free_bytes: int = DEFAULT_MIN_FREE_BYTES,
        first: Callable[[], Iterable[bytes]] | None = None,
    ) -> None:
        if max_bytes < 1 or max_total_bytes < 1 or min_free_bytes < 0:
            raise ValueError(
                f"max_bytes and max_total_bytes must be positive and min_free_bytes not negative, got "
                f"{max_bytes}, {max_total_bytes} and {min_free_bytes}"
            )
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.max_total_bytes = max_total_bytes
        self.min_free_bytes = min_free_bytes
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._size = 0
        self._lines = self._bytes = self._errors = self._rotations = 0
        self._last_error: str | None = None
        self._failing = False
        self._closed = False
        self._stopped: str | None = None
        self._unchecked = 0  # bytes written since free space was last checked
        self._first = first
        with self._lock:
            self._attempt(self._open)
            self._total = self._size + sum(_size_of(file) for file in rotated_files(self.path))
            if self._fd is not None:  # a recording that could not open counts that error once
                self._attempt(self._check_free)

    def record(self, payload: bytes, binary: bool, received_at: float) -> None:
        """Append one frame. The client's ``on_frame`` hook; safe from any thread; never raises.

        Args:
            payload: The frame's bytes as received.
            binary: Whether it was a binary frame.
            received_at: The receive time, epoch seconds.
        """
        with self._lock:
            if not self._closed:
                self._begin(received_at)
                self._attempt(self._write, payload, binary, received_at)

    def close(self) -> None:
        """Stop recording and close the file; later frames are ignored. Safe to call twice."""
        with self._lock:
            if not self._closed:
                self._begin(time.time())
            self._closed = True
            self._close_file()

    @property
    def stats(self) -> RecorderStats:
        """The counters, read together."""
        with self._lock:
            return RecorderStats(
                self.path,
                self._lines,
                self._bytes,
                self._errors,
                self._rotations,
                self._last_error,
                self._closed,
                self._stopped,
                self._total,
            )

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        stats = self.stats
        return f"<Recorder {str(stats.path)!r} lines={stats.lines} errors={stats.errors}>"

    # -- under the lock ----------------------------------------------------------------------

    def _attempt(self, step: Callable[..., None], *args: Any) -> None:
        # Broad on purpose: this runs in the feed client's thread, which must never see an error
        # from a recording (a full disk must not stop the live feed).
        try:
            step(*args)
        except Exception as error:
            self._errors += 1
            self._last_error = f"{type(error).__name__}: {error}"
            if not self._failing:  # once per outage, not once per frame
                logger.error("recording to %s failed (%s); counting errors until it works again", self.path, error)
            self._failing = True
            self._close_file()  # the next frame reopens it, cutting off any half-written line
            return
        if self._failing:
            logger.info("recording to %s works again after %d errors", self.path, self._errors)
            self._failing = False

    def _begin(self, received_at: float) -> None:
        first, self._first = self._first, None
        if first is not None:
            self._attempt(self._write_all, first, received_at)

    def _write_all(self, frames: Callable[[], Iterable[bytes]], received_at: float) -> None:
        for payload in frames():
            if self._closed:  # stopped by a bound meanwhile
                return
            self._write(payload, False, received_at)

    def _write(self, payload: bytes, binary: bool, received_at: float) -> None:
        line = encode_line(payload, binary, received_at)
        if self._total + len(line) > self.max_total_bytes:
            self._stop(f"the size limit of {size_words(self.max_total_bytes)} was reached")
            return
        if self._fd is None:
            self._open()
        assert self._fd is not None
        view = memoryview(line)
        while view:  # os.write may write less than asked (a signal, a nearly full disk)
            view = view[os.write(self._fd, view) :]
        self._size += len(line)
        self._lines += 1
        self._bytes += len(line)
        self._total += len(line)
        self._unchecked += len(line)
        if self._size >= self.max_bytes:
            self._rotate()
            self._check_free()
        elif self._unchecked >= _FREE_CHECK_BYTES:
            self._check_free()

    def _check_free(self) -> None:
        self._unchecked = 0
        free = shutil.disk_usage(self.path.parent).free
        if free < self.min_free_bytes:
            self._stop(
                f"the disk is nearly full ({size_words(free)} free, {size_words(self.min_free_bytes)} kept free)"
            )

    def _stop(self, reason: str) -> None:
        self._stopped = reason
        self._closed = True
        self._close_file()
        logger.warning("recording to %s stopped: %s", self.path, reason)

    def _open(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | _O_BINARY, 0o644)
        try:
            self._size = _cut_torn_tail(fd, self.path)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def _rotate(self) -> None:
        self._close_file()
        existing = _numbered(self.path)
        target = rotated_path(self.path, existing[-1][0] + 1 if existing else 1)
        self.path.rename(target)
        self._rotations += 1
        logger.info("recording rotated: %s is now %s", self.path, target)
        self._open()  # at once, so that the recording's current file always exists

    def _close_file(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _cut_torn_tail(fd: int, path: Path) -> int:
    """Truncate a file after its last newline (a line torn by a crash); returns the size left."""
    size = os.lseek(fd, 0, os.SEEK_END)
    end = size
    while end > 0:
        start = max(0, end - _TAIL_CHUNK)
        os.lseek(fd, start, os.SEEK_SET)  # reads may seek; O_APPEND still puts every write at the end
        newline = os.read(fd, end - start).rfind(b"\n")
        if newline >= 0:
            end = start + newline + 1
            break
        end = start
    if end < size:
        logger.warning("%s ended in a torn line (%d bytes); cut off before appending", path, size - end)
        os.ftruncate(fd, end)
    return end


def read_recording(path: str | os.PathLike[str], *, rotated: bool = True) -> Iterator[RecordedFrame]:
    """Read a recording back, frame by frame, in the order recorded.

    The files are read lazily, so a long night is never held in memory. A last line that does
    not parse (torn by a crash mid-write) ends that file with a warning in the log.

    Args:
        path: The recording, e.g. ``night.jsonl``.
        rotated: Also read its rotated files (``night.1.jsonl``, ...) first, oldest first.

    Yields:
        Each frame with its receive time and whether it was binary.

    Raises:
        ValueError: If a line other than a file's last is not a valid record, or any line is
            longer than :data:`MAX_LINE_BYTES`; the message names the file and line.
        OSError: If a file cannot be read (a missing ``path`` included).
    """
    base = Path(path)
    for file in [*(rotated_files(base) if rotated else []), base]:
        yield from _read_file(file)


def _read_file(path: Path) -> Iterator[RecordedFrame]:
    with path.open("rb") as file:
        held: tuple[int, bytes] | None = None  # one line behind, to know which line is the last
        number = 0
        while line := file.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(line) > MAX_LINE_BYTES:
                raise ValueError(f"{path}, line {number}: longer than {MAX_LINE_BYTES:,} bytes, which no frame makes")
            if held is not None:
                yield _decode_at(path, *held)
            held = (number, line)
    if held is None:
        return
    number, line = held
    try:
        frame = decode_line(line)
    except ValueError as error:
        logger.warning("%s, line %d: torn last line, ignored (%s)", path, number, error)
        return
    yield frame


def _decode_at(path: Path, number: int, line: bytes) -> RecordedFrame:
    try:
        return decode_line(line)
    except ValueError as error:
        raise ValueError(f"{path}, line {number}: {error}") from None
