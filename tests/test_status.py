"""The feed's status, read from a snapshot's records."""

from __future__ import annotations

from lib.status import status_of
from lib.store import ConnectionState, Store
from tests.helpers import score


def test_status_reads_the_connection_and_the_counters_of_one_snapshot() -> None:
    """State, reason, counts, reconnects and the last update all come from the snapshot it was given."""
    store = Store()
    store.set_connection(ConnectionState.CONNECTED, reason="connected", at=10.0)
    store.set_connection(ConnectionState.RECONNECTING, reason="lost", at=11.0, close_code=1006, error="reset")
    store.set_connection(ConnectionState.CONNECTED, reason="connected again", at=12.0)
    store.ingest(score(ts=1.0), received_at=13.0)
    store.ingest("not json", received_at=14.0)
    store.ingest(score(ts=0.5), received_at=15.0)
    snapshot = store.snapshot()
    status = status_of(snapshot, "ws://feed/ws/live", False, queued=2)
    assert (status.state, status.reason, status.connected_since, status.reconnects) == (
        ConnectionState.CONNECTED,
        "connected again",
        12.0,
        1,
    )
    assert (status.last_error, status.close_code) == ("reset", None)
    assert (status.messages_received, status.messages_rejected, status.stale_dropped) == (3, 1, 1)
    assert status.rejected_by_reason == {"invalid_json": 1}
    assert (status.queued, status.last_update_at, status.url, status.demo) == (2, 13.0, "ws://feed/ws/live", False)
    store.ingest(score(ts=2.0, home_score=60), received_at=16.0)
    assert status.messages_received == 3  # the status is of its snapshot, not of the store now
