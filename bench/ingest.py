"""Ingest throughput: the whole client path against a bare websocket-client receive loop.

A separate process serves one pre-encoded stream of frames per connection as fast as the
socket takes them (raw ``sendall`` of ready-made frames, so the sender is never the
bottleneck), then closes with 1000. The same stream is read by

* the bare loop: ``websocket.create_connection(...).recv()`` until the close,
* the client path: ``FeedClient`` → ``parse`` → ``Store`` (staleness, history, latency), timed
  from its ``connected`` transition to its ``closed`` transition, and
* the same client path with the archive on: every frame the store applied offered to an
  :class:`~lib.archive.ArchiveWriter` on a temporary file (``on_accepted``, as ``LiveFeed``
  wires it), whose thread writes its batches meanwhile; closing it afterwards is not timed, and
* the same client path with frames read by websocket-client's own reader
  (``recv_data_frame``) over a read-ahead socket instead of :mod:`lib.wire`: the measure of
  whether the client could leave all framing to websocket-client.

The stream is 15 games' score updates and predictions, with ``--plays`` times the NBA's rate of
plays among them (:data:`NBA_PLAYS_PER_UPDATE`): 0 (none), 1 (a real night's) or 10.

Run: ``python bench/ingest.py [--messages 200000] [--runs 3] [--plays 1]``. Goals, with the
archive off and on: the client path at least 0.7 of the bare loop; p99 apply time (parse +
validate + store) at most 50 µs.
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
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import websocket
from websockets.frames import Close, CloseCode, Frame, Opcode

from bench.common import command, machine, percentile
from lib.archive import ArchiveWriter, WriterStats
from lib.client import _POLL_SECONDS, NORMAL_CLOSURE, FeedClient, _Dropped
from lib.options import FeedOptions
from lib.store import ConnectionState, Store
from lib.wire import DataMessage, Event, PongFrame

GAMES = 15
NBA_PLAYS_PER_UPDATE = 0.3
"""Plays per score update (each with its prediction) of a real night through the NBA bridge: a game has
about 500 plays, and the bridge restates a game at every 5 s poll for the 2¼ hours it lasts (1,600 polls)."""
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_KINDS = ("made_shot", "missed_shot", "rebound", "foul", "free_throw", "turnover", "substitution")


def _play(game_index: int, play_id: int, step: int, ts: float, seq: int) -> dict[str, Any]:
    """A play as the NBA bridge would send it, with a description of the usual length."""
    return {
        "type": "play",
        "ts": ts,
        "seq": seq,
        "data": {
            "game_id": f"bench-{game_index:02d}",
            "play_id": play_id,
            "period": 1 + (step // 900) % 4,
            "clock": f"{(step // 60) % 12:02d}:{step % 60:02d}",
            "team": "Boston Celtics",
            "player": "Jayson Tatum",
            "description": f"Tatum 26' 3PT Step Back Jump Shot (3 PTS) (Brown {play_id % 9} AST)",
            "kind": _KINDS[play_id % len(_KINDS)],
            "home_score": min(400, step // 40),
            "away_score": min(400, step // 45),
            "home_win_probability": 0.5 + 0.4 * ((step % 100) - 50) / 50,
        },
    }


def build_stream(count: int, plays: float = 0.0) -> bytes:
    """``count`` realistic frames (score updates and predictions for 15 games, with ``plays`` times the NBA's rate of
    plays after them), WebSocket-framed."""
    frames: list[bytes] = []
    ts = 1_700_000_000.0
    owed = 0.0
    play_ids = [0] * GAMES
    i = 0
    while len(frames) < count:
        game_index = (i // 2) % GAMES  # each game's score update, then its prediction
        step = i // (2 * GAMES)
        ts += 0.001
        if i % 2 == 0:
            message = {
                "type": "score_update",
                "ts": ts,
                "seq": len(frames) + 1,
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
                "seq": len(frames) + 1,
                "data": {
                    "game_id": f"bench-{game_index:02d}",
                    "home_win_probability": 0.5 + 0.4 * ((step % 100) - 50) / 50,
                    "predicted_home_score": 112.5,
                    "predicted_away_score": 109.0,
                    "model": "stern-1994",
                },
            }
        messages = [message]
        if i % 2 == 1:
            owed += plays * NBA_PLAYS_PER_UPDATE
            while owed >= 1.0:
                owed -= 1.0
                play_ids[game_index] += 1
                messages.append(_play(game_index, play_ids[game_index], step, ts, len(frames) + len(messages) + 1))
        for item in messages[: count - len(frames)]:
            payload = json.dumps(item, separators=(",", ":")).encode()
            frames.append(Frame(Opcode.TEXT, payload).serialize(mask=False))
        i += 1
    return b"".join(frames)


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


def serve(port_out: multiprocessing.connection.Connection, count: int, connections: int, plays: float) -> None:
    """The sender process: answer ``connections`` handshakes, blast the stream at each, close 1000."""
    stream = build_stream(count, plays)
    close = Frame(Opcode.CLOSE, Close(CloseCode.NORMAL_CLOSURE, "").serialize()).serialize(mask=False)
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


class ReadAhead:
    """A connected socket whose ``recv`` reads big chunks and hands them out in the small
    pieces websocket-client asks for (two or three reads of a few bytes per frame)."""

    def __init__(self, sock: socket.socket, chunk: int = 256 * 1024) -> None:
        self._sock = sock
        self._chunk = chunk
        self._data = b""
        self._pos = 0
        self.read_at = time.monotonic()  # when bytes last came off the socket: liveness

    @property
    def buffered(self) -> bool:
        """Whether bytes are waiting here, so the next ``recv`` cannot block."""
        return self._pos < len(self._data)

    def recv(self, size: int) -> bytes:
        data, pos = self._data, self._pos
        if pos >= len(data):
            data = self._sock.recv(self._chunk)
            if not data:
                return data
            self.read_at = time.monotonic()
            if size >= len(data):
                return data
            pos = 0
            self._data = data
        end = min(pos + size, len(data))
        self._pos = end
        return data[pos:end]

    def gettimeout(self) -> float | None:
        return self._sock.gettimeout()

    def __getattr__(self, name: str) -> Any:  # send, settimeout, shutdown, close, fileno ...
        return getattr(self._sock, name)


class LibraryReaderClient(FeedClient):
    """``FeedClient`` with websocket-client reading the frames: same store, callbacks and pings.

    The receive loop a client leaving all framing to websocket-client would run, built on the
    client's own internals so that only the reader differs. Plain ``ws://`` only: given a
    socket, websocket-client leaves TLS and proxies to its caller.
    """

    def _connect(self) -> websocket.WebSocket:
        ws = websocket.WebSocket(skip_utf8_validation=True, enable_multithread=True)
        self._ws = ws
        url = urlsplit(self.url)
        assert url.hostname is not None
        assert url.port is not None
        sock = socket.create_connection((url.hostname, url.port), timeout=self.options.connect_timeout)
        ws.connect(self.url, timeout=self.options.connect_timeout, socket=ReadAhead(sock))  # type: ignore[no-untyped-call]
        ws.settimeout(_POLL_SECONDS)
        return ws

    def _receive(self, ws: websocket.WebSocket, connection: int) -> None:
        sock = ws.sock
        assert isinstance(sock, ReadAhead)
        next_ping, ping_sent_at = time.monotonic() + self.options.ping_interval, None
        text, binary = websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY
        pong, close = websocket.ABNF.OPCODE_PONG, websocket.ABNF.OPCODE_CLOSE
        while True:
            try:
                opcode, frame = ws.recv_data_frame(True)
            except websocket.WebSocketTimeoutException:
                opcode = None
            except (websocket.WebSocketConnectionClosedException, OSError) as error:
                raise _Dropped(ConnectionState.RECONNECTING, "connection lost", error=str(error)) from None
            except websocket.WebSocketException as error:
                raise _Dropped(ConnectionState.RECONNECTING, "protocol error", error=str(error)) from None
            event: Event | None = None
            if opcode in (text, binary):
                event = DataMessage(frame.data, opcode == binary)
            elif opcode == pong:
                event = PongFrame(frame.data)
            elif opcode == close:  # websocket-client has answered it already
                code = struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else CloseCode.NO_STATUS_RCVD
                raise _Dropped(
                    ConnectionState.CLOSED if code == NORMAL_CLOSURE else ConnectionState.RECONNECTING,
                    "server closed the connection",
                    code,
                )
            if event is not None:
                self._on_event(ws, event, connection)
            if sock.buffered:  # housekeeping once per socket read, as the current path does
                continue
            if self._stop.is_set():
                self._say_goodbye(ws)
                raise _Dropped(ConnectionState.CLOSED, "stopped", NORMAL_CLOSURE)
            now = time.monotonic()
            if (
                ping_sent_at is not None
                and sock.read_at < ping_sent_at
                and now - ping_sent_at > self.options.ping_timeout
            ):
                raise _Dropped(ConnectionState.RECONNECTING, "no answer to ping")
            if now >= next_ping:
                with self._send_lock:
                    self._ping(ws)
                next_ping = now + self.options.ping_interval
                if ping_sent_at is None or sock.read_at >= ping_sent_at:
                    ping_sent_at = now
            if not self._open:
                raise _Dropped(ConnectionState.RECONNECTING, "send failed", error=self._send_error)


def _play_share(count: int, plays: float) -> float:
    """The share of the stream's frames that are plays."""
    return build_stream(min(count, 20_000), plays).count(b'"type":"play"') / min(count, 20_000)


