"""The store: applying updates, staleness, rejections, bounds, snapshots, thread safety."""

from __future__ import annotations

import threading
import time

import pytest

from lib.protocol import RejectReason
from lib.store import ConnectionState, Store
from tests.helpers import frame, game, prediction, score

NOW = 1_700_000_000.0


def ingest(store: Store, payload: str | bytes, *, at: float = NOW, connection: int = 1, binary: bool = False) -> str:
    return store.ingest(payload, received_at=at, connection=connection, binary=binary).status


def test_score_update_is_applied_and_counted() -> None:
    """An accepted update becomes the game's state and is counted by type."""
    store = Store()
    assert ingest(store, score(home_score=10, away_score=7, ts=NOW - 0.05)) == "applied"
    snapshot = store.snapshot()
    record = snapshot.games["g1"]
    assert (record.game.home_score, record.game.away_score) == (10, 7)
    assert record.updated_at == NOW
    assert snapshot.counters.received == 1
    assert snapshot.counters.by_type == {"score_update": 1}
    assert snapshot.last_update_at == NOW


def test_latency_sample_records_end_to_end_and_apply_time() -> None:
    """Each applied message leaves a latency sample: receive − ts, and a positive apply time."""
    store = Store()
    ingest(store, score(ts=NOW - 0.25))
    ingest(store, score(home_score=52))  # no ts: no end-to-end figure
    first, second = store.snapshot().latency
    assert first.e2e_ms == pytest.approx(250.0)
    assert first.apply_ms > 0
    assert second.e2e_ms is None


def test_older_update_by_ts_is_dropped_and_counted() -> None:
    """An update strictly older (by ts) than the stored one is dropped, never applied."""
    store = Store()
    ingest(store, score(home_score=60, ts=NOW))
    assert ingest(store, score(home_score=55, ts=NOW - 1)) == "stale"
    snapshot = store.snapshot()
    assert snapshot.games["g1"].game.home_score == 60
    assert snapshot.counters.stale_dropped == 1


def test_update_with_equal_ts_is_applied() -> None:
    """An update as old as the stored one is applied (equal is not stale)."""
    store = Store()
    ingest(store, score(home_score=60, ts=NOW))
    assert ingest(store, score(home_score=62, ts=NOW)) == "applied"
    assert store.snapshot().games["g1"].game.home_score == 62


def test_without_ts_seq_orders_updates_within_a_connection() -> None:
    """Without ts, a lower seq on the same connection is stale."""
    store = Store()
    ingest(store, score(home_score=60, seq=5))
    assert ingest(store, score(home_score=58, seq=4)) == "stale"
    assert ingest(store, score(home_score=61, seq=5)) == "applied"


def test_seq_is_not_compared_across_connections() -> None:
    """seq restarts with each connection, so a low seq on a new connection is fresh."""
    store = Store()
    ingest(store, score(home_score=60, seq=900), connection=1)
    assert ingest(store, score(home_score=62, seq=1), connection=2) == "applied"


def test_predictions_are_stale_checked_too() -> None:
    """An older prediction does not replace a newer one."""
    store = Store()
    ingest(store, score(ts=NOW))
    ingest(store, prediction(p=0.7, ts=NOW))
    assert ingest(store, prediction(p=0.2, ts=NOW - 5)) == "stale"
    assert store.snapshot().predictions["g1"].prediction.home_win_probability == 0.7


def test_rejected_frame_is_counted_by_reason_and_disturbs_nothing() -> None:
    """A rejection is counted with its reason and leaves the stored state as it was."""
    store = Store()
    ingest(store, score(home_score=60))
    before = store.snapshot().games
    assert ingest(store, "{oops") == "rejected"
    assert ingest(store, score(home_score="61")) == "rejected"
    assert ingest(store, b"\x00\x01", binary=True) == "rejected"
    snapshot = store.snapshot()
    assert snapshot.games == before
    assert snapshot.counters.rejected == {"invalid_json": 1, "wrong_type": 1, "binary_frame": 1}
    assert snapshot.counters.rejected_total == 3
    assert snapshot.counters.received == 4
    assert [r.reason for r in snapshot.rejections] == ["invalid_json", "wrong_type", "binary_frame"]


def test_score_going_down_needs_a_correction_flag() -> None:
    """A lower score is rejected unless the update says it is a correction."""
    store = Store()
    ingest(store, score(home_score=60, away_score=50))
    assert ingest(store, score(home_score=58, away_score=50)) == "rejected"
    assert store.snapshot().counters.rejected == {RejectReason.SCORE_DECREASED: 1}
    assert ingest(store, score(home_score=58, away_score=50, correction=True)) == "applied"
    assert store.snapshot().games["g1"].game.home_score == 58


