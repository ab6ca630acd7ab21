"""How fast the feed server reaches 100 to 1,000 clients: broadcast latency, a new connection's wait for its state.

A separate process runs a :class:`~harness.feed.ScriptedFeed` (its default limits; no keepalive
pings, which are beside the point here; its startup objects frozen out of the garbage
collector's passes, as ``python -m lib.feed`` does) serving the demo night: a
:class:`~lib.feed.simulator.NightSimulator` of 8 games at 24 game seconds a second, pushed every
second, as ``LiveFeed()``'s embedded demo feed does (about 12 messages a second, in one burst a
second). ``fast`` is the same night five times faster, pushed five times as often (speed 120,
every 0.2 s: about 60 messages a second).

This process opens ``--clients`` connections, each offering compression (permessage-deflate) as
browsers and the ``websockets`` library do; the server decides. All but ``--probes`` are load
clients: raw sockets that complete the handshake and then read and discard every byte, so they
cost the server what a real client does and this process next to nothing. The probes are ``websockets`` clients that
parse every frame and record its broadcast latency: the receive time minus the ``ts`` the server
stamped when it published the message (one machine, one clock), so it includes the time the
server took to get to that client. Every ``--new-every`` seconds one more connection is opened
and timed from the TCP connect to its first frame (the state every new client starts with), then
closed. Each (rate, clients) pair gets a fresh server; after all clients are connected it
settles ``--settle`` seconds and then measures ``--seconds``. The server's CPU is read from its
process.

``--profile`` runs the server under cProfile and prints its busiest functions after each run
(the figures are then slower than without it).

Run: ``python bench/broadcast.py [--clients 100,500,1000] [--rates demo,fast] [--seconds 30]``.
Goals: broadcast p99 ≤ 100 ms and a new connection's first frame p95 ≤ 100 ms with 1,000
clients at the demo's rate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import pstats
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path

import psutil
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import command, machine, percentile, server_process
from harness.feed import ScriptedFeed
from lib.feed.limits import FeedLimits
from lib.feed.serving import freeze_startup_objects
from lib.feed.sources.night import NightSimulator

RATES: dict[str, tuple[float, float]] = {"demo": (24.0, 1.0), "fast": (120.0, 0.2)}
"""Each rate's game speed and push interval."""
GAMES = 8
BROADCAST_GOAL_MS = 100.0
FIRST_FRAME_GOAL_MS = 100.0
CONNECT_BATCH = 100
UPGRADE = (
    "GET /ws/live HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
)
"""The load clients' upgrade request: it offers compression, as browsers and the websockets library do."""


def serve(port_out: Connection, stop: Event, rate: str, profile: bool) -> None:
    """The server process: serve the night at ``rate`` until told to stop."""
    speed, interval = RATES[rate]
    source = NightSimulator(games=GAMES, seed=1, speed=speed, start=time.time())
    limits = FeedLimits(max_connections=5_000)
    profiler = cProfile.Profile() if profile else None
    server = ScriptedFeed(source, interval=interval, keepalive=None, limits=limits).start()
    freeze_startup_objects()  # as python -m lib.feed does
    if profiler is not None:
        server.call_in_loop(profiler.enable)  # in the event loop's thread, the one to profile
    try:
        port_out.send(server.port)
        stop.wait()
    finally:
        if profiler is not None:
            server.call_in_loop(profiler.disable)
        server.stop()
    if profiler is not None:
        print(f"\n### server profile ({rate})\n\n```", file=sys.stderr)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        print("```", file=sys.stderr)


