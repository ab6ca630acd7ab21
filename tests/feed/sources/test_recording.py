"""A recorded feed replayed: every frame again in order, ts of this delivery, late joiners, timing scaled by speed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import websocket

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.feed.server import FeedServer
from lib.feed.sources import Frame
from lib.feed.sources.recording import ReplaySource
from lib.protocol import Game, GameEnd, Prediction, PredictionUpdate, ScoreUpdate
from lib.recorder import RecordedFrame, Recorder, read_recording
from lib.store import ConnectionState, Store
from tests.conftest import ClientFactory
from tests.helpers import game, prediction, score


def receive(ws: websocket.WebSocket, count: int) -> list[tuple[bool, bytes]]:
    """The next ``count`` data frames as (binary, payload)."""
    ws.settimeout(10)
    received = []
    for _ in range(count):
        opcode, data = ws.recv_data()
        received.append((opcode == websocket.ABNF.OPCODE_BINARY, data))
    return received


def write_recording(path: Path, frames: list[tuple[float, bool, bytes]]) -> list[RecordedFrame]:
    with Recorder(path) as recorder:
        for received_at, binary, payload in frames:
            recorder.record(payload, binary, received_at)
    return list(read_recording(path))


def without_ts(frame: Frame) -> Frame:
    """A text frame's JSON with its ``ts`` taken out (re-encoded compactly); anything else as it is."""
    try:
        envelope = json.loads(frame)
    except ValueError:
        return frame
    if not isinstance(envelope, dict):
        return frame
    envelope.pop("ts", None)
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def replay_to_a_client(path: Path, speed: float) -> tuple[list[RecordedFrame], list[tuple[bool, bytes]], float]:
    """Serve the recording to a raw WebSocket whose connecting starts it: the frames after the ``source_status``."""
    recorded = list(read_recording(path))
    source = ReplaySource(read_recording(path), speed=speed)
    with FeedServer(source, interval=0.02, wait_for_client=True) as server:
        connected = time.time()
        ws = websocket.create_connection(server.url)
        try:
            ((_, status),) = receive(ws, 1)
            assert json.loads(status)["data"] == {"source": "replay", "state": "ok", "faults": {}}
            received = receive(ws, len(recorded))
            # The end of a replay is not the end of the feed: the connection stays up and answers.
            ws.send(json.dumps({"type": "ping", "timestamp": 7}))
            (pong,) = receive(ws, 1)
            assert json.loads(pong[1])["data"] == {"timestamp": 7}
        finally:
            ws.close()
        assert source.finished
    return recorded, received, connected


def a_game(game_id: str = "g1", **fields: object) -> Game:
    return Game.model_validate(game(game_id, **fields))


def test_a_recorded_feed_replays_in_order_each_message_sent_at_its_time(
    feed_server: ScriptedFeed, make_client: ClientFactory, tmp_path: Path
) -> None:
    """A recorded feed replays in order: what is no message byte for byte, a message as recorded but for a fresh ts."""
    path = tmp_path / "night.jsonl"
    store = Store()
    with Recorder(path) as recorder:
        client = make_client(feed_server.url, store, on_frame=recorder.record)
        client.start()
        wait_for(lambda: store.snapshot().connection.state is ConnectionState.CONNECTED, what="the connection")
        feed_server.publish(
            [
                ScoreUpdate(data=a_game(home_team="Málaga 🏀 Ünïcode", away_team="東京 <script>")),
                PredictionUpdate(data=Prediction(game_id="g1", home_win_probability=0.61)),
            ]
        )
        odd: list[Frame] = [
            b"\x00\x01binary\xff",
            "{not json",
            score("g2", home_team='Quote " and \\ and \u2028 line', extra={"kept": [1, 2]}),
            prediction("g2", 0.25, ts=1.5),
            score("g3", ts=-5.0),  # rejected for its ts: it must stay so
        ]
        feed_server.publish_raw(odd)
        feed_server.publish([GameEnd(data=a_game(status="final", period=4, clock="00:00", home_score=99))])
        wait_for(lambda: recorder.stats.lines == 8, what="eight recorded frames")
        client.stop()
    recorded, received, started = replay_to_a_client(path, speed=1.0)
    assert [(frame.binary, without_ts(frame.payload.decode())) for frame in recorded if not frame.binary] == [
        (binary, without_ts(payload.decode())) for binary, payload in received if not binary
    ]
    assert [frame.payload for frame in recorded if frame.binary] == [payload for binary, payload in received if binary]
    texts = [payload.decode() if not binary else payload for binary, payload in received]
    assert texts[3] == odd[1]
    assert texts[4] == odd[2]  # no ts recorded, none sent
    assert texts[6] == odd[4]
    assert json.loads(received[0][1])["data"]["home_team"] == "Málaga 🏀 Ünïcode"
    assert json.loads(texts[4])["data"]["extra"] == {"kept": [1, 2]}
    assert [json.loads(received[i][1])["seq"] for i in (0, 1, 7)] == [1, 2, 3]  # the recorded seq
    resent = [json.loads(received[i][1])["ts"] for i in (0, 1, 5, 7)]
    assert all(started - 1.0 <= ts <= time.time() for ts in resent)
    assert resent == sorted(resent)