def test_prediction_for_an_unknown_game_is_rejected() -> None:
    """Predictions are kept only for games the store has, so memory follows the game limit."""
    store = Store()
    assert ingest(store, prediction("nope")) == "rejected"
    assert store.snapshot().counters.rejected == {RejectReason.UNKNOWN_GAME: 1}


def test_differential_mismatch_is_a_warning_not_a_rejection() -> None:
    """A sent differential that disagrees with the scores is counted; the scores win."""
    store = Store()
    assert ingest(store, score(home_score=60, away_score=50, differential=3)) == "applied"
    snapshot = store.snapshot()
    assert snapshot.counters.warnings == {"differential_mismatch": 1}
    assert snapshot.games["g1"].game.score_differential == 10


def test_game_limit_evicts_the_oldest_final_game() -> None:
    """Past the game limit the final game updated longest ago makes room, with its history."""
    store = Store(max_games=2)
    ingest(store, score("old", status="final"), at=NOW)
    ingest(store, score("live"), at=NOW + 1)
    assert ingest(store, score("new"), at=NOW + 2) == "applied"
    snapshot = store.snapshot()
    assert set(snapshot.games) == {"live", "new"}
    assert snapshot.counters.evicted_games == 1
    assert store.history("old") == ()


def test_game_limit_refuses_new_games_when_none_is_final() -> None:
    """With every kept game still running, a new game is refused and counted."""
    store = Store(max_games=2)
    ingest(store, score("a"))
    ingest(store, score("b"))
    assert ingest(store, score("c")) == "rejected"
    assert store.snapshot().counters.rejected == {RejectReason.TOO_MANY_GAMES: 1}
    assert ingest(store, score("a", home_score=51)) == "applied"


def test_history_is_bounded_per_game_and_skips_repeats() -> None:
    """Per-game history keeps the newest points only, and an identical resend adds none."""
    store = Store(history_per_game=3)
    for points in range(10):
        ingest(store, score(home_score=points), at=NOW + points)
    ingest(store, score(home_score=9), at=NOW + 20)  # same state again, e.g. after a reconnect
    history = store.history("g1")
    assert [p.home_score for p in history] == [7, 8, 9]
    assert store.snapshot().games["g1"].updated_at == NOW + 9


def test_history_keeps_score_changes_only() -> None:
    """Ticks, a tip-off or a final at the same score add no point; a 0-0 first state is none; a correction is one."""
    store = Store()
    # (status, period, clock, home score): the away side never scores.
    for offset, (status, period, clock, home) in enumerate(
        [
            ("scheduled", 0, "12:00", 0),
            ("live", 1, "12:00", 0),
            ("live", 1, "11:31", 0),
            ("live", 1, "11:12", 3),
            ("live", 1, "10:50", 3),
            ("live", 1, "10:41", 2),
            ("final", 4, "00:00", 2),
        ]
    ):
        fields = {"status": status, "period": period, "clock": clock, "home_score": home, "away_score": 0}
        assert ingest(store, score(**fields, correction=home == 2 or None), at=NOW + offset) == "applied"
    assert [(p.clock, p.home_score) for p in store.history("g1")] == [("11:12", 3), ("10:41", 2)]
    ingest(store, score("joined-late", home_score=50, away_score=45))
    assert [(p.home_score, p.away_score) for p in store.history("joined-late")] == [(50, 45)]


def test_prediction_history_records_the_game_state_it_came_with() -> None:
    """Each prediction point carries the period, clock and score at the time."""
    store = Store()
    ingest(store, score(home_score=70, away_score=66, period=4, clock="02:00"))
    ingest(store, prediction(p=0.8))
    (point,) = store.prediction_history("g1")
    assert (point.home_win_probability, point.period, point.clock, point.home_score) == (0.8, 4, "02:00", 70)


def test_latency_ring_is_bounded() -> None:
    """The latency ring keeps only the newest samples."""
    store = Store(latency_samples=5)
    for points in range(20):
        ingest(store, score(home_score=points))
    assert len(store.snapshot().latency) == 5


def test_messages_per_second_are_bucketed() -> None:
    """Frames are counted per whole second, rejected ones included."""
    store = Store()
    for offset in (0.1, 0.5, 0.9, 1.2):
        ingest(store, "junk", at=NOW + offset)
    assert store.snapshot().rate == ((int(NOW), 3), (int(NOW) + 1, 1))


