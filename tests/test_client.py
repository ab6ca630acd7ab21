"""The reconnecting client against the real feed server over loopback sockets."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest

from harness.feed import ScriptedFeed
from harness.ports import free_port
from harness.waiting import wait_for
from lib.client import FeedClient
from lib.feed.limits import FeedLimits
from lib.protocol import (
    MAX_CLIENT_MESSAGE_BYTES,
    MAX_FRAME_BYTES,
    Game,
    GameStart,
    Prediction,
    PredictionUpdate,
    ScoreUpdate,
)
from lib.store import CloseCause, ConnectionState, Store
from tests.conftest import ClientFactory
from tests.faultproxy import FaultProxy
from tests.helpers import frame, game, prediction, score
from tests.wsserver import EagerServer, SinkServer


def a_game(game_id: str = "g1", **fields: Any) -> Game:
    return Game.model_validate(game(game_id, **fields))


def state_of(store: Store) -> ConnectionState:
    return store.snapshot().connection.state


def wait_state(store: Store, state: ConnectionState, timeout: float = 10.0) -> None:
    wait_for(lambda: state_of(store) is state, timeout, f"state {state}")


def home_score(store: Store, game_id: str) -> int | None:
    record = store.snapshot().games.get(game_id)
    return None if record is None else record.game.home_score


def test_connects_and_applies_published_updates(feed_server: ScriptedFeed, make_client: ClientFactory) -> None:
    """Published score updates and predictions reach the store; ts and seq are stamped."""
    store = Store()
    client = make_client(feed_server.url, store)
    client.start()
    wait_state(store, ConnectionState.CONNECTED)
    feed_server.publish(
        [
            ScoreUpdate(data=a_game(home_score=61)),
            PredictionUpdate(data=Prediction(game_id="g1", home_win_probability=0.7)),
        ]
    )
    wait_for(lambda: "g1" in store.snapshot().predictions, what="the prediction")
    snapshot = store.snapshot()
    record = snapshot.games["g1"]
    assert record.game.home_score == 61
    assert record.ts is not None
    assert record.seq == 1
    assert snapshot.predictions["g1"].seq == 2
    assert snapshot.connection.connected_since is not None
    assert all(sample.e2e_ms is not None for sample in snapshot.latency)


def test_frames_sent_with_the_handshake_response_are_not_lost(make_client: ClientFactory) -> None:
    """Frames that arrive in the same write as the server's 101 response all reach the store."""
    with EagerServer([score(home_score=12), prediction(p=0.7)]) as server:
        store = Store()
        make_client(server.url, store).start()
        wait_for(lambda: "g1" in store.snapshot().predictions, what="the frames sent with the handshake")
        assert home_score(store, "g1") == 12
        assert store.snapshot().counters.received == 2


def test_new_connection_gets_the_full_state_first(feed_server: ScriptedFeed, make_client: ClientFactory) -> None:
    """A client connecting late is sent every game and its latest prediction at once."""
    feed_server.publish([ScoreUpdate(data=a_game(f"g{i}", home_score=40 + i)) for i in range(5)])
    feed_server.publish([PredictionUpdate(data=Prediction(game_id="g3", home_win_probability=0.25))])
    store = Store()
    make_client(feed_server.url, store).start()
    wait_for(lambda: len(store.snapshot().games) == 5 and store.snapshot().predictions, what="the snapshot")
    snapshot = store.snapshot()
    assert {g: r.game.home_score for g, r in snapshot.games.items()} == {f"g{i}": 40 + i for i in range(5)}
    assert snapshot.predictions["g3"].prediction.home_win_probability == 0.25


