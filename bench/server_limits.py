"""Hostile clients against the feed server: a compressed message bomb, a flood of unfinished handshakes.

Each attack runs twice, against a fresh server process each time: once under uvicorn's defaults
(as the server ran before it had limits: permessage-deflate on, client messages up to 16 MiB),
once under :class:`~lib.feed.serving.FeedConfig` (as the embedded server and ``python -m
lib.feed`` run now). The server serves the demo night pushed every ``--interval`` seconds.

**Bomb.** A ping padded with two million empty objects: 6 MB of JSON, about 6 kB deflated.
``--attackers`` connections (``websockets`` clients offering compression, as any client library
does) each send it ``--bombs`` times, waiting for the answer to each. Meanwhile a normal client
reads the feed and pings the server every 0.2 s; its delay is the ping's round trip. The server's
resident memory is sampled every 20 ms.

**Handshake flood.** ``--flood`` TCP connections, half of them silent and half sending an upgrade
request that never ends, held open. The server's open file descriptors are read before, once the
flood is open, and ``--hold`` seconds later; meanwhile a normal client connects (or is refused)
and its time to the first frame is noted.

Run: ``python bench/server_limits.py [--attackers 3] [--bombs 5] [--flood 1500] [--hold 12]``.
Goals under FeedConfig: the bomb adds under 100 MB to the server at its peak and the normal
client's delay stays under 1 s; the flood's file descriptors are released within the handshake
timeout (10 s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path

import psutil
import uvicorn
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import command, machine, server_process
from lib.feed.server import KEEPALIVE_SECONDS, FeedServer, ServeOptions, create_app
from lib.feed.sources.night import NightSimulator

CONFIGURATIONS = ("uvicorn defaults", "FeedConfig")
BOMB = '{"type":"ping","timestamp":0,"pad":[' + ",".join(["{}"] * 2_000_000) + "]}"
PEAK_GOAL_MB = 100.0
DELAY_GOAL_S = 1.0
UPGRADE_START = b"GET /ws/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"


def serve(port_out: Connection, stop: Event, configuration: str, interval: float) -> None:
    """The server process: the demo night under ``configuration`` until told to stop."""
    source = NightSimulator(games=8, seed=1, speed=24.0, start=time.time())
    if configuration == "FeedConfig":
        server = FeedServer(source, interval=interval).start()
        port_out.send(server.port)
        stop.wait()
        server.stop()
        return
    # What FeedServer.start() built before the limits: uvicorn's defaults but for the keepalive.
    app = create_app(source, ServeOptions(interval=interval))
    config = uvicorn.Config(
        app,
        port=0,
        log_level="warning",
        ws_ping_interval=KEEPALIVE_SECONDS,
        ws_ping_timeout=KEEPALIVE_SECONDS,
        lifespan="on",
    )
    old = uvicorn.Server(config)
    thread = threading.Thread(target=old.run, daemon=True)
    thread.start()
    while not old.started:
        time.sleep(0.01)
    port_out.send(old.servers[0].sockets[0].getsockname()[1])
    stop.wait()
    old.should_exit = True
    thread.join(10)


@dataclass
class BombResult:
    configuration: str
    rss_before_mb: float
    rss_peak_mb: float
    rss_after_mb: float
    worst_delay_s: float
    answered: int
    """Bombs the server answered with a pong (it read them whole)."""
    closes: list[str]
    """How each attacker's connection ended."""


@dataclass
class FloodResult:
    configuration: str
    fds_before: int
    fds_open: int
    fds_after: int
    normal_client: str


