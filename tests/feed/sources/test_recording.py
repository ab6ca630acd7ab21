"""A recorded feed replayed: byte-for-byte round trip, late joiners, timing scaled by speed."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
import websocket

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.feed.sources import Frame
from lib.feed.sources.recording import ReplaySource
from lib.protocol import Game, GameEnd, Message, Prediction, PredictionUpdate, ScoreUpdate
from lib.recorder import RecordedFrame, Recorder, read_recording
from lib.store import ConnectionState, Store
from tests.conftest import ClientFactory
from tests.helpers import game, prediction, score


class Gated:
    """A source that sends nothing until opened, so a test can connect before a replay starts."""

    def __init__(self, source: ReplaySource) -> None:
        self.source = source
        self.opened = threading.Event()

    def advance(self, now: float) -> Sequence[Message | Frame]:
        return self.source.advance(now) if self.opened.is_set() else []

    @property
    def games(self) -> None:
        return self.source.games

    def next_due(self) -> float | None:
        return self.source.next_due() if self.opened.is_set() else None

    name = "gated-replay"

    def status(self) -> None:
        return None

    def close(self) -> None:
        self.source.close()


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


def replay_to_a_client(path: Path, speed: float) -> tuple[list[RecordedFrame], list[tuple[bool, bytes]], Gated]:
    """Serve the recording to a raw WebSocket connected before the replay starts; what was received."""
    recorded = list(read_recording(path))
    gate = Gated(ReplaySource(read_recording(path), speed=speed))
    with ScriptedFeed(gate, interval=0.02) as server:
        ws = websocket.create_connection(server.url)
        try:
            wait_for(lambda: server.client_count == 1, what="the connection")
            gate.opened.set()
            received = receive(ws, len(recorded))
            # The end of a replay is not the end of the feed: the connection stays up and answers.
            ws.send(json.dumps({"type": "ping", "timestamp": 7}))
            (pong,) = receive(ws, 1)
            assert json.loads(pong[1])["data"] == {"timestamp": 7}
        finally:
            ws.close()
    return recorded, received, gate


def a_game(game_id: str = "g1", **fields: object) -> Game:
    return Game.model_validate(game(game_id, **fields))


def test_recorded_frames_replay_byte_for_byte(
    feed_server: ScriptedFeed, make_client: ClientFactory, tmp_path: Path
) -> None:
    """A real client records a real feed, odd frames included; the replay delivers the same bytes in order."""
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
            score("g2", home_team='Quote " and \\ and \u2028 line'),
            prediction("g2", 0.25, ts=1.5),
        ]
        feed_server.publish_raw(odd)
        feed_server.publish([GameEnd(data=a_game(status="final", period=4, clock="00:00", home_score=99))])
        wait_for(lambda: recorder.stats.lines == 7, what="seven recorded frames")
        client.stop()
    recorded, received, _ = replay_to_a_client(path, speed=1.0)
    assert [(recorded_frame.binary, recorded_frame.payload) for recorded_frame in recorded] == received
    raw = [payload.decode() if not binary else payload for binary, payload in received[2:6]]
    assert raw == odd
    assert json.loads(received[0][1])["data"]["home_team"] == "Málaga 🏀 Ünïcode"
    assert [json.loads(received[i][1])["seq"] for i in (0, 1, 6)] == [1, 2, 3]  # the original envelopes


def test_a_late_joiner_gets_the_latest_frame_of_each_game_first(tmp_path: Path) -> None:
    """Connecting mid-replay brings each game's latest raw frame and prediction, original ts kept, stale ones not."""
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
    with ScriptedFeed(source, interval=0.02) as server:
        wait_for(lambda: source.sent == len(frames) - 1, what="the frames before the pause")
        ws = websocket.create_connection(server.url)
        try:
            snapshot = receive(ws, 3)
        finally:
            ws.close()
    assert not source.finished
    assert [payload.decode() for _, payload in snapshot] == [frames[3], frames[7], frames[2]]


def test_a_replay_keeps_serving_its_final_state(tmp_path: Path) -> None:
    """After the last frame the state stays: a new client gets it, and nobody is closed with 1000."""
    path = tmp_path / "night.jsonl"
    write_recording(path, [(5.0, False, score("g1", ts=1.0).encode()), (5.1, False, score("g1", ts=2.0).encode())])
    source = ReplaySource(read_recording(path), speed=1.0)
    with ScriptedFeed(source, interval=0.02) as server:
        wait_for(lambda: source.finished, what="the end of the replay")
        ws = websocket.create_connection(server.url)
        try:
            ((_, state),) = receive(ws, 1)
            ws.send(json.dumps({"type": "ping", "timestamp": 1}))
            (pong,) = receive(ws, 1)
        finally:
            ws.close()
    assert json.loads(state)["ts"] == 2.0
    assert json.loads(pong[1])["type"] == "pong"


def test_a_fast_replay_sends_everything_in_order(tmp_path: Path) -> None:
    """Frames spread over 100 recorded seconds arrive, all and in order, at speed 1000."""
    path = tmp_path / "night.jsonl"
    write_recording(path, [(1000.0 + n * 0.5, False, score("g1", seq=n, home_score=n).encode()) for n in range(200)])
    _, received, gate = replay_to_a_client(path, speed=1000.0)
    assert [json.loads(payload)["seq"] for _, payload in received] == list(range(200))
    assert gate.source.finished


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
