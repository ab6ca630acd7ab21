"""Outgoing messages: encoded, checked, queued while disconnected, kept in flight until read.

The protocol has no acknowledgements, but WebSocket has one hidden in plain sight: a server
answers a ping with a pong only after reading every frame before the ping (TCP keeps order).
So each message written is tagged with the number of the next ping; the pong of that ping
acknowledges it. When a connection dies, whatever is still unacknowledged goes back to the
front of the queue and is sent again, in order, after the reconnect: at-least-once delivery,
where a message the server did read but whose pong was lost may arrive twice.

Everything held is bounded twice, in messages and in bytes, so that neither many small
messages nor a few large ones can grow the process while a feed is down.

Pure: no sockets, no locks (the client holds its send lock around every call).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from typing import Any

from lib.protocol import MAX_CLIENT_MESSAGE_BYTES


def encode_message(message: Mapping[str, Any] | str) -> bytes:
    """The UTF-8 bytes of one outgoing message: a mapping as JSON, a string as it is.

    Checked here, in the caller's thread, so that nothing the client thread sends can fail to
    encode or be too big for the protocol.

    Raises:
        TypeError: The mapping holds a value JSON cannot carry.
        ValueError: The mapping holds NaN or Infinity, refers to itself or nests too deeply
            for JSON; the string holds a lone surrogate; or the message is bigger than
            :data:`~lib.protocol.MAX_CLIENT_MESSAGE_BYTES` (4 KiB) as UTF-8.
    """
    if isinstance(message, str):
        text = message
    else:
        try:
            text = json.dumps(message, allow_nan=False)
        except RecursionError:
            raise ValueError("message nests too deeply to be sent as JSON") from None
    # A character is at least one byte: a string longer than the limit is refused unencoded.
    if len(text) <= MAX_CLIENT_MESSAGE_BYTES:
        try:
            payload = text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("message is not valid Unicode text (it holds a lone surrogate)") from None
        if len(payload) <= MAX_CLIENT_MESSAGE_BYTES:
            return payload
    raise ValueError(
        f"message is too big to send: more than {MAX_CLIENT_MESSAGE_BYTES:,} bytes as UTF-8 ({len(text):,} characters)"
    )


class Outbox:
    """A bounded FIFO of messages to send and of messages sent but not yet acknowledged.

    The queued messages and the messages in flight are each held to ``limit`` messages and
    ``max_bytes`` bytes. Past a bound the oldest is dropped: a queued one is reported as a
    drop; one in flight is not (it was written, so it has most likely arrived).

    Args:
        limit: Messages kept at most, queued and in flight each.
        max_bytes: Bytes of messages kept at most, queued and in flight each; at least
            :data:`~lib.protocol.MAX_CLIENT_MESSAGE_BYTES`, so that any one message fits.

    Raises:
        ValueError: A bound is too small.
    """

    def __init__(self, limit: int, max_bytes: int) -> None:
        if limit < 1:
            raise ValueError("queue_size must be at least 1")
        if max_bytes < MAX_CLIENT_MESSAGE_BYTES:
            raise ValueError(f"queue_bytes must be at least {MAX_CLIENT_MESSAGE_BYTES:,}, the largest message")
        self.limit = limit
        self.max_bytes = max_bytes
        self._queued: deque[bytes] = deque()
        self._queued_bytes = 0
        self._in_flight: deque[tuple[int, bytes]] = deque()
        self._in_flight_bytes = 0

    @property
    def queued(self) -> int:
        """Messages waiting to be sent."""
        return len(self._queued)

    @property
    def in_flight(self) -> int:
        """Messages sent whose acknowledging pong has not come back."""
        return len(self._in_flight)

    @property
    def held_bytes(self) -> int:
        """Bytes of the messages queued and in flight."""
        return self._queued_bytes + self._in_flight_bytes

    def queue(self, payload: bytes) -> int:
        """Add a message to send later; returns how many old messages were dropped to make room."""
        self._queued.append(payload)
        self._queued_bytes += len(payload)
        return self._trim()

    def next_queued(self) -> bytes | None:
        """The message to send next, left queued until :meth:`sent_queued` says it went out."""
        return self._queued[0] if self._queued else None

    def sent_queued(self, ack: int) -> None:
        """The next queued message was written; the pong of ping ``ack`` will acknowledge it."""
        payload = self._queued.popleft()
        self._queued_bytes -= len(payload)
        self.sent(payload, ack)

    def sent(self, payload: bytes, ack: int) -> None:
        """A message was written directly; the pong of ping ``ack`` will acknowledge it."""
        self._in_flight.append((ack, payload))
        self._in_flight_bytes += len(payload)
        # Bounded: the oldest is the likeliest to have arrived.
        while len(self._in_flight) > self.limit or self._in_flight_bytes > self.max_bytes:
            self._in_flight_bytes -= len(self._in_flight.popleft()[1])

    def acknowledge(self, ack: int) -> None:
        """The pong of ping ``ack`` arrived: everything written before that ping was read."""
        while self._in_flight and self._in_flight[0][0] <= ack:
            self._in_flight_bytes -= len(self._in_flight.popleft()[1])

    def drop_largest_in_flight(self) -> int | None:
        """Forget the largest unacknowledged message; returns its size, or ``None`` if none is in flight.

        For a server that closed with 1009 (message too big): the message it refused is in
        flight, and the largest in flight is at least as big, so is refused too. Dropping it
        keeps every smaller message, and a message too big is never sent again and again.
        """
        if not self._in_flight:
            return None
        index = max(range(len(self._in_flight)), key=lambda i: len(self._in_flight[i][1]))
        size = len(self._in_flight[index][1])
        del self._in_flight[index]
        self._in_flight_bytes -= size
        return size

    def requeue(self) -> int:
        """The connection died: unacknowledged messages go back in front, in order. Returns drops."""
        self._queued.extendleft(reversed([payload for _, payload in self._in_flight]))
        self._queued_bytes += self._in_flight_bytes
        self._in_flight.clear()
        self._in_flight_bytes = 0
        return self._trim()

    def _trim(self) -> int:
        dropped = 0
        while len(self._queued) > self.limit or self._queued_bytes > self.max_bytes:
            self._queued_bytes -= len(self._queued.popleft())
            dropped += 1
        return dropped
