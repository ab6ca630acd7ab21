"""Faults between a real client with a real server: after each, the client holds the server's state.

Every scenario ends with the same checks: the client converges to exactly the server's final
state (no lost game, no stale score), it shows the true connection state, it holds one socket
and the server one client, every message it accepted for sending was delivered in order, and
once everything is stopped no thread or socket is left behind.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import psutil
import pytest

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.client import FeedClient
from lib.protocol import Game, Message, Prediction, PredictionUpdate, ScoreUpdate
from lib.store import ConnectionState, Store
from tests.conftest import options
from tests.faultproxy import FaultProxy
from tests.helpers import game

GAMES = 6


class Night:
    """The server side's truth: a few games whose scores only go up, with a prediction each."""

    def __init__(self) -> None:
        self.scores = {f"g{i}": [0, 0] for i in range(GAMES)}
        self.step = 0

    def advance(self, steps: int = 1) -> list[Message]:
        messages: list[Message] = []
        for _ in range(steps):
            self.step += 1
            game_id = f"g{self.step % GAMES}"
            if self.step % 40 < GAMES:  # the clock runs on every step; points now and then
                self.scores[game_id][self.step % 2] += 1 + self.step % 3
            home, away = self.scores[game_id]
            clock = f"{(self.step // 60) % 12:02d}:{self.step % 60:02d}"
            messages.append(
                ScoreUpdate(data=Game.model_validate(game(game_id, home_score=home, away_score=away, clock=clock)))
            )
            probability = min(0.99, max(0.01, 0.5 + (home - away) / 100))
            messages.append(PredictionUpdate(data=Prediction(game_id=game_id, home_win_probability=probability)))
        return messages


class Rig:
    """Server, fault proxy and client, wired together; the client records every frame it receives."""

    def __init__(self, *, dribble: float | None = None, keepalive: float | None = None, **client_options: Any) -> None:
        self.night = Night()
        self.keepalive = keepalive
        self.server = ScriptedFeed(keepalive=keepalive).start()
        self.port = self.server.port
        self.proxy = FaultProxy(("127.0.0.1", self.port), dribble=dribble).start()
        self.store = Store()
        self.frames: list[bytes] = []
        rig_options = {"ping_interval": 0.3, "ping_timeout": 0.9, "max_reconnect_attempts": None, **client_options}
        self.client = FeedClient(self.proxy.url(), self.store, options(**rig_options), on_frame=self._record)
        self.pings_sent: list[int] = []

    def _record(self, payload: bytes, binary: bool, at: float) -> None:
        self.frames.append(payload)

    def start(self) -> Rig:
        self.server.publish(self.night.advance(GAMES))
        self.client.start()
        self.wait_state(ConnectionState.CONNECTED)
        return self

    def publish(self, steps: int) -> None:
        self.server.publish(self.night.advance(steps))

    def restart_server(self) -> None:
        """Stop the server and start a new one on the same port that knows the same night."""
        self.server.stop()
        self.server = ScriptedFeed(port=self.port, keepalive=self.keepalive).start()
        self.server.publish(self.night.advance(GAMES))

    def ping(self) -> None:
        """Send a test ping; its pong proves delivery (and its order)."""
        stamp = len(self.pings_sent) + 1
        self.pings_sent.append(stamp)
        self.client.send({"type": "ping", "timestamp": stamp})

    def wait_state(self, state: ConnectionState, timeout: float = 15.0) -> None:
        wait_for(lambda: self.store.snapshot().connection.state is state, timeout, f"state {state}")

    def pongs(self) -> list[int]:
        stamps = []
        for frame in list(self.frames):
            message = json.loads(frame)
            if message.get("type") == "pong":
                stamps.append(int(message["data"]["timestamp"]))
        return stamps

    def converged(self) -> bool:
        snapshot = self.store.snapshot()
        for message in self.server.hub.snapshot():
            if isinstance(message, PredictionUpdate):
                record = snapshot.predictions.get(message.data.game_id)
                if record is None or record.prediction != message.data:
                    return False
            else:
                record_game = snapshot.games.get(message.data.game_id)
                if record_game is None or record_game.game != message.data:
                    return False
        return len(snapshot.games) == GAMES

    def client_sockets(self) -> int:
        """The client's sockets to the proxy (the server's own sockets do not count)."""
        return sum(
            1 for c in psutil.Process().net_connections(kind="tcp") if c.raddr and c.raddr.port == self.proxy.port
        )

    def assert_healthy(self) -> None:
        """Converged, truthfully connected, one socket each side, every ping delivered in order."""
        wait_for(self.converged, 30, "the client to hold the server's state")
        wait_for(lambda: self.store.snapshot().connection.state is ConnectionState.CONNECTED, 10, "connected")
        wait_for(lambda: self.server.client_count == 1, 10, "one client at the server")
        wait_for(lambda: self.client_sockets() == 1, 10, "exactly one client socket")
        wait_for(lambda: set(self.pongs()) >= set(self.pings_sent), 20, "every ping's pong")
        first_seen = list(dict.fromkeys(p for p in self.pongs() if p in self.pings_sent))
        assert first_seen == self.pings_sent, "pings were delivered out of order"
        assert self.client.queued == 0
        snapshot = self.store.snapshot()
        assert snapshot.counters.rejected_total == 0
        assert snapshot.counters.queue_dropped == 0

    def stop(self) -> None:
        self.client.stop()
        self.proxy.stop()
        self.server.stop()