def test_callbacks_fire_for_the_seed_events(feed_server: ScriptedFeed, make_client: ClientFactory) -> None:
    """connect, game_update, prediction, game_start, game_end and disconnect reach their callbacks."""
    seen: list[tuple[str, Any]] = []
    client = make_client(feed_server.url)
    for name in ("connect", "disconnect", "game_update", "prediction", "game_start", "game_end"):
        client.on(name, lambda *args, name=name: seen.append((name, args[0].game_id if args else None)))  # type: ignore[arg-type]
    client.start()
    wait_for(lambda: ("connect", None) in seen, what="connect callback")
    feed_server.publish(
        [
            ScoreUpdate(data=a_game(status="scheduled", period=0, clock="12:00", home_score=0, away_score=0)),
            GameStart(data=a_game(status="live", period=1, clock="12:00", home_score=0, away_score=0)),
            ScoreUpdate(data=a_game(home_score=2, away_score=0, period=1, clock="11:30")),
            PredictionUpdate(data=Prediction(game_id="g1", home_win_probability=0.6)),
        ]
    )
    feed_server.publish_raw([frame("game_end", game(status="final", period=4, clock="00:00", home_score=99))])
    wait_for(lambda: ("game_end", "g1") in seen, what="game_end callback")
    feed_server.close_all(1011)
    wait_for(lambda: ("disconnect", None) in seen, what="disconnect callback")
    names = [name for name, _ in seen]
    assert names[:6] == ["connect", "game_update", "game_start", "game_update", "prediction", "game_end"]


