"""The client's connection lifecycle: its states, every transition with its reason, its close code.

Pure: the client reports, the store keeps the record under its lock, and this module says what
the record becomes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

TRANSITIONS_KEPT: Final = 100
"""The newest transitions kept in :attr:`ConnectionInfo.transitions`."""


class ConnectionState(enum.StrEnum):
    """The client's connection lifecycle. The values are the strings the API reports."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    GIVEN_UP = "given_up"


class CloseCause(enum.StrEnum):
    """Why there is no connection: what the page and the API tell apart, whatever the reason's words say."""

    STOPPED = "stopped"
    """``stop()`` was called."""
    SERVER_CLOSED = "server_closed"
    """The server closed the connection normally (1000): it is done, the client does not come back."""
    SERVER_CLOSED_WITH_CODE = "server_closed_with_code"
    """The server closed with another code (going away, restart, error): the client reconnects."""
    CONNECTION_LOST = "connection_lost"
    """A reset, or the end of the stream without a close frame."""
    NO_PING_ANSWER = "no_ping_answer"
    """Nothing arrived for the ping timeout after a ping: the connection is dead."""
    PROTOCOL_ERROR = "protocol_error"
    """The server broke the WebSocket protocol."""
    SEND_FAILED = "send_failed"
    """Writing to the socket failed."""
    CONNECT_FAILED = "connect_failed"
    """A connection attempt failed (refused, not found, handshake refused, timed out)."""
    GAVE_UP = "gave_up"
    """Too many attempts failed in a row."""


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of connection state, with its reason and the close code that caused it."""

    at: float
    from_state: ConnectionState
    to_state: ConnectionState
    reason: str
    close_code: int | None
    cause: CloseCause | None = None


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """Where the connection stands, as the client last reported it."""

    state: ConnectionState = ConnectionState.CLOSED
    since: float = 0.0
    reason: str = "not started"
    cause: CloseCause | None = None
    """Why there is no connection; ``None`` while connecting or connected."""
    close_code: int | None = None
    last_error: str | None = None
    connected_since: float | None = None
    reconnect_attempts: int = 0
    max_reconnect_attempts: int | None = None
    next_retry_at: float | None = None
    connections: int = 0
    transitions: tuple[Transition, ...] = ()


def next_connection(
    old: ConnectionInfo,
    state: ConnectionState,
    *,
    reason: str,
    at: float,
    cause: CloseCause | None = None,
    close_code: int | None = None,
    error: str | None = None,
    reconnect_attempts: int = 0,
    max_reconnect_attempts: int | None = None,
    next_retry_at: float | None = None,
) -> ConnectionInfo:
    """The record after the client reports ``state`` (a change, or a refresh of the same state).

    A change of state is logged as a :class:`Transition`; the last error stays until the next
    one; a new connection counts when the state becomes ``connected``.
    """
    changed = old.state != state
    transitions = old.transitions
    if changed:
        transitions = (*transitions, Transition(at, old.state, state, reason, close_code, cause))[-TRANSITIONS_KEPT:]
    connected = state is ConnectionState.CONNECTED
    return ConnectionInfo(
        state=state,
        since=at if changed else old.since,
        reason=reason,
        cause=cause,
        close_code=close_code,
        last_error=old.last_error if error is None else error,
        connected_since=(at if changed else old.connected_since) if connected else None,
        reconnect_attempts=reconnect_attempts,
        max_reconnect_attempts=max_reconnect_attempts,
        next_retry_at=next_retry_at,
        connections=old.connections + (1 if connected and changed else 0),
        transitions=transitions,
    )
