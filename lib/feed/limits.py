"""What one client may cost the feed server: message size, message rate, time, connections, backlog.

The feed server is public: no token is needed to open a connection, and a client can be
hostile. Every resource a client can make the server spend is bounded here, in one place, and
:mod:`lib.feed.serving` applies the bounds (the embedded demo feed and ``python -m lib.feed``
alike). ``docs/security.md`` lists them with the tests that show each.

Pure: no sockets, no clocks. The frame rate is a :class:`~lib.rate.TokenBucket`, the protocol's
(:data:`~lib.protocol.CLIENT_FRAMES_PER_SECOND`), which the project's client paces itself under.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from lib.protocol import CLIENT_FRAME_BURST, CLIENT_FRAMES_PER_SECOND, MAX_CLIENT_MESSAGE_BYTES


@dataclass(frozen=True, slots=True)
class FeedLimits:
    """The bounds the feed server enforces on every client.

    Attributes:
        max_message_bytes: Largest message a client may send, counted as it is decoded: a larger
            one closes the connection with 1009 before more of it is read or inflated. The only
            message the server reads is the ``ping`` (about 40 bytes); the default is the limit
            the project's client holds itself to, so no message it sends is refused.
        frames_per_second: Frames a client may send per second, sustained (messages and
            WebSocket pings and pongs alike); a client over it is closed with 1008.
        frame_burst: Frames a client may send at once above that rate: room for the queue of
            messages a client wrote while it was disconnected, sent together on reconnect (up to
            1,000 by default in :class:`lib.live.LiveFeed`).
        handshake_timeout: Seconds a connection has to complete its WebSocket handshake (or an
            HTTP request, such as ``/health``, to be answered); then it is closed.
        max_connections: Open connections at most, handshakes in progress included; past it a new
            one is answered 503 and closed.
        outbox_bytes: Bytes queued for one client at most (UTF-8 size of the frames it has not
            been sent yet); a client whose backlog would pass it is closed with 1013. Room for
            the largest burst a source publishes at once (10,000 messages are about 2.5 MB).
        send_timeout: Seconds one frame may wait for a client that does not read; then the
            connection is dropped at once (no closing handshake: the client is not listening).
    """

    max_message_bytes: int = MAX_CLIENT_MESSAGE_BYTES
    frames_per_second: float = CLIENT_FRAMES_PER_SECOND
    frame_burst: int = CLIENT_FRAME_BURST
    handshake_timeout: float = 10.0
    max_connections: int = 2_000
    outbox_bytes: int = 4 * 1024 * 1024
    send_timeout: float = 10.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{field.name} must be a positive number, got {value!r}")