class Normal:
    """A client reading the feed throughout and pinging it every 0.2 s, keeping its worst round trip.

    The round trip shows a server that stalls (a frame's delay after its ``ts`` would not: a
    stalled server stamps what it sends after the stall).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.worst = 0.0
        self.measuring = False

    async def run(self) -> None:
        async with websockets.connect(self.url, compression=None, ping_interval=None, max_size=2**20) as ws:

            async def ping() -> None:
                while True:
                    await ws.send(json.dumps({"type": "ping", "timestamp": time.perf_counter()}))
                    await asyncio.sleep(0.2)

            pinger = asyncio.create_task(ping())
            try:
                async for frame in ws:
                    message = json.loads(frame)
                    if self.measuring and message["type"] == "pong":
                        self.worst = max(self.worst, time.perf_counter() - message["data"]["timestamp"])
            finally:
                pinger.cancel()


async def bomb(url: str, args: argparse.Namespace, server: psutil.Process, configuration: str) -> BombResult:
    """Send the bomb from ``--attackers`` connections while a normal client reads the feed."""
    normal = Normal(url)
    reader = asyncio.create_task(normal.run())
    await asyncio.sleep(2)
    before = server.memory_info().rss
    peak = before
    answered = 0
    closes: list[str] = []

    async def attacker() -> None:
        nonlocal answered
        async with websockets.connect(url, compression="deflate", max_size=None, ping_interval=None) as ws:
            try:
                for _ in range(args.bombs):
                    await ws.send(BOMB)
                    while json.loads(await ws.recv())["type"] != "pong":
                        pass
                    answered += 1
            except websockets.ConnectionClosed as closed:
                closes.append(f"closed {closed.rcvd.code if closed.rcvd else 'without a code'}")
                return
            closes.append("open")

    normal.measuring = True
    attack = asyncio.gather(*(attacker() for _ in range(args.attackers)))
    while not attack.done():
        peak = max(peak, server.memory_info().rss)
        await asyncio.sleep(0.02)
    await attack
    await asyncio.sleep(5)
    normal.measuring = False
    after = server.memory_info().rss
    reader.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reader
    mb = 1024 * 1024
    return BombResult(configuration, before / mb, peak / mb, after / mb, normal.worst, answered, closes)


async def flood(port: int, args: argparse.Namespace, server: psutil.Process, configuration: str) -> FloodResult:
    """Hold ``--flood`` unfinished handshakes open; try a normal client meanwhile."""
    url = f"ws://127.0.0.1:{port}/ws/live"
    before = server.num_fds()
    held: list[socket.socket] = []
    for n in range(args.flood):
        sock = socket.socket()
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        if n % 2:
            sock.send(UPGRADE_START)
        held.append(sock)
    await asyncio.sleep(0.5)
    opened = server.num_fds()
    started = time.perf_counter()
    try:
        async with websockets.connect(url, compression=None, open_timeout=10) as ws:
            await asyncio.wait_for(ws.recv(), 10)
        normal = f"first frame in {(time.perf_counter() - started) * 1000:.0f} ms"
    except (OSError, TimeoutError, websockets.InvalidHandshake) as error:
        normal = f"failed: {type(error).__name__}"
    await asyncio.sleep(max(0.0, args.hold - (time.perf_counter() - started)))
    after = server.num_fds()
    for sock in held:
        sock.close()
    return FloodResult(configuration, before, opened, after, normal)


def attack(configuration: str, args: argparse.Namespace) -> tuple[BombResult, FloodResult]:
    """Both attacks, each against a fresh server process under ``configuration``."""
    with server_process(serve, configuration, args.interval) as (port, server):
        bombed = asyncio.run(bomb(f"ws://127.0.0.1:{port}/ws/live", args, server, configuration))
    with server_process(serve, configuration, args.interval) as (port, server):
        flooded = asyncio.run(flood(port, args, server, configuration))
    return bombed, flooded


def report(args: argparse.Namespace, bombs: list[BombResult], floods: list[FloodResult]) -> None:
    print("# server limits: a compressed message bomb and a handshake flood")
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print(
        f"Bomb: {args.attackers} connections x {args.bombs} pings padded to {len(BOMB) / 1e6:.0f} MB "
        "(about 6 kB deflated); the server's resident memory and a normal client's worst ping round trip."
    )
    print()
    print("| configuration | RSS before | peak | 5 s after | normal client's worst ping | bombs read | attackers |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for b in bombs:
        print(
            f"| {b.configuration} | {b.rss_before_mb:.0f} MB | {b.rss_peak_mb:.0f} MB "
            f"(+{b.rss_peak_mb - b.rss_before_mb:.0f}) | {b.rss_after_mb:.0f} MB | {b.worst_delay_s * 1000:,.0f} ms | "
            f"{b.answered} of {args.attackers * args.bombs} | {', '.join(sorted(set(b.closes)))} |"
        )
    print()
    print(f"Handshake flood: {args.flood} connections (half silent, half a request never ended), held {args.hold:g} s.")
    print()
    print("| configuration | fds before | flood open | after the hold | a normal client during the flood |")
    print("|---|---:|---:|---:|---|")
    for f in floods:
        print(f"| {f.configuration} | {f.fds_before} | {f.fds_open} | {f.fds_after} | {f.normal_client} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--attackers", type=int, default=3, help="connections sending the bomb")
    parser.add_argument("--bombs", type=int, default=5, help="bombs each attacker sends")
    parser.add_argument("--flood", type=int, default=1500, help="unfinished handshakes to hold open")
    parser.add_argument("--hold", type=float, default=12.0, help="seconds to hold them (past the 10 s timeout)")
    parser.add_argument("--interval", type=float, default=0.1, help="the server's push interval, seconds")
    args = parser.parse_args()
    bombs, floods = [], []
    for configuration in CONFIGURATIONS:
        print(f"{configuration} ...", file=sys.stderr)
        bombed, flooded = attack(configuration, args)
        bombs.append(bombed)
        floods.append(flooded)
    report(args, bombs, floods)


if __name__ == "__main__":
    main()
