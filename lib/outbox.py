"""Outgoing messages: queued while disconnected, kept in flight until the server has read them.

The protocol has no acknowledgements, but WebSocket has one hidden in plain sight: a server
answers a ping with a pong only after reading every frame before the ping (TCP keeps order).
So each message written is tagged with the number of the next ping; the pong of that ping
acknowledges it. When a connection dies, whatever is still unacknowledged goes back to the
front of the queue and is sent again, in order, after the reconnect: at-least-once delivery,
where a message the server did read but whose pong was lost may arrive twice.

Pure: no sockets, no locks (the client holds its send lock around every call).
"""

from __future__ import annotations

from collections import deque


class Outbox:
    """A bounded FIFO of messages to send and of messages sent but not yet acknowledged.

    Args:
        limit: Messages kept at most, queued and in flight together; past it the oldest is dropped.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("queue_size must be at least 1")
        self.limit = limit
        self._queued: deque[str] = deque()
        self._in_flight: deque[tuple[int, str]] = deque()

    @property
    def queued(self) -> int:
        """Messages waiting to be sent."""
        return len(self._queued)

    @property
    def in_flight(self) -> int:
        """Messages sent whose acknowledging pong has not come back."""
        return len(self._in_flight)

    def queue(self, text: str) -> int:
        """Add a message to send later; returns how many old messages were dropped to make room."""
        self._queued.append(text)
        return self._trim()

    def next_queued(self) -> str | None:
        """The message to send next, left queued until :meth:`sent_queued` says it went out."""
        return self._queued[0] if self._queued else None

    def sent_queued(self, ack: int) -> None:
        """The next queued message was written; the pong of ping ``ack`` will acknowledge it."""
        self._in_flight.append((ack, self._queued.popleft()))

    def sent(self, text: str, ack: int) -> None:
        """A message was written directly; the pong of ping ``ack`` will acknowledge it."""
        self._in_flight.append((ack, text))
        if len(self._in_flight) > self.limit:  # bounded: the oldest is the likeliest to have arrived
            self._in_flight.popleft()

    def acknowledge(self, ack: int) -> None:
        """The pong of ping ``ack`` arrived: everything written before that ping was read."""
        while self._in_flight and self._in_flight[0][0] <= ack:
            self._in_flight.popleft()

    def requeue(self) -> int:
        """The connection died: unacknowledged messages go back in front, in order. Returns drops."""
        self._queued.extendleft(reversed([text for _, text in self._in_flight]))
        self._in_flight.clear()
        return self._trim()

    def _trim(self) -> int:
        dropped = 0
        while len(self._queued) > self.limit:
            self._queued.popleft()
            dropped += 1
        return dropped
