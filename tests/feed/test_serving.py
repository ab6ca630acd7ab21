"""The feed server's limits over real sockets: hostile messages, handshakes, connections, readers that stall."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator

import psutil
import pytest
import websocket
import websockets

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.feed.limits import FeedLimits
from lib.protocol import Game, ScoreUpdate
from lib.urls import hide_query_values
from tests.helpers import game

UPGRADE = (
    b"GET /ws/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)
"""An upgrade request without its final blank line."""
PADDED_PING = '{"type":"ping","timestamp":0,"pad":[' + ",".join(["{}"] * 2_000_000) + "]}"
"""The bomb: a ping padded with two million empty objects, 6 MB of JSON."""


def deflated(data: bytes) -> bytes:
    """``data`` as a permessage-deflate payload (RFC 7692: raw deflate, the final empty block cut off)."""
    compressor = zlib.compressobj(wbits=-15)
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


def close_code(ws: websocket.WebSocket) -> int:
    """Read until the server's close frame and return its code."""
    ws.settimeout(10)
    while True:
        frame = ws.recv_frame()  # not recv_data(), which would answer the close on a socket already closed
        if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
            return int(struct.unpack("!H", frame.data[:2])[0])


def rss() -> int:
    """This process's resident memory (the server under test runs in it)."""
    return int(psutil.Process().memory_info().rss)