def _finished(store: Store) -> bool:
    connection = store.snapshot().connection
    return connection.connections > 0 and connection.state is ConnectionState.CLOSED


def client_path(
    url: str,
    kind: type[FeedClient] = FeedClient,
    on_accepted: Callable[[bytes, float], None] | None = None,
) -> tuple[int, float, list[float]]:
    """Frames, seconds from connected to closed, and apply times (ms) through ``kind`` and Store,
    with every applied frame handed to ``on_accepted``.

    The store is as the dashboard has it, so the apply times are those of the last
    :data:`~lib.store.store.DEFAULT_LATENCY_SAMPLES` frames: a ring as long as the stream would
    hold a record per frame, and Python's garbage collector would slow the whole path to look
    through them.
    """
    store = Store()
    client = kind(url, store, FeedOptions(ping_interval=60.0), on_accepted=on_accepted)
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


def archived_client_path(url: str, archive: Path) -> tuple[int, float, list[float], WriterStats]:
    """:func:`client_path` with the archive on: applied frames offered to a writer of ``archive``; and its counts."""
    writer = ArchiveWriter(archive, source="bench")
    try:
        received, elapsed, apply_ms = client_path(url, on_accepted=writer.offer)
    finally:
        writer.close()
    return received, elapsed, apply_ms, writer.stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--plays", type=float, default=0.0, help="plays in the stream, as a multiple of the NBA's rate (0: none)"
    )
    args = parser.parse_args()

    reader, writer = multiprocessing.Pipe(duplex=False)
    sender = multiprocessing.Process(target=serve, args=(writer, args.messages, 4 * args.runs, args.plays), daemon=True)
    sender.start()
    url = f"ws://127.0.0.1:{reader.recv()}/ws/live"

    bare_rates, client_rates, archived_rates, library_rates = [], [], [], []
    applies: list[float] = []
    archived_applies: list[float] = []
    library_applies: list[float] = []
    archived: list[WriterStats] = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            received, elapsed = bare_loop(url)
            assert received == args.messages, received
            bare_rates.append(received / elapsed)
            received, elapsed, apply_ms = client_path(url)
            assert received == args.messages, received
            client_rates.append(received / elapsed)
            applies.extend(apply_ms)
            received, elapsed, apply_ms, stats = archived_client_path(url, Path(folder) / f"ingest-{run}.duckdb")
            assert received == args.messages, received
            archived_rates.append(received / elapsed)
            archived_applies.extend(apply_ms)
            archived.append(stats)
            received, elapsed, apply_ms = client_path(url, LibraryReaderClient)
            assert received == args.messages, received
            library_rates.append(received / elapsed)
            library_applies.extend(apply_ms)
    sender.join(30)

    bare, full = statistics.median(bare_rates), statistics.median(client_rates)
    on, library = statistics.median(archived_rates), statistics.median(library_rates)
    apply50, apply99 = percentile(applies, 50) * 1000, percentile(applies, 99) * 1000
    on50, on99 = percentile(archived_applies, 50) * 1000, percentile(archived_applies, 99) * 1000
    library50, library99 = percentile(library_applies, 50) * 1000, percentile(library_applies, 99) * 1000
    share = _play_share(args.messages, args.plays)
    print(
        f"# ingest: {args.messages:,} frames x {args.runs} runs, median run; plays at {args.plays:g} x the NBA's "
        f"rate ({share:.0%} of the frames)"
    )
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print("| path | messages/s | vs bare loop | apply p50 | apply p99 |")
    print("|---|---:|---:|---:|---:|")
    print(f"| bare websocket-client loop | {bare:,.0f} | 1.00 | | |")
    print(f"| FeedClient → parse → Store | {full:,.0f} | {full / bare:.2f} | {apply50:.1f} µs | {apply99:.1f} µs |")
    print(
        f"| the same, archive on (every applied frame offered to an ArchiveWriter) | {on:,.0f} | {on / bare:.2f} "
        f"| {on50:.1f} µs | {on99:.1f} µs |"
    )
    print(
        f"| the same, frames read by websocket-client (read-ahead socket) | {library:,.0f} | {library / bare:.2f} "
        f"| {library50:.1f} µs | {library99:.1f} µs |"
    )
    print()
    runs = {
        "bare": bare_rates,
        "client": client_rates,
        "archive on": archived_rates,
        "websocket-client reader": library_rates,
    }
    every = "; ".join(f"{name} {', '.join(f'{rate:,.0f}' for rate in rates)}" for name, rates in runs.items())
    print(f"Every run, messages/s: {every}")
    print()
    kept = "; ".join(
        f"{stats.written:,} new rows, {stats.duplicates:,} already there, {stats.dropped:,} dropped, "
        f"{stats.skipped:,} skipped, {stats.batches} batches (slowest {stats.longest_write * 1000:.0f} ms)"
        for stats in archived
    )
    print(f"The archive, each run: {kept}")
    print()
    for name, rate, p99 in (("archive off", full, apply99), ("archive on", on, on99)):
        verdict = "met" if rate / bare >= 0.7 and p99 <= 50 else "NOT met"
        print(f"Goal, {name} (≥ 0.70 of the bare loop, p99 apply ≤ 50 µs): {verdict}  ")
    within = "within" if library >= 0.9 * full else "NOT within"
    print(f"websocket-client's reader at {library / full:.2f} of the client path: {within} 10 %")


if __name__ == "__main__":
    main()