def test_a_late_joiner_gets_the_latest_frame_of_each_game_first(tmp_path: Path) -> None:
    """Connecting mid-replay brings each game's latest frame and prediction as last sent, stale ones left out."""
    frames = [
        score("g1", ts=10.0, home_score=2),
        prediction("g1", 0.55, ts=10.0),
        score("g2", ts=11.0, home_score=5),
        score("g1", ts=12.0, home_score=4),
        "{not json",
        json.dumps({"type": "pong", "data": {"timestamp": 1}, "ts": 12.5}),
        score("g1", ts=11.5, home_score=3),  # older than the one before it: stale, as a client would judge
        prediction("g1", 0.6, ts=13.0),
        score("g3", ts=14.0),
    ]
    recording = [(100.0 + n * 0.01, False, text.encode()) for n, text in enumerate(frames[:-1])]
    recording.append((100.0 + 3600.0, False, frames[-1].encode()))  # an hour later: the replay is mid-way
    write_recording(tmp_path / "night.jsonl", recording)
    source = ReplaySource(read_recording(tmp_path / "night.jsonl"), speed=1.0)
    latest = [without_ts(frames[i]) for i in (3, 7, 2)]
    with ScriptedFeed(source, interval=0.02) as server:

        def served() -> list[Frame]:
            # The source counts a frame when it reads it, the server keeps it a moment later, on its loop.
            items: list[object] = []
            server.call_in_loop(lambda: items.extend(server.hub.snapshot()))
            return [without_ts(item) for item in items if isinstance(item, str)]

        wait_for(lambda: served() == latest, what="the server's state of the frames before the pause")
        assert source.sent == len(frames) - 1
        ws = websocket.create_connection(server.url)
        try:
            snapshot = receive(ws, 4)
        finally:
            ws.close()
    assert not source.finished
    assert json.loads(snapshot[0][1])["type"] == "source_status"
    assert [without_ts(payload.decode()) for _, payload in snapshot[1:]] == latest


def test_a_replay_keeps_serving_its_final_state(tmp_path: Path) -> None:
    """After the last frame the state stays: a new client gets it, and nobody is closed with 1000."""
    path = tmp_path / "night.jsonl"
    write_recording(path, [(5.0, False, score("g1", ts=1.0).encode()), (5.1, False, score("g1", ts=2.0).encode())])
    source = ReplaySource(read_recording(path), speed=1.0)
    started = time.time()
    with ScriptedFeed(source, interval=0.02) as server:
        wait_for(lambda: source.finished, what="the end of the replay")
        ws = websocket.create_connection(server.url)
        try:
            _, (_, state) = receive(ws, 2)
            ws.send(json.dumps({"type": "ping", "timestamp": 1}))
            (pong,) = receive(ws, 1)
        finally:
            ws.close()
    assert started <= json.loads(state)["ts"] <= time.time()  # sent in this replay, not at the recording
    assert json.loads(pong[1])["type"] == "pong"


def test_a_fast_replay_sends_everything_in_order(tmp_path: Path) -> None:
    """Frames spread over 100 recorded seconds arrive, all and in order, at speed 1000."""
    path = tmp_path / "night.jsonl"
    write_recording(path, [(1000.0 + n * 0.5, False, score("g1", seq=n, home_score=n).encode()) for n in range(200)])
    _, received, _ = replay_to_a_client(path, speed=1000.0)
    assert [json.loads(payload)["seq"] for _, payload in received] == list(range(200))


def test_a_replay_is_sent_when_due_not_at_the_next_tick(tmp_path: Path) -> None:
    """The server sleeps until the next frame is due: a replay finishes long before one 60 s interval."""
    path = tmp_path / "night.jsonl"
    write_recording(path, [(1000.0 + n * 0.05, False, score("g1", home_score=n).encode()) for n in range(5)])
    source = ReplaySource(read_recording(path))
    with ScriptedFeed(source, interval=60.0):
        wait_for(lambda: source.finished, timeout=20.0, what="the replay to end")


def test_frames_fall_due_at_their_offset_divided_by_speed() -> None:
    """advance() hands out exactly the frames due by now; next_due says when the next one is."""
    frames = [RecordedFrame(500.0 + offset, False, f"f{offset}".encode()) for offset in (0, 1, 2, 4)]
    source = ReplaySource(frames, speed=2.0, start=100.0)
    assert source.next_due() == 100.0
    assert source.advance(99.0) == []
    assert source.advance(100.0) == ["f0"]
    assert source.advance(100.49) == []
    assert source.next_due() == 100.5
    assert source.advance(101.0) == ["f1", "f2"]
    assert source.next_due() == 102.0
    assert source.advance(500.0) == ["f4"]
    assert source.finished
    assert source.next_due() is None
    assert source.advance(600.0) == []
    assert source.games is None