def test_events_follow_transitions_not_message_types() -> None:
    """game_start/game_end events fire on status changes; a resent game_end is not news."""
    store = Store()
    ingest(store, score(status="scheduled", period=0, clock="12:00", home_score=0, away_score=0))
    ingest(store, frame("game_start", game(status="live", period=1, clock="12:00", home_score=0, away_score=0)))
    ingest(store, frame("game_end", game(status="final", period=4, clock="00:00", home_score=99, away_score=90)))
    ingest(store, frame("game_end", game(status="final", period=4, clock="00:00", home_score=99, away_score=90)))
    ingest(store, frame("game_end", game("seen-final-first", status="final")))
    events = store.snapshot().events
    assert [(e.id, e.kind, e.game.game_id) for e in events] == [(1, "game_start", "g1"), (2, "game_end", "g1")]


def test_connection_transitions_are_recorded_with_reason_and_code() -> None:
    """Every state change is logged with its reason and close code; refreshes are not."""
    store = Store()
    store.set_connection(ConnectionState.CONNECTING, reason="connecting", at=1.0)
    store.set_connection(ConnectionState.CONNECTED, reason="connected", at=2.0)
    store.set_connection(ConnectionState.RECONNECTING, reason="server closed with code 1011", close_code=1011, at=3.0)
    store.set_connection(ConnectionState.RECONNECTING, reason="connecting", reconnect_attempts=1, at=4.0)
    store.set_connection(ConnectionState.CONNECTED, reason="connected", at=5.0)
    info = store.snapshot().connection
    assert [(t.from_state, t.to_state, t.close_code) for t in info.transitions] == [
        (ConnectionState.CLOSED, ConnectionState.CONNECTING, None),
        (ConnectionState.CONNECTING, ConnectionState.CONNECTED, None),
        (ConnectionState.CONNECTED, ConnectionState.RECONNECTING, 1011),
        (ConnectionState.RECONNECTING, ConnectionState.CONNECTED, None),
    ]
    assert info.connected_since == 5.0
    assert info.connections == 2


def test_snapshot_is_immutable_and_isolated_from_later_updates() -> None:
    """A snapshot cannot be modified and does not change when the store does."""
    store = Store()
    ingest(store, score(home_score=10))
    snapshot = store.snapshot()
    ingest(store, score(home_score=12))
    ingest(store, score("g2"))
    assert snapshot.games["g1"].game.home_score == 10
    assert set(snapshot.games) == {"g1"}
    with pytest.raises(TypeError):
        snapshot.games["g3"] = snapshot.games["g1"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        snapshot.games["g1"].updated_at = 0.0  # type: ignore[misc]
    assert store.snapshot().version > snapshot.version


def test_concurrent_writer_and_readers_see_consistent_snapshots() -> None:
    """Readers taking snapshots while a writer applies updates never see a torn state."""
    store = Store()
    stop = threading.Event()
    problems: list[str] = []

    def read() -> None:
        while not stop.is_set():
            snapshot = store.snapshot()
            counters = snapshot.counters
            if counters.accepted + counters.rejected_total != counters.received:
                problems.append(f"counters torn: {counters}")
            for record in snapshot.games.values():
                if record.game.home_score < record.game.away_score:
                    problems.append("score pair torn")

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for points in range(3000):
            ingest(store, score(f"g{points % 7}", home_score=points // 7 + 1, away_score=points // 7), at=time.time())
            if points % 10 == 0:
                ingest(store, "junk")
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert problems == []
    assert store.snapshot().counters.received == 3300


def test_the_sources_latest_health_report_is_kept_and_an_older_one_dropped() -> None:
    """source_status: the newest report by ts is kept in the snapshot; an older one counts as stale."""
    store = Store()
    assert store.snapshot().source is None
    newer = '{"type": "source_status", "ts": 20.0, "data": {"source": "nba", "state": "failing", "error": "HTTP 403"}}'
    older = '{"type": "source_status", "ts": 10.0, "data": {"source": "nba", "state": "ok"}}'
    assert store.ingest(newer, received_at=21.0).status == "applied"
    assert store.ingest(older, received_at=22.0).status == "stale"
    snapshot = store.snapshot()
    assert snapshot.source is not None
    assert (snapshot.source.status.state, snapshot.source.status.error, snapshot.source.received_at) == (
        "failing",
        "HTTP 403",
        21.0,
    )
    assert snapshot.counters.stale_dropped == 1
    assert snapshot.source.age(15.0, 25.0) == 9.0  # 5 s on the server's clock to the send, then 4 s here
