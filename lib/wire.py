"""A sans-I/O reader of the WebSocket frames a server sends (RFC 6455 §5), after the handshake.

websocket-client opens the connection (TCP, TLS, proxies, the HTTP upgrade) and sends; this
module reads. Its receive path costs two or three small reads and several layers of Python per
frame, more than the rest of our work on a message, even over a socket that reads ahead (the
client path runs at about 0.6 of its speed that way: docs/performance.md, "Who reads the
frames"); here the client thread reads big chunks and this parser cuts them into frames.
Owning the parser also means a frame too large to accept is skipped as its bytes pass, never
held in memory whole.

Pure: bytes in, events out. No sockets, no threads. Events are named tuples: one is made for
every frame, and tuples are the cheapest immutable records Python has.
"""

from __future__ import annotations

import struct
from typing import Final, NamedTuple

OP_CONTINUATION: Final = 0x0
OP_TEXT: Final = 0x1
OP_BINARY: Final = 0x2
OP_CLOSE: Final = 0x8
OP_PING: Final = 0x9
OP_PONG: Final = 0xA

CLOSE_NO_STATUS: Final = 1005
_CONTROL_MAX: Final = 125
_COMPACT_AT: Final = 1 << 16


class ProtocolError(Exception):
    """The byte stream breaks RFC 6455; the connection cannot continue."""


class DataMessage(NamedTuple):
    """A complete text or binary message (fragments joined)."""

    payload: bytes
    binary: bool


class Oversized(NamedTuple):
    """A data message larger than the limit: its bytes were skipped, not kept."""

    size: int
    binary: bool


class PingFrame(NamedTuple):
    """A ping from the server, to be answered with a pong carrying ``payload``."""

    payload: bytes


class PongFrame(NamedTuple):
    """A pong from the server."""

    payload: bytes


class Close(NamedTuple):
    """The server's close frame."""

    code: int
    reason: str


Event = DataMessage | Oversized | PingFrame | PongFrame | Close

_new = tuple.__new__
"""Builds the event of every message: a named tuple's own constructor is a Python function, and a
tenth of the reader's work on a frame."""


class FrameReader:
    """Turns the bytes a server sends into :data:`Event` objects.

    Args:
        max_message: Data messages larger than this many bytes become :class:`Oversized`
            events; their payload is discarded as it arrives.
    """

    def __init__(self, max_message: int) -> None:
        self.max_message = max_message
        self._buffer = bytearray()
        self._pos = 0
        self._fragments: list[bytes] = []
        self._fragment_size = 0
        self._fragment_binary = False
        self._in_message = False
        self._skip = 0  # payload bytes still to discard of an oversized frame
        self._skipping_message = False
        self._closed = False

    def feed(self, data: bytes) -> list[Event]:
        """Add received bytes; return the events they complete, in order.

        Raises:
            ProtocolError: The stream is not valid WebSocket framing from a server.
        """
        if self._closed:
            return []
        self._buffer += data
        events: list[Event] = []
        while self._step(events):
            pass
        if self._pos >= _COMPACT_AT or self._pos == len(self._buffer):
            del self._buffer[: self._pos]
            self._pos = 0
        return events

    def _step(self, events: list[Event]) -> bool:
        """Consume one frame (or part of a skipped payload); False when more bytes are needed."""
        buffer, pos = self._buffer, self._pos
        available = len(buffer) - pos
        if self._skip:
            taken = min(self._skip, available)
            self._skip -= taken
            self._pos += taken
            return taken > 0
        if available < 2:
            return False
        first, second = buffer[pos], buffer[pos + 1]
        fin, opcode, length = first & 0x80, first & 0x0F, second & 0x7F
        if first & 0x70:
            raise ProtocolError("reserved bits set without a negotiated extension")
        if second & 0x80:
            raise ProtocolError("a server must not mask its frames")
        header = 2
        if length == 126:
            if available < 4:
                return False
            (length,) = struct.unpack_from("!H", buffer, pos + 2)
            header = 4
        elif length == 127:
            if available < 10:
                return False
            (length,) = struct.unpack_from("!Q", buffer, pos + 2)
            if length >> 63:
                raise ProtocolError("frame length has its top bit set")
            header = 10
        if opcode >= 0x8:
            return self._control(events, opcode, fin, length, header, available)
        if fin and opcode != OP_CONTINUATION and not self._in_message and length <= self.max_message:
            # The common case, a whole message in one frame: no fragment bookkeeping.
            if opcode not in (OP_TEXT, OP_BINARY):
                raise ProtocolError(f"unknown data opcode {opcode:#x}")
            if available < header + length:
                return False
            start = pos + header
            self._pos = start + length
            events.append(_new(DataMessage, (bytes(buffer[start : self._pos]), opcode == OP_BINARY)))
            return True
        return self._data(events, opcode, fin, length, header, available)

    def _control(self, events: list[Event], opcode: int, fin: int, length: int, header: int, available: int) -> bool:
        if not fin or length > _CONTROL_MAX:
            raise ProtocolError("control frames must be whole and at most 125 bytes")
        if available < header + length:
            return False
        start = self._pos + header
        payload = bytes(self._buffer[start : start + length])
        self._pos = start + length
        if opcode == OP_PING:
            events.append(PingFrame(payload))
        elif opcode == OP_PONG:
            events.append(PongFrame(payload))
        elif opcode == OP_CLOSE:
            events.append(_close(payload))
            self._closed = True
            return False
        else:
            raise ProtocolError(f"unknown control opcode {opcode:#x}")
        return True

    def _data(self, events: list[Event], opcode: int, fin: int, length: int, header: int, available: int) -> bool:
        if opcode == OP_CONTINUATION:
            if not self._in_message:
                raise ProtocolError("continuation frame without a message to continue")
            starting = False
        elif opcode in (OP_TEXT, OP_BINARY):
            if self._in_message:
                raise ProtocolError("new message before the previous one was finished")
            starting = True
        else:
            raise ProtocolError(f"unknown data opcode {opcode:#x}")
        size = length if starting else self._fragment_size + length
        skipping = (not starting and self._skipping_message) or size > self.max_message
        if not skipping and available < header + length:
            return False  # nothing changes until the whole frame is here
        if starting:
            self._in_message, self._fragment_binary = True, opcode == OP_BINARY
            self._fragments, self._skipping_message = [], False
        self._fragment_size = size
        if skipping:
            # Drop what was kept of this message and discard the rest as it streams past.
            self._fragments, self._skipping_message = [], True
            self._pos += header
            self._skip = length
        else:
            start = self._pos + header
            self._fragments.append(bytes(self._buffer[start : start + length]))
            self._pos = start + length
        if fin:
            self._in_message = False
            if self._skipping_message:
                events.append(Oversized(size, self._fragment_binary))
            else:
                fragments = self._fragments
                events.append(
                    DataMessage(fragments[0] if len(fragments) == 1 else b"".join(fragments), self._fragment_binary)
                )
            self._fragments = []
        return True


def _close(payload: bytes) -> Close:
    if not payload:
        return Close(CLOSE_NO_STATUS, "")
    if len(payload) == 1:
        raise ProtocolError("a close frame payload of one byte")
    (code,) = struct.unpack_from("!H", payload)
    return Close(code, payload[2:].decode("utf-8", "replace"))
