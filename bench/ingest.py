"""Ingest throughput: the whole client path against a bare websocket-client receive loop.

A separate process serves one pre-encoded stream of frames per connection as fast as the
socket takes them (raw ``sendall`` of ready-made frames, so the sender is never the
bottleneck), then closes with 1000. The same stream is read by

* the bare loop: ``websocket.create_connection(...).recv()`` until the close, and
* the client path: ``FeedClient`` → ``parse`` → ``Store`` (staleness, history, latency), timed
  from its ``connected`` transition to its ``closed`` transition.

Run: ``python bench/ingest.py [--messages 200000] [--runs 3]``. Goals: the client path at
least 0.7 of the bare loop; p99 apply time (parse + validate + store) at most 50 µs.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import multiprocessing
import socket
import statistics
import struct
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import websocket

from bench.common import command, machine, percentile
from lib.client import FeedClient
from lib.options import FeedOptions
from lib.store import ConnectionState, Store

GAMES = 15
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def build_stream(count: int) -> bytes:
    """``count`` realistic frames (score updates and predictions for 15 games), WebSocket-framed."""
    frames = []
    ts = 1_700_000_000.0
    for i in range(count):
        game_index = (i // 2) % GAMES  # each game's score update, then its prediction
        step = i // (2 * GAMES)
        ts += 0.001
        if i % 2 == 0:
            message = {
                "type": "score_update",
                "ts": ts,
                "seq": i + 1,
                "data": {
                    "game_id": f"bench-{game_index:02d}",
                    "home_team": "Boston Celtics",
                    "away_team": "New York Knicks",
                    "home_score": min(400, step // 40),
                    "away_score": min(400, step // 45),
                    "period": 1 + (step // 900) % 4,
                    "clock": f"{(step // 60) % 12:02d}:{step % 60:02d}",
                    "status": "live",
                    "differential": min(400, step // 40) - min(400, step // 45),
                },
            }
        else:
            message = {
                "type": "prediction",
                "ts": ts,
                "seq": i + 1,
                "data": {
                    "game_id": f"bench-{game_index:02d}",
                    "home_win_probability": 0.5 + 0.4 * ((step % 100) - 50) / 50,
                    "predicted_home_score": 112.5,
                    "predicted_away_score": 109.0,
                    "model": "stern-1994",
                },
            }
        frames.append(_frame(json.dumps(message, separators=(",", ":")).encode(), 0x1))
    return b"".join(frames)


def _frame(payload: bytes, opcode: int) -> bytes:
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return header + payload


def _blast(conn: socket.socket, data: bytes) -> None:
    request = b""
    while b"\r\n\r\n" not in request:
        request += conn.recv(4096)
    key = next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1(key + _GUID.encode()).digest())
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    conn.sendall(data)
    conn.settimeout(10)
    try:
        while conn.recv(65536):  # wait for the client's close frame and FIN
            pass
    except OSError:
        pass
    conn.close()


def serve(port_out: multiprocessing.connection.Connection, count: int, connections: int) -> None:
    """The sender process: answer ``connections`` handshakes, blast the stream at each, close 1000."""
    stream = build_stream(count)
    close = _frame(struct.pack("!H", 1000), 0x8)
    listener = socket.create_server(("127.0.0.1", 0))
    port_out.send(listener.getsockname()[1])
    threads = []
    for _ in range(connections):
        conn, _ = listener.accept()
        thread = threading.Thread(target=_blast, args=(conn, stream + close))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    listener.close()


def bare_loop(url: str) -> tuple[int, float]:
    """Frames received and seconds taken by a plain websocket-client loop."""
    ws = websocket.create_connection(url, skip_utf8_validation=True)
    received = 0
    started = time.perf_counter()
    while True:
        opcode, _ = ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            break
        received += 1
    elapsed = time.perf_counter() - started
    ws.shutdown()  # type: ignore[no-untyped-call]
    return received, elapsed


def _finished(store: Store) -> bool:
    connection = store.snapshot().connection
    return connection.connections > 0 and connection.state is ConnectionState.CLOSED


def client_path(url: str, count: int) -> tuple[int, float, list[float]]:
    """Frames, seconds from connected to closed, and apply times (ms) through FeedClient and Store."""
    store = Store(latency_samples=count)
    client = FeedClient(url, store, FeedOptions(ping_interval=60.0))
    client.start()
    deadline = time.monotonic() + 120
    while not _finished(store):
        if time.monotonic() > deadline:
            raise RuntimeError("the client path did not finish")
        time.sleep(0.05)
    client.stop()
    snapshot = store.snapshot()
    transitions = snapshot.connection.transitions
    connected = next(t.at for t in transitions if t.to_state is ConnectionState.CONNECTED)
    closed = next(t.at for t in transitions if t.to_state is ConnectionState.CLOSED and t.at >= connected)
    rejected = snapshot.counters.rejected_total
    if rejected:
        raise RuntimeError(f"{rejected} frames rejected: {snapshot.counters.rejected}")
    return snapshot.counters.received, closed - connected, [s.apply_ms for s in snapshot.latency]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    reader, writer = multiprocessing.Pipe(duplex=False)
    sender = multiprocessing.Process(target=serve, args=(writer, args.messages, 2 * args.runs), daemon=True)
    sender.start()
    url = f"ws://127.0.0.1:{reader.recv()}/ws/live"

    bare_rates, client_rates, applies = [], [], []
    for _ in range(args.runs):
        received, elapsed = bare_loop(url)
        assert received == args.messages, received
        bare_rates.append(received / elapsed)
        received, elapsed, apply_ms = client_path(url, args.messages)
        assert received == args.messages, received
        client_rates.append(received / elapsed)
        applies.extend(apply_ms)
    sender.join(30)

    bare, full = statistics.median(bare_rates), statistics.median(client_rates)
    apply50, apply99 = percentile(applies, 50) * 1000, percentile(applies, 99) * 1000
    print(f"# ingest: {args.messages:,} frames x {args.runs} runs, median run")
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print("| path | messages/s | vs bare loop | apply p50 | apply p99 |")
    print("|---|---:|---:|---:|---:|")
    print(f"| bare websocket-client loop | {bare:,.0f} | 1.00 | | |")
    print(f"| FeedClient → parse → Store | {full:,.0f} | {full / bare:.2f} "
          f"| {apply50:.1f} µs | {apply99:.1f} µs |")
    print()
    verdict = "met" if full / bare >= 0.7 and apply99 <= 50 else "NOT met"
    print(f"Goal (≥ 0.70 of the bare loop, p99 apply ≤ 50 µs): {verdict}")


if __name__ == "__main__":
    main()
