"""The connection lifecycle record: transitions logged with their reason, code; errors kept, connections counted."""

from __future__ import annotations

from lib.store.connection import TRANSITIONS_KEPT, ConnectionInfo, ConnectionState, next_connection


def test_a_change_of_state_is_a_transition_with_its_reason_and_close_code() -> None:
    """connecting -> connected -> reconnecting(1006): each change logged; connected counts a connection."""
    info = next_connection(ConnectionInfo(), ConnectionState.CONNECTING, reason="connecting", at=1.0)
    info = next_connection(info, ConnectionState.CONNECTED, reason="connected", at=2.0)
    info = next_connection(info, ConnectionState.RECONNECTING, reason="lost", at=3.0, close_code=1006, error="reset")
    assert [(t.to_state, t.reason, t.close_code) for t in info.transitions] == [
        (ConnectionState.CONNECTING, "connecting", None),
        (ConnectionState.CONNECTED, "connected", None),
        (ConnectionState.RECONNECTING, "lost", 1006),
    ]
    assert (info.connections, info.connected_since, info.last_error, info.since) == (1, None, "reset", 3.0)


def test_a_refresh_of_the_same_state_is_not_a_transition() -> None:
    """Reconnecting again (a new attempt) updates the counts, not the log, and keeps the last error."""
    info = next_connection(ConnectionInfo(), ConnectionState.RECONNECTING, reason="lost", at=1.0, error="reset")
    again = next_connection(
        info, ConnectionState.RECONNECTING, reason="could not connect", at=2.0, reconnect_attempts=2
    )
    assert len(again.transitions) == len(info.transitions) == 1
    assert (again.since, again.reconnect_attempts, again.last_error) == (1.0, 2, "reset")


def test_the_log_keeps_the_newest_transitions() -> None:
    """A flapping connection keeps only the newest transitions."""
    info = ConnectionInfo()
    for step in range(TRANSITIONS_KEPT + 20):
        state = ConnectionState.CONNECTED if step % 2 else ConnectionState.RECONNECTING
        info = next_connection(info, state, reason=str(step), at=float(step))
    assert len(info.transitions) == TRANSITIONS_KEPT
    assert info.transitions[-1].reason == str(TRANSITIONS_KEPT + 19)
