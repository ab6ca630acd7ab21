"""The feed's status as one immutable record, derived from a store snapshot. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lib.store import ConnectionInfo, ConnectionState, Counters, Snapshot


@dataclass(frozen=True)
class FeedStatus:
    """Where the feed stands: the connection's record and the counters of one snapshot, read as one.

    The fields an analyst asks for (``state``, ``messages_received``, ``last_error``, ...) are
    read from the snapshot's records, never copied out of them.

    Attributes:
        connection: The connection's record.
        counters: Everything counted.
        url: The feed URL with any credentials removed.
        demo: Whether this is the embedded demo feed.
        queued: Outgoing messages waiting for a connection.
        last_update_at: When the last game or prediction update arrived.
    """

    connection: ConnectionInfo
    counters: Counters
    url: str
    demo: bool
    queued: int
    last_update_at: float | None

    @property
    def state(self) -> ConnectionState:
        """``connecting``, ``connected``, ``reconnecting``, ``closed`` or ``given_up``."""
        return self.connection.state

    @property
    def reason(self) -> str:
        """Why it is in that state, in words."""
        return self.connection.reason

    @property
    def reconnect_attempts(self) -> int:
        """Failed connection attempts in a row."""
        return self.connection.reconnect_attempts

    @property
    def max_reconnect_attempts(self) -> int | None:
        """The give-up limit (``None`` = never)."""
        return self.connection.max_reconnect_attempts

    @property
    def next_retry_at(self) -> float | None:
        """When the next attempt is due (epoch seconds), while waiting."""
        return self.connection.next_retry_at

    @property
    def last_error(self) -> str | None:
        """The last connection error, if any."""
        return self.connection.last_error

    @property
    def close_code(self) -> int | None:
        """The close code behind the current state, if any."""
        return self.connection.close_code

    @property
    def connected_since(self) -> float | None:
        """When the current connection came up (epoch seconds)."""
        return self.connection.connected_since

    @property
    def reconnects(self) -> int:
        """Connections made after the first."""
        return max(0, self.connection.connections - 1)

    @property
    def messages_received(self) -> int:
        """Data frames received, text or binary."""
        return self.counters.received

    @property
    def messages_rejected(self) -> int:
        """Frames rejected, for any reason."""
        return self.counters.rejected_total

    @property
    def rejected_by_reason(self) -> Mapping[str, int]:
        """Rejected frames per reason."""
        return self.counters.rejected

    @property
    def stale_dropped(self) -> int:
        """Updates older than what was stored, dropped."""
        return self.counters.stale_dropped

    @property
    def queue_dropped(self) -> int:
        """Outgoing messages dropped because the queue was full."""
        return self.counters.queue_dropped


def status_of(snapshot: Snapshot, url: str, demo: bool, queued: int) -> FeedStatus:
    """The :class:`FeedStatus` a snapshot describes."""
    return FeedStatus(snapshot.connection, snapshot.counters, url, demo, queued, snapshot.last_update_at)
