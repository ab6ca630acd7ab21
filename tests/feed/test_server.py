"""The feed server over real sockets: snapshot on connect, stamping, raw state, pong, health, auth, slow clients."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from typing import Any

import pytest
import websocket

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.feed.flows import GameFlow
from lib.feed.limits import FeedLimits
from lib.feed.server import FeedHub
from lib.feed.sources.night import NightSimulator
from lib.protocol import Game, GameEnd, GameStart, Play, PlayUpdate, Prediction, PredictionUpdate, ScoreUpdate
from lib.store import Store
from tests.conftest import ClientFactory
from tests.helpers import game, play, play_data, prediction, score


def a_game(game_id: str = "g1", **fields: Any) -> Game:
    return Game.model_validate(game(game_id, **fields))


def score_frame(game_id: str, home_score: int, ts: float) -> str:
    """A score update's frame as a recording holds it: stamped when it was first sent."""
    return ScoreUpdate(data=a_game(game_id, home_score=home_score), ts=ts).model_dump_json(exclude_none=True)


def receive(ws: websocket.WebSocket, count: int) -> list[dict[str, Any]]:
    ws.settimeout(10)
    return [json.loads(ws.recv()) for _ in range(count)]


def test_new_connection_gets_state_then_updates_with_its_own_seq(feed_server: ScriptedFeed) -> None:
    """A client first gets every game and latest prediction, then live updates; seq counts from 1."""
    feed_server.publish(
        [
            GameStart(data=a_game("g1", period=1, clock="12:00", home_score=0, away_score=0)),
            ScoreUpdate(data=a_game("g2")),
            PredictionUpdate(data=Prediction(game_id="g1", home_win_probability=0.4)),
            PredictionUpdate(data=Prediction(game_id="g1", home_win_probability=0.45)),
            GameEnd(data=a_game("g2", status="final", period=4, clock="00:00")),
        ]
    )
    ws = websocket.create_connection(feed_server.url)
    try:
        snapshot = receive(ws, 3)
        assert [(m["type"], m["data"]["game_id"]) for m in snapshot] == [
            ("score_update", "g1"),  # a live game is restated as a score_update, not a second tip-off
            ("prediction", "g1"),
            ("game_end", "g2"),
        ]
        assert snapshot[1]["data"]["home_win_probability"] == 0.45
        feed_server.publish([ScoreUpdate(data=a_game("g1", home_score=3, period=1, clock="11:00"))])
        (update,) = receive(ws, 1)
        assert [m["seq"] for m in [*snapshot, update]] == [1, 2, 3, 4]
        assert all(isinstance(m["ts"], float) for m in [*snapshot, update])
    finally:
        ws.close()


def test_ping_gets_a_pong_with_the_same_timestamp(feed_server: ScriptedFeed) -> None:
    """The test ping is answered with a pong echoing its timestamp; junk is ignored."""
    ws = websocket.create_connection(feed_server.url)
    try:
        ws.send("not a ping")
        ws.send(json.dumps({"type": "ping", "timestamp": 1234567}))
        (pong,) = receive(ws, 1)
        assert pong["type"] == "pong"
        assert pong["data"] == {"timestamp": 1234567}
    finally:
        ws.close()


def test_health_reports_clients_and_games(feed_server: ScriptedFeed) -> None:
    """GET /health answers with the number of connected clients and games."""
    feed_server.publish([ScoreUpdate(data=a_game("g1")), ScoreUpdate(data=a_game("g2"))])
    ws = websocket.create_connection(feed_server.url)
    try:
        wait_for(lambda: feed_server.client_count == 1)
        url = f"http://127.0.0.1:{feed_server.port}/health"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert json.load(response) == {"status": "ok", "clients": 1, "games": 2}
    finally:
        ws.close()


def test_token_guards_the_feed() -> None:
    """With a token set, an upgrade without credentials gets 401 asking for a bearer token; with the token, the feed."""
    with ScriptedFeed(token="letmein") as server:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(server.url)
        assert refused.value.status_code == 401
        assert (refused.value.resp_headers or {}).get("www-authenticate") == "Bearer"
        ws = websocket.create_connection(server.url, header=["Authorization: Bearer letmein"])
        ws.close()


@pytest.mark.parametrize("token", [None, "letmein"])
def test_a_wrong_path_is_not_found(token: str | None) -> None:
    """A WebSocket handshake on any path but /ws/live is answered 404, token or not: never a 403 that reads as auth."""
    authorization = ["Authorization: Bearer letmein"] if token else []
    with ScriptedFeed(token=token) as server:
        for path in ("/ws/lvie", "/", "/ws/live/", "/health"):
            with pytest.raises(websocket.WebSocketBadStatusException) as refused:
                websocket.create_connection(f"ws://127.0.0.1:{server.port}{path}", header=authorization)
            assert refused.value.status_code == 404, path
        websocket.create_connection(server.url, header=authorization).close()