def _our_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(("nba-feed", "fault-proxy")) and t.is_alive()]


@pytest.fixture
def rig() -> Iterator[Callable[..., Rig]]:
    """Make one rig; at the end stop it and check that no thread or socket outlives it."""
    fds_before = psutil.Process().num_fds()
    made: list[Rig] = []

    def make(**options: Any) -> Rig:
        made.append(Rig(**options).start())
        return made[-1]

    yield make
    for built in made:
        built.stop()
    assert _our_threads() == []
    wait_for(lambda: psutil.Process().num_fds() <= fds_before, 10, "every socket to be closed")


def test_connection_reset_mid_stream(rig: Callable[..., Rig]) -> None:
    """A TCP reset in the middle of a stream of updates: reconnect, resynchronise, nothing lost."""
    r = rig()
    r.publish(300)
    r.proxy.reset()
    r.wait_state(ConnectionState.RECONNECTING)
    r.ping()
    r.publish(50)
    r.assert_healthy()
    assert r.store.snapshot().connection.connections >= 2


def test_black_holed_connection(rig: Callable[..., Rig]) -> None:
    """Silence with no FIN or RST: pings written into the void are re-sent after the reconnect."""
    r = rig(keepalive=1.0)  # so the server, too, finds out that its end of the black hole is dead
    r.proxy.blackhole()
    r.ping()  # written to a connection that is already dead: must not be lost
    r.publish(40)
    r.wait_state(ConnectionState.RECONNECTING)
    r.ping()
    r.assert_healthy()
    lost = next(t for t in r.store.snapshot().connection.transitions if t.to_state is ConnectionState.RECONNECTING)
    assert lost.reason == "no answer to ping"


def test_server_restarted_twenty_times(rig: Callable[..., Rig]) -> None:
    """Twenty restarts in a row, with updates and pings in between: the client ends in step."""
    r = rig()
    for _ in range(20):
        r.ping()
        r.restart_server()
        r.publish(5)
    r.assert_healthy()


@pytest.mark.parametrize("code", [1001, 1011, 1012])
def test_server_closes_with_a_reconnect_code(rig: Callable[..., Rig], code: int) -> None:
    """Going away, internal error, service restart: each is followed by a reconnect and resync."""
    r = rig()
    r.server.close_all(code)
    r.wait_state(ConnectionState.RECONNECTING)
    r.ping()
    r.publish(10)
    r.assert_healthy()
    assert any(t.close_code == code for t in r.store.snapshot().connection.transitions)


def test_handshake_that_never_completes(rig: Callable[..., Rig]) -> None:
    """A server that accepts TCP but never answers the upgrade: the attempt times out, and retries work."""
    r = rig(connect_timeout=0.5)
    r.proxy.hold_new = True
    r.proxy.reset()
    wait_for(lambda: (r.store.snapshot().connection.last_error or "") == "timed out", 15, "a handshake timeout")
    assert r.store.snapshot().connection.state is ConnectionState.RECONNECTING
    r.ping()
    r.publish(10)
    r.proxy.hold_new = False
    r.assert_healthy()


def test_slow_server_dribbling_bytes(rig: Callable[..., Rig]) -> None:
    """Bytes trickling in one at a time are slow, not dead: no false timeout, the state arrives."""
    r = rig(dribble=0.0005, ping_timeout=2.0)
    r.publish(20)
    r.ping()
    r.assert_healthy()
    assert r.store.snapshot().connection.connections == 1


def test_burst_of_ten_thousand_messages(rig: Callable[..., Rig]) -> None:
    """Ten thousand updates at once: all applied in order, none stale, none rejected."""
    r = rig()
    r.publish(5_000)  # a score update and a prediction each: 10,000 messages
    r.ping()
    r.assert_healthy()
    snapshot = r.store.snapshot()
    assert snapshot.counters.stale_dropped == 0
    assert snapshot.counters.received >= 10_000


def test_callbacks_that_raise(rig: Callable[..., Rig]) -> None:
    """Every callback raising changes nothing about what the client holds or sends."""
    r = rig()

    def explode(*_: Any) -> None:
        raise RuntimeError("callback bug")

    for event in ("connect", "disconnect", "game_update", "prediction", "game_start", "game_end", "error"):
        r.client.on(event, explode)  # type: ignore[arg-type]
    r.publish(100)
    r.server.close_all(1011)
    r.ping()
    r.publish(10)
    r.assert_healthy()
    assert r.client.running