def test_a_clock_that_stepped_back_keeps_the_order() -> None:
    """A frame recorded with an earlier time than the one before it is sent right after it."""
    frames = [RecordedFrame(at, False, name.encode()) for at, name in ((10.0, "a"), (12.0, "b"), (9.0, "c"))]
    source = ReplaySource(frames, start=0.0)
    assert source.advance(0.0) == ["a"]
    assert source.advance(2.0) == ["b", "c"]


def test_frame_types_are_kept_and_invalid_utf8_goes_as_binary() -> None:
    """Text frames replay as str, binary as bytes; text that is not UTF-8 can only travel as binary."""
    frames = [
        RecordedFrame(0.0, False, "é".encode()),
        RecordedFrame(0.0, True, b"\x00"),
        RecordedFrame(0.0, False, b"\xff"),
    ]
    assert ReplaySource(frames, start=0.0).advance(0.0) == ["é", b"\x00", b"\xff"]


def test_the_first_advance_starts_the_replay_by_default() -> None:
    """Without a start, the first frame is due at the first advance, and the rest follow from there."""
    source = ReplaySource([RecordedFrame(50.0, False, b"a"), RecordedFrame(51.0, False, b"b")])
    assert source.next_due() is None
    assert source.advance(1000.0) == ["a"]
    assert source.next_due() == 1001.0


def test_a_corrupt_recording_ends_the_replay_where_it_breaks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A bad line mid-file stops the replay after the frames before it, with an error logged, never raised."""
    path = tmp_path / "night.jsonl"
    write_recording(path, [(1.0, False, b"one"), (2.0, False, b"two")])
    path.write_bytes(path.read_bytes() + b"garbage\n" + path.read_bytes())
    source = ReplaySource(read_recording(path), start=0.0)
    assert source.advance(100.0) == ["one", "two"]
    assert source.finished
    assert "corrupt" in caplog.text


@pytest.mark.parametrize("speed", [0.0, -1.0, float("inf"), float("nan")])
def test_speed_must_be_positive_and_finite(speed: float) -> None:
    """A replay runs forward at a finite speed."""
    with pytest.raises(ValueError, match="speed"):
        ReplaySource([RecordedFrame(0.0, False, b"a")], speed=speed)


def test_an_empty_recording_is_refused(tmp_path: Path) -> None:
    """A recording with no frames has nothing to replay: an error, at once."""
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="no frames"):
        ReplaySource(read_recording(path))


def test_each_message_is_stamped_with_its_sending_and_a_stale_one_stays_stale() -> None:
    """ts becomes the time of sending; a frame older than its game's last stays as much older (over the speed)."""
    frames = [
        score("g1", ts=1000.0, home_score=2),
        prediction("g1", 0.5, ts=1000.0),
        score("g1", ts=990.0, home_score=1),  # stale: 10 s older than the state it would replace
        score("g1", ts=1000.0, home_score=3),  # as old as the state: fresh, as a client judges
        prediction("g1", 0.6, ts=995.0),  # stale among predictions, whatever the games' ts
        json.dumps({"type": "pong", "data": {"timestamp": 1}, "ts": 1001.0}),
        json.dumps({"type": "source_status", "data": {"source": "nba", "state": "ok"}, "ts": 1001.0}),
        score("g2", home_score=7),  # no ts: none given
    ]
    source = ReplaySource([RecordedFrame(5000.0 + n, False, f.encode()) for n, f in enumerate(frames)], speed=2.0)
    sent = [
        json.loads(frame)
        for now in (100.0, 100.5, 101.0, 101.5, 102.0, 102.5, 103.0, 103.5)
        for frame in source.advance(now)
    ]
    assert [(m["type"], m.get("ts")) for m in sent] == [
        ("score_update", 100.0),
        ("prediction", 100.5),
        ("score_update", 100.0 - 10.0 / 2),
        ("score_update", 101.5),
        ("prediction", 100.5 - 5.0 / 2),
        ("pong", 102.5),
        ("score_update", None),  # the recorded source_status is not this feed's: left out
    ]
    assert [without_ts(json.dumps(m)) for m in sent] == [without_ts(f) for i, f in enumerate(frames) if i != 6]
    assert source.sent == len(frames)


def test_a_replay_of_an_old_recording_measures_this_deliverys_latency(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    """A night recorded hours ago, replayed: the client's end-to-end latency is this delivery's, not the hours since."""
    path = tmp_path / "night.jsonl"
    hours_ago = time.time() - 6 * 3600
    write_recording(
        path,
        [(hours_ago + n * 0.01, False, score("g1", ts=hours_ago + n * 0.01, home_score=n).encode()) for n in range(50)],
    )
    store = Store()
    with FeedServer(ReplaySource(read_recording(path), speed=10.0), interval=0.02, wait_for_client=True) as server:
        make_client(server.url, store).start()
        wait_for(lambda: "g1" in (games := store.snapshot().games) and games["g1"].game.home_score == 49)
    snapshot = store.snapshot()
    delays = [sample.e2e_ms for sample in snapshot.latency if sample.type == "score_update"]
    assert len(delays) == 50
    assert all(delay is not None and delay < 60_000 for delay in delays)
    assert snapshot.source is not None
    assert snapshot.source.status.source == "replay"