def closed_by_server(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Everything the server sends until it closes the connection; fails if it does not within ``timeout``."""
    sock.settimeout(timeout)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def a_score(game_id: str, **fields: object) -> ScoreUpdate:
    return ScoreUpdate(data=Game.model_validate(game(game_id, **fields)))


@pytest.fixture
def quick_limits_server() -> Iterator[ScriptedFeed]:
    """A feed server whose handshake timeout, connection limit and frame rate are small enough to test."""
    limits = FeedLimits(handshake_timeout=0.5, max_connections=20, frames_per_second=5, frame_burst=10)
    with ScriptedFeed(limits=limits) as server:
        yield server


def test_a_compressed_bomb_is_refused_before_it_inflates(feed_server: ScriptedFeed) -> None:
    """Compressed and plain padded pings close their connections; memory stays bounded; others keep receiving."""
    normal = websocket.create_connection(feed_server.url)
    normal.settimeout(10)
    wait_for(lambda: feed_server.client_count == 1)
    bomb = deflated(PADDED_PING.encode())
    small_bomb = deflated(b'{"type":"ping","timestamp":0,"pad":"' + b" " * 4_000_000 + b'"}')
    assert len(bomb) < 30_000  # each inflates a thousandfold
    assert len(small_bomb) < 4096
    before = rss()
    codes = []
    for _ in range(3):
        for payload in (bomb, small_bomb):
            hostile = websocket.create_connection(feed_server.url)
            hostile.send_frame(websocket.ABNF(fin=1, rsv1=1, opcode=websocket.ABNF.OPCODE_TEXT, data=payload))
            codes.append(close_code(hostile))
            hostile.close()

    async def library_client() -> int | None:
        # The websockets library offers compression; the server declines it, so the 6 MB go as they are.
        async with websockets.connect(feed_server.url, compression="deflate", max_size=None) as ws:
            with contextlib.suppress(websockets.ConnectionClosedError):
                await ws.send(PADDED_PING)
                await asyncio.wait_for(ws.recv(), 10)  # a pong here would leave close_code None
            return ws.close_code

    codes.append(asyncio.run(library_client()))
    grown = rss() - before
    started = time.monotonic()
    feed_server.publish([a_score("g1")])
    assert json.loads(normal.recv())["data"]["game_id"] == "g1"
    delay = time.monotonic() - started
    normal.close()
    assert codes == [1009, 1002] * 3 + [1009]  # too big; compressed although compression is off
    assert grown < 100 * 1024 * 1024, f"the server grew by {grown / 1e6:.0f} MB"
    assert delay < 10


def test_a_ping_up_to_the_size_limit_is_answered_and_one_byte_more_closes_with_1009() -> None:
    """Client messages are capped at max_message_bytes: at the cap a ping is answered, past it the client is closed."""
    with ScriptedFeed(limits=FeedLimits(max_message_bytes=1000)) as server:
        ws = websocket.create_connection(server.url)
        head = '{"type":"ping","timestamp":7,"pad":"'
        ws.send(head + "x" * (1000 - len(head) - 2) + '"}')
        ws.settimeout(10)
        assert json.loads(ws.recv())["data"] == {"timestamp": 7}
        ws.send(head + "x" * (1001 - len(head) - 2) + '"}')
        assert close_code(ws) == 1009


def test_a_client_over_the_frame_rate_is_closed_with_1008(quick_limits_server: ScriptedFeed) -> None:
    """Within its burst a client's pings are answered; a flood past the rate closes it with 1008."""
    ws = websocket.create_connection(quick_limits_server.url)
    ws.settimeout(10)
    for n in range(10):
        ws.send(json.dumps({"type": "ping", "timestamp": n}))
    assert [json.loads(ws.recv())["data"]["timestamp"] for _ in range(10)] == list(range(10))
    # In one write, so that the server has read them all when it closes (unread data would make it a reset).
    flood = b"".join(
        websocket.ABNF.create_frame(json.dumps({"type": "ping", "timestamp": n}), websocket.ABNF.OPCODE_TEXT).format()
        for n in range(50)
    )
    ws.sock.sendall(flood)
    assert close_code(ws) == 1008


def test_a_client_pinging_past_the_rate_is_closed_too(quick_limits_server: ScriptedFeed) -> None:
    """WebSocket control frames count against the rate: a ping flood closes the connection with 1008."""
    ws = websocket.create_connection(quick_limits_server.url)
    # In one write, so that the server has read them all when it closes (unread data would make it a reset).
    ping = websocket.ABNF.create_frame(b"flood", websocket.ABNF.OPCODE_PING).format()
    ws.sock.sendall(ping * 50)
    assert close_code(ws) == 1008


def test_a_silent_connection_is_closed_after_the_handshake_timeout(quick_limits_server: ScriptedFeed) -> None:
    """A TCP connection that never sends a byte is answered 408 and closed once the handshake timeout passes."""
    with socket.create_connection(("127.0.0.1", quick_limits_server.port)) as silent:
        assert closed_by_server(silent).startswith(b"HTTP/1.1 408 ")


def test_a_half_sent_request_is_closed_after_the_handshake_timeout(quick_limits_server: ScriptedFeed) -> None:
    """An upgrade request that never ends is answered 408 and closed once the handshake timeout passes."""
    with socket.create_connection(("127.0.0.1", quick_limits_server.port)) as half:
        half.sendall(UPGRADE)
        assert closed_by_server(half).startswith(b"HTTP/1.1 408 ")


def test_a_keep_alive_connection_gets_the_timeout_again_for_each_request(quick_limits_server: ScriptedFeed) -> None:
    """After an answered /health, a second request left half-sent is closed too, not held."""
    with socket.create_connection(("127.0.0.1", quick_limits_server.port)) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\n")
        received = closed_by_server(client)
    assert received.startswith(b"HTTP/1.1 200 ")
    assert b"HTTP/1.1 408 " in received


def test_an_oversized_header_is_answered_431_and_closed(feed_server: ScriptedFeed) -> None:
    """An upgrade request with a header over websockets' limit gets its 431 answer, then the connection closes."""
    with socket.create_connection(("127.0.0.1", feed_server.port)) as client:
        client.sendall(UPGRADE + b"X-Padding: " + b"a" * 70_000 + b"\r\n\r\n")
        assert closed_by_server(client).startswith(b"HTTP/1.1 431 ")


def test_connections_past_the_limit_are_refused_with_503_and_counted_from_the_first_byte() -> None:
    """With max_connections open (handshakes in progress count), the next one gets a 503; a freed slot serves again."""
    limits = FeedLimits(max_connections=3, handshake_timeout=60)
    with ScriptedFeed(limits=limits) as server:
        silent = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
        try:
            with socket.create_connection(("127.0.0.1", server.port)) as refused:
                assert closed_by_server(refused).startswith(b"HTTP/1.1 503 ")
            silent.pop().close()

            def connects() -> bool:
                try:
                    websocket.create_connection(server.url).close()
                except websocket.WebSocketBadStatusException:
                    return False
                return True

            wait_for(connects, what="a freed slot to take a new client")
        finally:
            for sock in silent:
                sock.close()


def test_a_client_that_stops_reading_is_dropped_after_the_send_timeout_while_others_keep_up() -> None:
    """At a high feed rate a non-reading client is dropped once a send waits send_timeout; a reader gets every frame."""
    limits = FeedLimits(send_timeout=1.0, outbox_bytes=256 * 1024 * 1024)  # the timeout, not the outbox, must act
    with ScriptedFeed(limits=limits) as server:
        stuck = websocket.create_connection(server.url, sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)])
        reader = websocket.create_connection(server.url)
        reader.settimeout(10)
        received: list[int] = []

        def read() -> None:
            while True:
                message = json.loads(reader.recv())
                received.append(message["seq"])
                if message["data"]["game_id"] == "last":
                    return

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        wait_for(lambda: server.client_count == 2)
        padding = "x" * 2000
        published = 0
        deadline = time.monotonic() + 60
        while server.client_count == 2 and time.monotonic() < deadline:
            server.publish([a_score(f"g{i % 10}", note=padding) for i in range(100)])
            published += 100
            # The reader takes each batch before the next: only the stuck client falls behind, however busy the machine.
            wait_for(lambda n=published: len(received) >= n or not thread.is_alive(), timeout=30, what="the reader")
        assert server.client_count == 1, "the stuck client was not dropped"
        server.publish([a_score("last")])
        thread.join(20)
        assert not thread.is_alive(), "the reading client fell behind"
        assert received == list(range(1, published + 2))
        reader.close()
        stuck.close()