class LoadClient(asyncio.Protocol):
    """A client that completes the handshake and then reads and discards everything."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._head = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if self.upgraded.done():
            return
        self._head += data
        if b"\r\n\r\n" in self._head:
            status = self._head.split(b" ", 2)[1]
            if status == b"101":
                self.upgraded.set_result(None)
            else:
                self.upgraded.set_exception(ConnectionError(f"upgrade refused: {status.decode()}"))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError(f"closed during the handshake: {exc}"))


@dataclass
class Run:
    """What one (rate, clients) run measured."""

    rate: str
    clients: int
    messages_per_second: float
    latencies_ms: list[float]
    first_frame_ms: list[float]
    server_cpu: float
    """Share of one core."""
    dropped: int
    """Load clients the server closed during the run."""


async def measure(port: int, clients: int, args: argparse.Namespace, server: psutil.Process, rate: str) -> Run:
    """Connect the clients, settle, and measure."""
    loop = asyncio.get_running_loop()
    url = f"ws://127.0.0.1:{port}/ws/live"
    request = UPGRADE.format(port=port).encode()
    load: list[LoadClient] = []
    for start in range(0, clients - args.probes, CONNECT_BATCH):
        batch = []
        for _ in range(min(CONNECT_BATCH, clients - args.probes - start)):
            _, client = await loop.create_connection(lambda: LoadClient(request), "127.0.0.1", port)
            batch.append(client)
        await asyncio.gather(*(client.upgraded for client in batch))
        load.extend(batch)
    measuring = False
    latencies: list[float] = []
    received = 0

    async def probe() -> None:
        nonlocal received
        async with websockets.connect(url, max_size=2**20, ping_interval=None) as ws:
            async for frame in ws:
                if measuring:
                    latencies.append((time.time() - json.loads(frame)["ts"]) * 1000)
                    received += 1

    probes = [asyncio.create_task(probe()) for _ in range(args.probes)]
    first_frames: list[float] = []

    async def first_frame() -> None:
        started = time.perf_counter()
        async with websockets.connect(url, ping_interval=None) as ws:
            await ws.recv()
            first_frames.append((time.perf_counter() - started) * 1000)

    await asyncio.sleep(args.settle)
    server.cpu_percent()
    measuring = True
    ends = loop.time() + args.seconds
    while loop.time() < ends:
        await first_frame()
        await asyncio.sleep(args.new_every)
    measuring = False
    cpu = server.cpu_percent() / 100
    for task in probes:
        task.cancel()
    await asyncio.gather(*probes, return_exceptions=True)
    dropped = sum(client.transport is None or client.transport.is_closing() for client in load)
    for client in load:
        if client.transport is not None:
            client.transport.close()
    return Run(rate, clients, received / args.probes / args.seconds, latencies, first_frames, cpu, dropped)


def run(rate: str, clients: int, args: argparse.Namespace) -> Run:
    """One fresh server process at ``rate`` and ``clients`` clients on it."""
    with server_process(serve, rate, args.profile) as (port, server):
        return asyncio.run(measure(port, clients, args, server, rate))


def ms(values: list[float], q: int) -> str:
    return f"{percentile(values, q):.1f}" if values else "–"


def report(args: argparse.Namespace, runs: list[Run]) -> None:
    print("# broadcast: latency from publish to client, and a new connection's wait for its first frame")
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print(
        "| rate | clients | messages/s per client | broadcast p50 / p95 / p99 / max | "
        "first frame p50 / p95 / max | server CPU | clients dropped |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        worst = f"{max(r.latencies_ms):.1f}" if r.latencies_ms else "–"
        first_max = f"{max(r.first_frame_ms):.1f}" if r.first_frame_ms else "–"
        print(
            f"| {r.rate} | {r.clients:,} | {r.messages_per_second:.1f} | "
            f"{ms(r.latencies_ms, 50)} / {ms(r.latencies_ms, 95)} / {ms(r.latencies_ms, 99)} / {worst} ms | "
            f"{ms(r.first_frame_ms, 50)} / {ms(r.first_frame_ms, 95)} / {first_max} ms | "
            f"{r.server_cpu:.1%} | {r.dropped} |"
        )
    print()
    goal = [r for r in runs if r.rate == "demo" and r.clients == max(x.clients for x in runs)]
    for r in goal:
        p99 = percentile(r.latencies_ms, 99)
        p95 = percentile(r.first_frame_ms, 95)
        print(
            f"Goal at the demo's rate with {r.clients:,} clients: broadcast p99 {p99:.1f} ms "
            f"(≤ {BROADCAST_GOAL_MS:g}: {'met' if p99 <= BROADCAST_GOAL_MS else 'NOT met'}), "
            f"first frame p95 {p95:.1f} ms (≤ {FIRST_FRAME_GOAL_MS:g}: "
            f"{'met' if p95 <= FIRST_FRAME_GOAL_MS else 'NOT met'})."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", default="100,500,1000", help="client counts to run, comma-separated")
    parser.add_argument("--rates", default="demo,fast", help=f"rates to run, comma-separated ({', '.join(RATES)})")
    parser.add_argument("--probes", type=int, default=20, help="clients (of each count) that time every frame")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to measure each run")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds between the last connect and measuring")
    parser.add_argument("--new-every", type=float, default=0.25, help="seconds between timed new connections")
    parser.add_argument("--profile", action="store_true", help="profile the server (to stderr)")
    args = parser.parse_args()
    counts = [int(n) for n in args.clients.split(",")]
    rates = args.rates.split(",")
    if unknown := set(rates) - set(RATES):
        parser.error(f"unknown rates: {', '.join(sorted(unknown))}")
    if min(counts) <= args.probes:
        parser.error("every client count must be larger than --probes")
    runs = []
    for rate in rates:
        for clients in counts:
            print(f"{rate}: {clients} clients ...", file=sys.stderr)
            runs.append(run(rate, clients, args))
    report(args, runs)
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()


if __name__ == "__main__":
    main()