@pytest.mark.parametrize("header", ["Bearer letmein", "bearer letmein", "BEARER letmein", "Bearer   letmein"])
def test_the_bearer_scheme_is_case_insensitive(header: str) -> None:
    """The scheme matches in any case (RFC 7235), with one or more spaces before the token."""
    with ScriptedFeed(token="letmein") as server:
        websocket.create_connection(server.url, header=[f"Authorization: {header}"]).close()


@pytest.mark.parametrize("header", ["Basic letmein", "Bearer letmein2", "Bearer", "Bearerletmein", "letmein"])
def test_another_scheme_or_token_is_refused(header: str) -> None:
    """Only the bearer scheme with exactly the token opens the feed; other credentials get 403."""
    with ScriptedFeed(token="letmein") as server, pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(server.url, header=[f"Authorization: {header}"])
    assert refused.value.status_code == 403


def upgrade_status(port: int, authorization: bytes) -> int:
    """The HTTP status a raw upgrade request with these Authorization bytes gets."""
    request = (
        b"GET /ws/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        b"Authorization: " + authorization + b"\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        return int(sock.recv(4096).split(b" ", 2)[1])


def test_a_non_ascii_token_is_compared_as_utf8() -> None:
    """A non-ASCII token is accepted as UTF-8 (what LiveFeed sends) and refused as Latin-1 bytes."""
    with ScriptedFeed(token="clé 🏀") as server:
        websocket.create_connection(server.url, header=["Authorization: Bearer clé 🏀"]).close()
        assert upgrade_status(server.port, "Bearer clé 🏀".encode()) == 101
    with ScriptedFeed(token="clé") as server:
        assert upgrade_status(server.port, "Bearer clé".encode("latin-1")) == 403


def test_an_empty_token_means_no_token() -> None:
    """token="" (an empty FEED_TOKEN) lets clients in without a header, rather than wanting one nobody can send."""
    with ScriptedFeed(token="") as server:
        websocket.create_connection(server.url).close()


def test_slow_client_is_cut_off_once_its_outbox_bytes_are_full() -> None:
    """A client that stops reading is disconnected once its outbox holds its limit in bytes."""
    limits = FeedLimits(outbox_bytes=256 * 1024, send_timeout=60)
    with ScriptedFeed(limits=limits) as server:
        stuck = websocket.create_connection(server.url)
        try:
            wait_for(lambda: server.client_count == 1)
            padding = "x" * 2000
            # Far more than the outbox, the socket buffers and the send in progress can hold.
            for start in range(0, 20_000, 500):
                server.publish([ScoreUpdate(data=a_game(f"g{start + i}", note=padding)) for i in range(500)])
                if server.client_count == 0:
                    break
            wait_for(lambda: server.client_count == 0, what="the slow client to be cut off")
        finally:
            stuck.shutdown()


def test_published_frames_survive_a_restart_of_the_client(feed_server: ScriptedFeed) -> None:
    """Reconnecting gets the same state again: the server keeps it, not the connection."""
    feed_server.publish([ScoreUpdate(data=a_game("g1", home_score=70))])
    for _ in range(2):
        ws = websocket.create_connection(feed_server.url)
        (state,) = receive(ws, 1)
        ws.close()
        assert state["data"]["home_score"] == 70


def test_raw_frames_published_as_state_are_resent_exactly_on_connect(feed_server: ScriptedFeed) -> None:
    """publish() keeps the latest raw frame per game to resend as is; publish_raw() and other frames are not kept."""
    latest_game = score("g1", ts=20.0, home_score=7, home_team="Ünïcode 🏀")
    latest_prediction = prediction("g1", 0.7, ts=20.0)
    feed_server.publish(
        [
            score("g1", ts=10.0, home_score=5),
            latest_game,
            score("g1", ts=15.0, home_score=6),  # older than the one kept: a client would drop it as stale
            latest_prediction,
            "{not json",
            b"\x00binary",
            json.dumps({"type": "pong", "data": {"timestamp": 1}}),
        ]
    )
    feed_server.publish_raw([score("g2", ts=30.0)])
    ws = websocket.create_connection(feed_server.url)
    try:
        ws.settimeout(10)
        snapshot = [ws.recv(), ws.recv()]
        feed_server.publish([ScoreUpdate(data=a_game("g3"))])
        (after,) = receive(ws, 1)
    finally:
        ws.close()
    assert snapshot == [latest_game, latest_prediction]
    assert after["data"]["game_id"] == "g3"  # nothing else was kept


def a_play(game_id: str = "g1", play_id: int = 1, **fields: Any) -> PlayUpdate:
    return PlayUpdate(data=Play.model_validate(play_data(game_id, play_id, **fields)))


def test_a_new_connection_gets_each_games_plays_once_after_the_games(feed_server: ScriptedFeed) -> None:
    """Plays follow the games, each once as last sent (no ts, no seq: history), in the order first sent."""
    feed_server.publish(
        [
            ScoreUpdate(data=a_game("g1")),
            a_play("g1", 5, clock="08:00"),
            a_play("g1", 6, clock="07:30"),
            a_play("g1", 5, clock="08:00", player="Jaylen Brown"),  # a correction replaces it in its place
            a_play("nobody", 1),  # a game never sent: a client would reject it, so it is not kept
            ScoreUpdate(data=a_game("g2")),
            play("g2", 9, ts=100.0),  # raw frames are kept as they are, by their ts
            play("g2", 9, ts=90.0, player="Old"),  # older than the one kept: a client would drop it as stale
        ]
    )
    ws = websocket.create_connection(feed_server.url)
    try:
        snapshot = receive(ws, 5)
    finally:
        ws.close()
    assert [(m["type"], m["data"]["game_id"]) for m in snapshot[:2]] == [("score_update", "g1"), ("score_update", "g2")]
    plays = snapshot[2:]
    assert [(m["data"]["game_id"], m["data"]["play_id"]) for m in plays] == [("g1", 5), ("g1", 6), ("g2", 9)]
    assert plays[0]["data"]["player"] == "Jaylen Brown"
    assert plays[2]["data"]["player"] != "Old"
    assert [m.get("seq") for m in snapshot] == [1, 2, None, None, None]
    assert [m.get("ts") for m in plays] == [None, None, None]


def test_a_late_client_counts_no_latency_for_the_plays_it_joins(make_client: ClientFactory) -> None:
    """A client joining after plays were sent takes no end-to-end latency from them, only from what is sent live."""
    with ScriptedFeed() as server:
        server.publish([ScoreUpdate(data=a_game("g1")), *(a_play("g1", i) for i in range(1, 51))])
        store = Store()
        make_client(server.url, store).start()
        wait_for(lambda: len(store.game_plays().get("g1", ())) == 50, what="the plays on connect")
        server.publish([a_play("g1", 51)])
        wait_for(lambda: len(store.game_plays()["g1"]) == 51, what="a live play")
    samples = [s for s in store.snapshot().latency if s.type == "play"]
    assert len(samples) == 51
    assert sum(s.e2e_ms is not None for s in samples) == 1


def test_a_late_client_counts_no_latency_for_a_replays_held_frames(make_client: ClientFactory) -> None:
    """A replay's frames held since before a client connected give it no end-to-end latency; a live one does."""
    sent_before = time.time() - 600.0
    with ScriptedFeed() as server:
        server.publish([score_frame("g1", 10, sent_before), score_frame("g2", 4, sent_before)])
        store = Store()
        make_client(server.url, store).start()
        wait_for(lambda: len(store.snapshot().games) == 2, what="the replay's state on connect")
        server.publish([score_frame("g1", 12, time.time())])
        wait_for(lambda: store.snapshot().games["g1"].game.home_score == 12, what="a live frame")
    samples = store.snapshot().latency
    assert len(samples) == 3
    assert [s.e2e_ms is not None for s in samples] == [False, False, True]
    assert samples[-1].e2e_ms is not None
    assert samples[-1].e2e_ms < 60_000.0


def test_the_plays_on_connect_are_bounded_to_half_an_outbox_whole_games_latest_first() -> None:
    """A new client of a long replay gets the latest games' plays, each game's whole, within half its outbox."""
    hub = FeedHub()
    for number in range(6):
        hub.publish([ScoreUpdate(data=a_game(f"g{number}")), *(a_play(f"g{number}", i) for i in range(100))])
    size = len(hub.plays_on_connect(10**9)[0].frame)
    chosen = hub.plays_on_connect(250 * size)  # room for two games and a half
    assert {play.frame.split('"game_id":"')[1][:2] for play in chosen} == {"g4", "g5"}
    assert len(chosen) == 200
    hub.retain({"g5"})
    assert len(hub.plays_on_connect(10**9)) == 100


def test_a_client_joining_many_games_of_plays_is_not_cut_off() -> None:
    """However many plays the server holds, the state a client joins fits its outbox."""
    limits = FeedLimits(outbox_bytes=256 * 1024)
    with ScriptedFeed(limits=limits) as server:
        for number in range(20):
            server.publish([ScoreUpdate(data=a_game(f"g{number}")), *(a_play(f"g{number}", i) for i in range(300))])
        store = Store()
        ws = websocket.create_connection(server.url)
        try:
            ws.settimeout(10)
            while len(store.game_plays()) < 1 or any(len(plays) < 300 for plays in store.game_plays().values()):
                store.ingest(ws.recv(), received_at=0.0)
            assert server.client_count == 1
        finally:
            ws.close()
    assert 1 <= len(store.game_plays()) < 20
    assert "g19" in store.game_plays()


def test_real_games_are_served_with_their_real_final_scores(
    real_games: list[GameFlow], make_client: ClientFactory
) -> None:
    """A slate of real games at a very high speed ends, for a real client, with exactly the real finals."""
    slate = real_games[:8]
    source = NightSimulator(games=len(slate), speed=1e6, flows=slate)
    # Waiting for the client: its games come in several nights, and the first would be over before it connected.
    with ScriptedFeed(source, interval=0.01, wait_for_client=True) as server:
        store = Store()
        make_client(server.url, store).start()
        wait_for(
            lambda: sum(r.game.status == "final" for r in store.snapshot().games.values()) == len(slate),
            what="every game of the slate to end",
        )
    finals = {
        game_id.rsplit("-", 1)[1]: (record.game.home_score, record.game.away_score)
        for game_id, record in store.snapshot().games.items()
    }
    assert finals == {flow.game_id: flow.final_score for flow in slate}


def _health(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
        result: dict[str, Any] = json.load(response)
        return result


def test_a_replay_waits_for_its_first_viewer_and_says_it_is_a_replay(real_games: list[GameFlow]) -> None:
    """A waiting replay stays unplayed until a client connects; its first viewer learns it is one, then the games."""
    source = NightSimulator(games=2, speed=1e6, flows=real_games[:2])
    with ScriptedFeed(source, interval=0.01, wait_for_client=True) as server:
        assert _health(server.port)["started"] is False
        assert source.games == []  # never advanced
        viewer = websocket.create_connection(server.url)
        try:
            first = receive(viewer, 5)
        finally:
            viewer.close()
        assert _health(server.port)["started"] is True
    assert first[0]["type"] == "source_status"
    assert first[0]["data"] == {"source": "games-csv", "state": "ok", "faults": {}}
    announced, tip_off = first[1], first[3]
    assert (announced["type"], announced["data"]["status"], announced["data"]["period"]) == (
        "score_update",
        "scheduled",
        0,
    )
    assert (tip_off["type"], tip_off["data"]["period"], tip_off["data"]["clock"]) == ("game_start", 1, "12:00")
    assert (tip_off["data"]["home_score"], tip_off["data"]["away_score"]) == (0, 0)
    assert [first[2]["type"], first[4]["type"]] == ["prediction", "prediction"]


def test_a_source_that_does_not_wait_starts_with_the_server(real_games: list[GameFlow]) -> None:
    """Without wait_for_client a source is advanced from the start, and /health says it has started."""
    source = NightSimulator(games=2, speed=1e6, flows=real_games[:2])
    with ScriptedFeed(source, interval=0.01) as server:
        wait_for(lambda: source.games != [], what="the night to start")
        assert _health(server.port)["started"] is True


def test_the_demo_nights_plays_reach_a_client_with_its_games(make_client: ClientFactory) -> None:
    """Over a real server a client accepts every play of a simulated night: numbered 1, 2, ..., the last the result."""
    source = NightSimulator(games=2, seed=5, speed=5000.0)
    with ScriptedFeed(source, interval=0.01, wait_for_client=True) as server:
        store = Store()
        make_client(server.url, store).start()
        wait_for(
            lambda: [r.game.status for r in store.snapshot().games.values()] == ["final", "final"],
            what="both games of the slate to end",
        )
    snapshot = store.snapshot()
    assert snapshot.counters.rejected == {}
    plays = store.game_plays()
    assert set(plays) == set(snapshot.games)
    for game_id, record in snapshot.games.items():
        final, game_plays = record.game, plays[game_id]
        assert [p.play_id for p in game_plays] == list(range(1, len(game_plays) + 1))
        assert {p.team for p in game_plays} == {None, final.home_team, final.away_team}
        assert {p.player for p in game_plays} == {None}
        assert (game_plays[-1].home_score, game_plays[-1].away_score) == (final.home_score, final.away_score)
        assert game_plays[-1].home_win_probability == (1.0 if final.home_score > final.away_score else 0.0)
        assert final.home_record is not None
        assert final.away_record is not None