def test_a_client_whose_close_is_answered_but_not_yet_sent_is_let_go_at_shutdown() -> None:
    """Shutting down while a closing connection still flushes (the client closed first) neither raises nor hangs."""
    limits = FeedLimits(send_timeout=60.0, outbox_bytes=256 * 1024 * 1024)  # the client is not dropped meanwhile
    server = ScriptedFeed(limits=limits).start()
    stuck = websocket.create_connection(server.url, sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)])
    try:
        wait_for(lambda: server.client_count == 1)
        padding = "x" * 2000
        for _ in range(40):  # 8 MB it does not read: past every socket buffer, so the server's answer waits
            server.publish([a_score(f"g{i % 10}", note=padding) for i in range(100)])
        stuck.send_close()
        wait_for(lambda: server.client_count == 0, what="the server to take the client's close")
        server.stop()  # a failure in the server's shutdown fails the test as the thread's exception
    finally:
        stuck.close()


def test_an_abrupt_disconnect_logs_one_line_and_no_send_warnings(
    feed_server: ScriptedFeed, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that resets its connection mid-feed leaves one INFO line, not a warning per failed write."""
    caplog.set_level(logging.INFO)
    victim = websocket.create_connection(feed_server.url, sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)])
    wait_for(lambda: feed_server.client_count == 1)
    padding = "x" * 2000
    feed_server.publish([a_score(f"g{i % 10}", note=padding) for i in range(500)])
    victim.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    victim.sock.close()  # with unread data and linger 0: a reset
    while feed_server.client_count:
        feed_server.publish([a_score(f"g{i % 10}", note=padding) for i in range(100)])
    feed_server.stop()
    messages = [record.getMessage() for record in caplog.records]
    assert not [m for m in messages if "socket.send() raised exception" in m]
    lines = [r for r in caplog.records if "went away without closing" in r.getMessage()]
    assert [line.levelno for line in lines] == [logging.INFO]


def test_query_values_are_masked_in_logged_request_targets() -> None:
    """Every query value is masked, bare parts included; a target without a query is left alone."""
    assert hide_query_values("/ws/live?token=abc&x=1") == "/ws/live?token=***&x=***"
    assert hide_query_values("/ws/live?s3cr3t&&a=") == "/ws/live?***&&a=***"
    assert hide_query_values("/health") == "/health"
