"""How the client connects: one typed, frozen options object, from the settings to the socket.

The dashboard's settings loader builds it, ``LiveFeed`` takes it and hands it to the client;
nobody spells the token, the reconnect schedule or the ping settings out again. The token is
a :class:`~pydantic.SecretStr`, so no repr, log line or error page can print it by accident.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Final

from pydantic import SecretStr

from lib.backoff import Backoff
from lib.outbox import Outbox
from lib.protocol import CLIENT_FRAME_BURST, CLIENT_FRAMES_PER_SECOND

DEFAULT_QUEUE_SIZE: Final = 1000
"""Outgoing messages queued at most while disconnected; as many again may be in flight."""
DEFAULT_QUEUE_BYTES: Final = 1024 * 1024
"""Bytes of outgoing messages queued at most while disconnected (1 MiB); as many again in flight."""
DEFAULT_FRAMES_PER_SECOND: Final = 0.8 * CLIENT_FRAMES_PER_SECOND
"""Frames the client sends per second at most, sustained: a fifth under the protocol's limit, so
that frames bunched up in transit still arrive within it."""
DEFAULT_FRAME_BURST: Final = CLIENT_FRAME_BURST - 50
"""Frames the client sends at once at most: the protocol's burst less five seconds of its rate,
for the same reason; still room for a full queue (1,000 messages) flushed on reconnect."""
FRAME_RESERVE: Final = 3
"""Frames of the burst that messages never take: kept for pongs and keepalive pings, so that a
caller sending as fast as it can never delays the answers that keep the connection alive."""


@dataclass(frozen=True)
class FeedOptions:
    """How to connect to a feed and stay connected.

    Attributes:
        token: Sent as ``Authorization: Bearer <token>``; never shown or logged. A plain string
            is taken and kept as a :class:`~pydantic.SecretStr`.
        reconnect: The reconnect schedule: first delay, cap, give-up count (``None``: never).
        ping_interval: Seconds between WebSocket pings.
        ping_timeout: A connection silent for this long after a ping is dead.
        queue_size: Outgoing messages held while disconnected; the oldest is dropped past it.
        queue_bytes: The same bound in bytes (at least :data:`~lib.protocol.MAX_CLIENT_MESSAGE_BYTES`).
        connect_timeout: Seconds allowed for the TCP connect and the WebSocket handshake.
        frames_per_second: Frames the client sends per second at most, sustained, whatever its
            callers ask: messages, pings and pongs alike; messages over it wait in the queue.
            By default under the protocol's limit (:data:`~lib.protocol.CLIENT_FRAMES_PER_SECOND`),
            over which a server may close the connection with 1008.
        frame_burst: Frames the client sends at once at most, above that rate, on each connection.
        ssl_context: TLS settings for ``wss://``; by default the system's trusted certificates,
            verified.

    Raises:
        ValueError: If a duration or a bound is not positive.
    """

    token: SecretStr | None = None
    reconnect: Backoff = field(default_factory=Backoff)
    ping_interval: float = 10.0
    ping_timeout: float = 5.0
    queue_size: int = DEFAULT_QUEUE_SIZE
    queue_bytes: int = DEFAULT_QUEUE_BYTES
    connect_timeout: float = 5.0
    frames_per_second: float = DEFAULT_FRAMES_PER_SECOND
    frame_burst: int = DEFAULT_FRAME_BURST
    ssl_context: ssl.SSLContext | None = None

    def __post_init__(self) -> None:
        if isinstance(self.token, str):
            object.__setattr__(self, "token", SecretStr(self.token))
        if self.token is not None and not self.token.get_secret_value():
            object.__setattr__(self, "token", None)  # an empty token is no token, not one nobody can send
        if not (self.ping_interval > 0 and self.ping_timeout > 0 and self.connect_timeout > 0):
            raise ValueError("ping_interval, ping_timeout and connect_timeout must be positive")
        if not (self.frames_per_second > 0 and self.frame_burst > FRAME_RESERVE + 1):
            raise ValueError(f"frames_per_second must be positive and frame_burst more than {FRAME_RESERVE + 1}")
        Outbox(self.queue_size, self.queue_bytes)  # checks the bounds now, where they are given

    @property
    def authorization(self) -> list[str] | None:
        """The handshake's ``Authorization`` header, when there is a token."""
        return None if self.token is None else [f"Authorization: Bearer {self.token.get_secret_value()}"]
