"""The feed's status as one immutable record, derived from a store snapshot. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lib.store import ConnectionState, Snapshot


@dataclass(frozen=True)
class FeedStatus:
    """Where the feed stands, in one immutable record.

    Attributes:
        state: ``connecting``, ``connected``, ``reconnecting``, ``closed`` or ``given_up``.
        reason: Why it is in that state, in words.
        url: The feed URL with any credentials removed.
        demo: Whether this is the embedded demo feed.
        reconnect_attempts: Failed connection attempts in a row.
        max_reconnect_attempts: The give-up limit (``None`` = never).
        next_retry_at: When the next attempt is due (epoch seconds), while waiting.
        messages_received: Data frames received, text or binary.
        messages_rejected: Frames rejected, for any reason.
        rejected_by_reason: The same, per reason.
        stale_dropped: Updates older than what was stored, dropped.
        last_error: The last connection error, if any.
        close_code: The close code behind the current state, if any.
        connected_since: When the current connection came up (epoch seconds).
        reconnects: Connections made after the first.
        last_update_at: When the last game or prediction update arrived.
        queued: Outgoing messages waiting for a connection.
        queue_dropped: Outgoing messages dropped: the oldest when the queue was full (in
            messages or bytes), or one the server refused as too big (close code 1009).
    """

    state: ConnectionState
    reason: str
    url: str
    demo: bool
    reconnect_attempts: int
    max_reconnect_attempts: int | None
    next_retry_at: float | None
    messages_received: int
    messages_rejected: int
    rejected_by_reason: Mapping[str, int]
    stale_dropped: int
    last_error: str | None
    close_code: int | None
    connected_since: float | None
    reconnects: int
    last_update_at: float | None
    queued: int
    queue_dropped: int


def status_of(snapshot: Snapshot, url: str, demo: bool, queued: int) -> FeedStatus:
    """The :class:`FeedStatus` a snapshot describes."""
    connection, counters = snapshot.connection, snapshot.counters
    return FeedStatus(
        state=connection.state,
        reason=connection.reason,
        url=url,
        demo=demo,
        reconnect_attempts=connection.reconnect_attempts,
        max_reconnect_attempts=connection.max_reconnect_attempts,
        next_retry_at=connection.next_retry_at,
        messages_received=counters.received,
        messages_rejected=counters.rejected_total,
        rejected_by_reason=counters.rejected,
        stale_dropped=counters.stale_dropped,
        last_error=connection.last_error,
        close_code=connection.close_code,
        connected_since=connection.connected_since,
        reconnects=max(0, connection.connections - 1),
        last_update_at=snapshot.last_update_at,
        queued=queued,
        queue_dropped=counters.queue_dropped,
    )