def test_a_raising_callback_does_not_kill_the_client(
    feed_server: ScriptedFeed, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A callback that raises is logged; later updates still arrive."""
    store = Store()
    client = make_client(feed_server.url, store)

    def explode(_: Game) -> None:
        raise RuntimeError("analyst bug")

    client.on("game_update", explode)
    client.start()
    wait_state(store, ConnectionState.CONNECTED)
    feed_server.publish_raw([score(home_score=1), score(home_score=2)])
    wait_for(lambda: home_score(store, "g1") == 2)
    assert client.running
    assert "analyst bug" in caplog.text


def test_every_rejection_is_counted_and_the_connection_stays_up(
    feed_server: ScriptedFeed, make_client: ClientFactory
) -> None:
    """Each kind of bad frame is rejected with its reason over the wire; the connection is untouched."""
    store = Store()
    errors: list[str] = []
    client = make_client(feed_server.url, store)
    client.on("error", errors.append)
    client.start()
    wait_state(store, ConnectionState.CONNECTED)
    feed_server.publish_raw([score(home_score=10)])
    bad: list[str | bytes] = [
        "{not json",
        "[1,2,3]",
        b"\x00\x01binary",
        json.dumps({"data": game()}),
        frame("timeout_called", game()),
        frame("score_update", {"game_id": "g1"}),
        score(home_score="11"),
        score(home_score=True),
        score(home_score=11.5),
        score(away_score=-3),
        score(period=99),
        score(clock="soon"),
        score(status="postponed"),
        prediction(p=1.5),
        '{"type":"prediction","data":{"game_id":"g1","home_win_probability":NaN}}',
        score(padding="x" * (MAX_FRAME_BYTES + 1)),
    ]
    feed_server.publish_raw([*bad, score(home_score=12)])
    wait_for(lambda: home_score(store, "g1") == 12, what="the update after the bad frames")
    snapshot = store.snapshot()
    assert snapshot.counters.rejected == {
        "invalid_json": 1,
        "not_an_object": 1,
        "binary_frame": 1,
        "missing_type": 1,
        "unknown_type": 1,
        "missing_field": 1,
        "wrong_type": 3,
        "out_of_range": 4,
        "invalid_value": 2,
        "too_large": 1,
    }
    assert snapshot.counters.received == len(bad) + 2
    assert snapshot.connection.state is ConnectionState.CONNECTED
    assert snapshot.connection.connections == 1
    assert len(errors) == len(bad)


def test_stale_update_is_dropped_over_the_wire(feed_server: ScriptedFeed, make_client: ClientFactory) -> None:
    """An update with an older ts than the stored one is dropped and counted."""
    store = Store()
    make_client(feed_server.url, store).start()
    wait_state(store, ConnectionState.CONNECTED)
    now = time.time()
    feed_server.publish_raw([score(home_score=80, ts=now), score(home_score=78, ts=now - 2), score("marker")])
    wait_for(lambda: "marker" in store.snapshot().games)
    snapshot = store.snapshot()
    assert snapshot.games["g1"].game.home_score == 80
    assert snapshot.counters.stale_dropped == 1


def test_server_restart_reconnects_and_resynchronises(make_client: ClientFactory) -> None:
    """After the server goes away and comes back, the client reconnects and holds the new state."""
    first = ScriptedFeed().start()
    port = first.port
    store = Store()
    make_client(first.url, store).start()
    wait_state(store, ConnectionState.CONNECTED)
    first.publish([ScoreUpdate(data=a_game("g1", home_score=30)), ScoreUpdate(data=a_game("g2", home_score=20))])
    wait_for(lambda: len(store.snapshot().games) == 2)
    first.stop()
    wait_for(lambda: state_of(store) is not ConnectionState.CONNECTED, what="the loss to be noticed")
    second = ScriptedFeed(port=port).start()
    try:
        second.publish([ScoreUpdate(data=a_game("g1", home_score=44)), ScoreUpdate(data=a_game("g3", home_score=9))])
        wait_for(lambda: "g3" in store.snapshot().games, what="resynchronisation")
        snapshot = store.snapshot()
        assert snapshot.games["g1"].game.home_score == 44
        assert snapshot.connection.state is ConnectionState.CONNECTED
        assert snapshot.connection.connections == 2
        reasons = [t.to_state for t in snapshot.connection.transitions]
        assert ConnectionState.RECONNECTING in reasons
    finally:
        second.stop()


def test_messages_sent_while_down_arrive_in_order_after_reconnect(make_client: ClientFactory) -> None:
    """send() while disconnected queues; on reconnect the queue goes first, in FIFO order."""
    port = free_port()
    frames: list[bytes] = []
    client = make_client(
        f"ws://127.0.0.1:{port}/ws/live",
        on_frame=lambda data, binary, at: frames.append(data),
        max_reconnect_attempts=None,
    )
    client.start()
    for stamp in range(1, 21):
        client.send({"type": "ping", "timestamp": stamp})
    assert client.queued == 20
    with ScriptedFeed(port=port) as server:
        wait_for(lambda: len(frames) == 20, what="20 pongs")
        client.send({"type": "ping", "timestamp": 21})
        wait_for(lambda: len(frames) == 21, what="the direct ping's pong")
        assert server.client_count == 1
    stamps = [json.loads(f)["data"]["timestamp"] for f in frames]
    assert stamps == list(range(1, 22))
    assert client.queued == 0


def test_full_send_queue_drops_the_oldest_and_counts_it(make_client: ClientFactory) -> None:
    """Past queue_size the oldest queued message is dropped and counted."""
    store = Store()
    client = make_client(f"ws://127.0.0.1:{free_port()}/ws/live", store, queue_size=3)
    for stamp in range(5):
        client.send({"type": "ping", "timestamp": stamp})
    assert client.queued == 3
    assert store.snapshot().counters.queue_dropped == 2


def test_full_send_queue_in_bytes_drops_the_oldest_and_counts_it(make_client: ClientFactory) -> None:
    """Past queue_bytes the oldest queued messages are dropped and counted, however few they are."""
    store = Store()
    client = make_client(f"ws://127.0.0.1:{free_port()}/ws/live", store, queue_bytes=MAX_CLIENT_MESSAGE_BYTES)
    for stamp in range(10):
        client.send(ping(stamp, size=1000))
    assert client.queued == 4
    assert store.snapshot().counters.queue_dropped == 6


def ping(stamp: int, *, size: int = 0) -> dict[str, Any]:
    """A test ping, padded with an extra field to about ``size`` bytes of JSON."""
    message: dict[str, Any] = {"type": "ping", "timestamp": stamp}
    if size:
        message["padding"] = "x" * (size - len(json.dumps({**message, "padding": ""})))
    return message


def nested(depth: int) -> dict[str, Any]:
    message: dict[str, Any] = {}
    for _ in range(depth):
        message = {"a": message}
    return message


def test_unsendable_messages_raise_before_queueing(make_client: ClientFactory) -> None:
    """send() refuses what JSON cannot carry, deep nesting and bad text with TypeError or ValueError."""
    client = make_client(f"ws://127.0.0.1:{free_port()}/ws/live")
    circular: dict[str, Any] = {"type": "ping"}
    circular["self"] = circular
    with pytest.raises(TypeError):
        client.send({"type": "ping", "timestamp": object()})
    with pytest.raises(ValueError, match="Out of range"):
        client.send({"type": "ping", "timestamp": float("nan")})
    with pytest.raises(ValueError, match="nests too deeply"):
        client.send(nested(5000))
    with pytest.raises(ValueError, match="Circular"):
        client.send(circular)
    with pytest.raises(ValueError, match="lone surrogate"):
        client.send('{"type": "ping", "note": "\ud800"}')
    assert client.queued == 0


def test_oversized_message_is_refused_and_the_connection_carries_on(
    feed_server: ScriptedFeed, make_client: ClientFactory
) -> None:
    """A 20 MB send() raises ValueError naming the limit; the connection and later messages are unharmed."""
    store = Store()
    client = make_client(feed_server.url, store)
    client.start()
    wait_state(store, ConnectionState.CONNECTED)
    limit = f"{MAX_CLIENT_MESSAGE_BYTES:,} bytes"
    with pytest.raises(ValueError, match=limit):
        client.send("x" * 20_000_000)
    with pytest.raises(ValueError, match=limit):
        client.send(ping(1, size=MAX_CLIENT_MESSAGE_BYTES + 1))
    with pytest.raises(ValueError, match=limit):  # under the limit in characters, over it in UTF-8
        client.send(ping(1, size=MAX_CLIENT_MESSAGE_BYTES // 2) | {"note": "é" * (MAX_CLIENT_MESSAGE_BYTES // 2)})
    client.send(ping(2, size=MAX_CLIENT_MESSAGE_BYTES))
    (pong,) = wait_for(lambda: store.snapshot().pongs, what="the pong of the largest allowed message")
    assert pong.timestamp_ms == 2
    info = store.snapshot().connection
    assert (info.state, info.connections, client.queued) == (ConnectionState.CONNECTED, 1, 0)


def test_server_refusing_a_message_with_1009_is_reported_and_the_client_reconnects(
    make_client: ClientFactory,
) -> None:
    """Close code 1009: the state, code and error say so, the refused message is dropped and
    counted (never sent again), smaller messages still arrive, and the client reconnects."""
    with SinkServer(max_size=1000) as server:
        store = Store()
        client = make_client(server.url, store)
        client.start()
        wait_state(store, ConnectionState.CONNECTED)
        client.send("small before")
        wait_for(lambda: "small before" in server.received, what="the first message")
        client.send(ping(1, size=2000))
        client.send("small after")
        wait_for(lambda: "small after" in server.received, what="the message after the refused one")
        wait_for(lambda: store.snapshot().connection.state is ConnectionState.CONNECTED)
        snapshot = store.snapshot()
        lost = next(t for t in snapshot.connection.transitions if t.to_state is ConnectionState.RECONNECTING)
        assert lost.close_code == 1009
        assert snapshot.connection.last_error is not None
        assert "1009" in snapshot.connection.last_error
        assert "too big" in snapshot.connection.last_error
        assert snapshot.connection.connections == 2
        assert snapshot.counters.queue_dropped == 1
        client.send("last")
        wait_for(lambda: "last" in server.received, what="a message on the new connection")
        assert set(server.received) == {"small before", "small after", "last"}
        assert server.connections == 2


def test_connection_reset_with_messages_in_flight_is_reported_and_they_are_sent_again(
    feed_server: ScriptedFeed, make_client: ClientFactory
) -> None:
    """A TCP reset while messages are unacknowledged: last_error says so, the client reconnects,
    and every message arrives, in order."""
    with FaultProxy(("127.0.0.1", feed_server.port)) as proxy:
        store = Store()
        client = make_client(proxy.url(), store, ping_interval=30.0, ping_timeout=30.0)
        client.start()
        wait_state(store, ConnectionState.CONNECTED)
        proxy.blackhole()  # the server reads nothing more, so nothing sent now is acknowledged
        for stamp in range(1, 6):
            client.send(ping(stamp))
        proxy.reset()
        wait_for(lambda: len({p.timestamp_ms for p in store.snapshot().pongs}) == 5, what="every pong")
        snapshot = store.snapshot()
        stamps = list(dict.fromkeys(p.timestamp_ms for p in snapshot.pongs))
        assert stamps == [1, 2, 3, 4, 5]
        assert snapshot.connection.connections == 2
        assert snapshot.connection.last_error is not None
        assert snapshot.counters.queue_dropped == 0


def test_server_that_stops_reading_is_reported_and_the_client_reconnects(make_client: ClientFactory) -> None:
    """When the server stops reading, the send that stalls fails with a reason, and the client reconnects."""
    with SinkServer(reading=False) as server:
        store = Store()
        # Unpaced, so that the writes outgrow the socket's buffers rather than wait in the queue.
        unpaced = {"frames_per_second": 1e9, "frame_burst": 10**9}
        client = make_client(server.url, store, ping_interval=30.0, ping_timeout=30.0, **unpaced)
        client.start()
        wait_state(store, ConnectionState.CONNECTED)
        message = ping(1, size=MAX_CLIENT_MESSAGE_BYTES)
        for _ in range(10_000):  # at most 40 MB: far more than any socket buffers
            client.send(message)
            if state_of(store) is not ConnectionState.CONNECTED:
                break
        wait_for(lambda: server.connections == 2, what="the reconnect")
        snapshot = store.snapshot()
        lost = next(t for t in snapshot.connection.transitions if t.to_state is ConnectionState.RECONNECTING)
        assert lost.reason == "send failed"
        assert snapshot.connection.last_error == "send failed: timed out"


def test_close_1000_means_closed_and_no_reconnect(feed_server: ScriptedFeed, make_client: ClientFactory) -> None:
    """A server close with code 1000 leaves the client closed, its thread ended, no retry."""
    store = Store()
    client = make_client(feed_server.url, store)
    client.start()
    wait_state(store, ConnectionState.CONNECTED)
    feed_server.close_all(1000)
    wait_state(store, ConnectionState.CLOSED)
    wait_for(lambda: not client.running, what="the thread to end")
    info = store.snapshot().connection
    assert info.close_code == 1000
    assert info.connections == 1
    assert feed_server.client_count == 0


@pytest.mark.parametrize("code", [1001, 1011, 1012])
def test_other_close_codes_reconnect(feed_server: ScriptedFeed, make_client: ClientFactory, code: int) -> None:
    """Any close code but 1000 is followed by a reconnect, the code recorded in the transition."""
    store = Store()
    make_client(feed_server.url, store).start()
    wait_state(store, ConnectionState.CONNECTED)
    feed_server.close_all(code)
    wait_for(lambda: store.snapshot().connection.connections == 2, what="the reconnect")
    transitions = store.snapshot().connection.transitions
    lost = next(t for t in transitions if t.to_state is ConnectionState.RECONNECTING)
    assert lost.close_code == code
    assert str(code) in lost.reason


def test_black_holed_connection_is_detected_by_ping_timeout(
    feed_server: ScriptedFeed, make_client: ClientFactory
) -> None:
    """When the network goes silent (no FIN, no RST) the ping timeout drops the socket and reconnects."""
    with FaultProxy(("127.0.0.1", feed_server.port)) as proxy:
        store = Store()
        make_client(proxy.url(), store, ping_interval=0.2, ping_timeout=0.5).start()
        wait_state(store, ConnectionState.CONNECTED)
        proxy.blackhole()
        wait_for(lambda: store.snapshot().connection.connections == 2, what="detection and reconnect")
        lost = next(t for t in store.snapshot().connection.transitions if t.to_state is ConnectionState.RECONNECTING)
        assert lost.reason == "no answer to ping"
        assert proxy.accepted == 2


def test_reset_connection_reconnects(feed_server: ScriptedFeed, make_client: ClientFactory) -> None:
    """A TCP reset mid-stream is a lost connection: the client reconnects."""
    with FaultProxy(("127.0.0.1", feed_server.port)) as proxy:
        store = Store()
        make_client(proxy.url(), store).start()
        wait_state(store, ConnectionState.CONNECTED)
        proxy.reset()
        wait_for(lambda: store.snapshot().connection.connections == 2, what="the reconnect")
        assert store.snapshot().connection.last_error


def test_gives_up_after_max_attempts_and_reconnect_starts_again(make_client: ClientFactory) -> None:
    """After max_reconnect_attempts failures the state is given_up; reconnect() tries again."""
    port = free_port()
    store = Store()
    client = make_client(f"ws://127.0.0.1:{port}/ws/live", store, max_reconnect_attempts=3)
    client.start()
    wait_state(store, ConnectionState.GIVEN_UP)
    wait_for(lambda: not client.running, what="the thread to end")
    info = store.snapshot().connection
    assert info.reconnect_attempts == 3
    assert info.last_error is not None
    assert "refused" in info.last_error
    with ScriptedFeed(port=port):
        client.reconnect()
        wait_state(store, ConnectionState.CONNECTED)
        assert store.snapshot().connection.reconnect_attempts == 0


def test_backoff_state_shows_the_next_attempt(make_client: ClientFactory) -> None:
    """While waiting to retry, the state says when and which attempt comes next."""
    store = Store()
    client = make_client(
        f"ws://127.0.0.1:{free_port()}/ws/live", store, reconnect_base_delay=5.0, reconnect_max_delay=5.0
    )
    client.start()
    wait_for(lambda: store.snapshot().connection.next_retry_at is not None, what="the backoff")
    info = store.snapshot().connection
    assert info.state is ConnectionState.RECONNECTING
    assert info.reconnect_attempts == 1
    assert info.max_reconnect_attempts == 10
    assert 3.0 <= info.next_retry_at - time.time() <= 6.0  # type: ignore[operator]


@pytest.mark.parametrize("situation", ["connected", "backing off", "stuck in the handshake"])
def test_stop_ends_the_thread_from_any_state(
    feed_server: ScriptedFeed, make_client: ClientFactory, situation: str
) -> None:
    """stop() ends the client thread within its 2 s budget whatever the connection is doing."""
    store = Store()
    with FaultProxy(("127.0.0.1", feed_server.port)) as proxy:
        if situation == "connected":
            url = feed_server.url
        elif situation == "backing off":
            url = f"ws://127.0.0.1:{free_port()}/ws/live"
        else:
            proxy.hold_new = True
            url = proxy.url()
        client = make_client(url, store, reconnect_base_delay=30.0, reconnect_max_delay=30.0, connect_timeout=30.0)
        client.start()
        if situation == "connected":
            wait_state(store, ConnectionState.CONNECTED)
        elif situation == "backing off":
            wait_for(lambda: store.snapshot().connection.next_retry_at is not None)
        else:
            wait_for(lambda: proxy.accepted == 1)
        stopper = threading.Thread(target=client.stop)  # from another thread, as the issue asks
        stopper.start()
        stopper.join()
        assert not client.running
        assert state_of(store) is ConnectionState.CLOSED


def test_token_is_sent_and_never_shown(make_client: ClientFactory, caplog: pytest.LogCaptureFixture) -> None:
    """The bearer token opens a guarded feed, a wrong one is refused, and neither appears in logs or state."""
    caplog.set_level(logging.DEBUG)
    secret, wrong = "s3cr3t-token-value", "wrong-token-value"
    with ScriptedFeed(token=secret) as server:
        good = Store()
        make_client(server.url, good, token=secret).start()
        wait_state(good, ConnectionState.CONNECTED)
        bad = Store()
        make_client(server.url, bad, token=wrong, max_reconnect_attempts=2).start()
        wait_state(bad, ConnectionState.GIVEN_UP)
        error = bad.snapshot().connection.last_error
        assert error is not None
        assert "403" in error
    for text in (caplog.text, repr(good.snapshot()), repr(bad.snapshot())):
        assert secret not in text
        assert wrong not in text


def test_ping_round_trip_is_recorded(feed_server: ScriptedFeed, make_client: ClientFactory) -> None:
    """The test ping comes back as a pong with its timestamp and a round-trip time."""
    store = Store()
    client = make_client(feed_server.url, store)
    client.start()
    wait_state(store, ConnectionState.CONNECTED)
    sent = time.time() * 1000
    client.send({"type": "ping", "timestamp": sent})
    (pong,) = wait_for(lambda: store.snapshot().pongs, what="the pong")
    assert pong.timestamp_ms == sent
    assert pong.rtt_ms >= 0


def test_wrong_scheme_is_refused() -> None:
    """Only ws:// and wss:// URLs are accepted."""
    with pytest.raises(ValueError, match="ws://"):
        FeedClient("http://example.com/ws/live", Store())


@pytest.mark.parametrize("url", ["ws://127.0.0.1:-5/ws/live", "ws://127.0.0.1:99999/ws/live", "ws:///ws/live"])
def test_unusable_url_is_refused_at_construction(url: str) -> None:
    """A URL the thread could not connect to is a ValueError naming the problem, before any thread starts."""
    with pytest.raises(ValueError, match=r"port|host"):
        FeedClient(url, Store())


def test_why_the_connection_ended_is_a_cause_the_page_can_tell_apart(
    feed_server: ScriptedFeed, make_client: ClientFactory
) -> None:
    """A server close with 1000 is SERVER_CLOSED, stop() is STOPPED; each transition keeps its cause."""
    store = Store()
    client = make_client(feed_server.url, store)
    client.start()
    wait_for(lambda: store.snapshot().connection.state is ConnectionState.CONNECTED, what="connected")
    assert store.snapshot().connection.cause is None
    feed_server.close_all(1000)
    wait_for(lambda: store.snapshot().connection.state is ConnectionState.CLOSED, what="closed by the server")
    info = store.snapshot().connection
    assert (info.cause, info.close_code, info.transitions[-1].cause) == (
        CloseCause.SERVER_CLOSED,
        1000,
        CloseCause.SERVER_CLOSED,
    )
    client.reconnect()
    wait_for(lambda: store.snapshot().connection.state is ConnectionState.CONNECTED, what="connected again")
    client.stop()
    assert store.snapshot().connection.cause is CloseCause.STOPPED


@pytest.mark.parametrize("paced", [True, False])
def test_a_caller_sending_faster_than_the_server_allows_is_paced_not_closed(
    make_client: ClientFactory, paced: bool
) -> None:
    """A flood of sends goes out at the client's pace, every ping answered; unpaced, the server closes it (1008)."""
    limits = FeedLimits(frames_per_second=5, frame_burst=10)
    # The defaults keep the same margins under the protocol's 10 a second after 1,100.
    pace = {"frames_per_second": 4, "frame_burst": 8} if paced else {"frames_per_second": 1e9, "frame_burst": 10**9}
    with ScriptedFeed(limits=limits) as server:
        store = Store()
        client = make_client(server.url, store, ping_interval=30.0, **pace)
        client.start()
        wait_state(store, ConnectionState.CONNECTED)
        for stamp in range(20):  # at once, as six viewers pressing "Send test ping" 24 times a second were
            client.send({"type": "ping", "timestamp": stamp})
        if not paced:  # closed with 1008, which the client may meet as a reset: it had more on the way
            wait_state(store, ConnectionState.RECONNECTING)
            return
        wait_for(lambda: {p.timestamp_ms for p in store.snapshot().pongs} >= set(range(20)), 30, "every pong")
        assert store.snapshot().connection.connections == 1
        assert state_of(store) is ConnectionState.CONNECTED
