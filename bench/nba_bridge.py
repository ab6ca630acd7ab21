"""What the NBA bridge costs: requests to the NBA, delay to one or many WebSocket clients.

A stand-in for the NBA's CDN (``harness/cdn.py``: a real HTTP server on loopback serving
the CDN's file shapes) plays ``--games`` simulated games in real time at ``--speed`` game
seconds per second, tip-offs ``--stagger`` seconds apart; a feed server with the live bridge
(:class:`~lib.feed.sources.nba.source.NbaSource`, a poll every ``--poll`` seconds) serves them to one
WebSocket client, then, in a second run of the same night, to ``--clients`` of them
(:class:`~lib.client.FeedClient`, each with its own store). For each, over the night's first
``--window`` seconds (rounded to whole polls):

* upstream requests and response bytes per minute at the stand-in, over the same whole polls of
  the same night (same seed, started half a poll after a poll) in both runs: they must not depend
  on the number of clients (the bridge polls once per interval, whoever is connected);
* for every score change made at the stand-in, the time until each client holds it (its
  ``game_update`` callback): p50, p95 and the worst. Goal: p95 <= poll + 1 s.

Run: ``python bench/nba_bridge.py [--poll 5] [--clients 50] [--window 60]``.

``--hostile`` measures instead what hostile answers from the upstream cost. For each, a fresh
feed server with the bridge (in a process of its own, a poll every second, 8 games in progress)
is attacked through the stand-in: compression bombs (stacked and single), scoreboards and
play-by-play files of tiny entries, a scoreboard of 5,000 games, a scoreboard trickled a byte
every 0.5 s. A last run answers 30 games' play-by-play with files at the live limit of 2,000
real-shaped actions: valid, the most a poll can be made to hold. Measured: how long until every
hostile answer is served and counted on ``/health``, the server's CPU seconds over that time,
its resident memory (before, at its peak sampled every 20 ms, 5 s after), and the worst round
trip of a normal client's pings (every 0.2 s) meanwhile. Goals: under 100 MB at the peak, pings
under 1 s.

``--replay`` times the replay of one finished game of 1,000 to 8,000 plays through the bridge,
each play revealed on its own (what ``python -m lib.archive import --nba-game`` does): the time
must grow in proportion to the plays.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import random
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import command, machine, percentile, server_process
from bench.server_limits import Normal
from harness.cdn import CdnNight, CdnStandIn, FlowPlayer, Hostile, Team, gzip_layers, tiny_entries
from lib.backoff import Backoff
from lib.client import FeedClient
from lib.feed.flows import GameFlow
from lib.feed.server import FeedServer
from lib.feed.sources.nba.cdn import (
    MAX_ACTIONS,
    MAX_FINISHED_ACTIONS,
    MAX_GAMES,
    parse_boxscore,
    parse_playbyplay,
)
from lib.feed.sources.nba.replay import FinishedGame, NbaReplaySource
from lib.feed.sources.nba.source import NbaSource
from lib.feed.sources.simulated import simulate_game
from lib.feed.teams import TEAMS
from lib.options import FeedOptions
from lib.protocol import Game
from lib.store import Store


@dataclass
class Seen:
    """When one client first held each score of each game (epoch seconds)."""

    at: dict[tuple[str, int, int], float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, game: Game) -> None:
        key = (game.game_id, game.home_score, game.away_score)
        now = time.time()
        with self.lock:
            self.at.setdefault(key, now)


@dataclass(frozen=True)
class Phase:
    clients: int
    seconds: float
    requests: int
    received_bytes: int
    latencies: list[float]
    missed: int


def _team(index: int) -> Team:
    team = TEAMS[index]
    city, _, name = team.name.rpartition(" ")
    return Team(1610612737 + index, city, name, team.tricode)


def _night(games: int, seed: int) -> tuple[CdnNight, list[tuple[str, GameFlow]]]:
    rng = random.Random(seed)
    night = CdnNight()
    flows = []
    teams = rng.sample(range(len(TEAMS)), 2 * games)
    for index in range(games):
        home, away = teams[2 * index], teams[2 * index + 1]
        game_id = f"00226{index:05d}"
        night.add(game_id, _team(home), _team(away))
        flows.append((game_id, simulate_game(rng, TEAMS[home], TEAMS[away], game_id=game_id).flow))
    return night, flows


def _connect(url: str, count: int) -> tuple[list[FeedClient], list[Seen]]:
    clients, seen = [], []
    for _ in range(count):
        record = Seen()
        client = FeedClient(url, Store(), FeedOptions(reconnect=Backoff(base_delay=0.2, max_delay=1.0)))
        for event in ("game_update", "game_start", "game_end"):
            client.on(event, record.record)
        client.start()
        clients.append(client)
        seen.append(record)
    return clients, seen


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _polls(cdn: CdnStandIn) -> list[float]:
    """When each poll began: the times of the scoreboard requests."""
    return [at for at, file, _ in list(cdn.log) if file == "scoreboard"]


def _phase(args: argparse.Namespace, clients: int) -> Phase:
    """One run of the same night, with ``clients`` WebSocket clients connected throughout.

    The night starts half a poll after a poll, and the window is a whole number of polls from
    the next one, so both runs fetch the same files at the same moments of the night.
    """
    night, flows = _night(args.games, args.seed)
    polls = max(1, round(args.window / args.poll))
    stop = threading.Event()
    with CdnStandIn(night) as cdn:
        server = FeedServer(NbaSource(cdn.base_url, poll=args.poll), interval=args.poll).start()
        connected, seen = _connect(server.url, clients)
        stores = [client.store for client in connected]
        _wait(lambda: all(s.snapshot().connection.connections for s in stores), 60, "every client connected")
        first = len(_polls(cdn))
        _wait(lambda: len(_polls(cdn)) > first, 2 * args.poll, "a poll")
        start = _polls(cdn)[first] + args.poll / 2
        player = FlowPlayer(night, flows, speed=args.speed, start=start, stagger=args.stagger)

        def drive() -> None:
            while not stop.is_set():
                player.tick(time.time())
                stop.wait(0.02)

        driver = threading.Thread(target=drive, name="flow-player", daemon=True)
        try:
            driver.start()
            _wait(lambda: len(_polls(cdn)) > first + polls + 1, (polls + 3) * args.poll, "the window's polls")
            begin, end = _polls(cdn)[first + 1], _polls(cdn)[first + polls + 1]
            window = [(file, size) for at, file, size in list(cdn.log) if begin <= at < end]
            changes = [change for change in player.changes if change.at < end]
            time.sleep(args.poll + 2.0)  # let the window's last changes arrive before judging them
        finally:
            stop.set()
            for client in connected:
                client.stop()
            server.stop()
            driver.join(2)
    latencies, missed = [], 0
    for record in seen:
        with record.lock:
            at = dict(record.at)
        for change in changes:
            held = at.get((change.game_id, change.home_score, change.away_score))
            if held is None:
                missed += 1
            else:
                latencies.append(max(0.0, held - change.at))
    return Phase(clients, end - begin, len(window), sum(size for _, size in window), latencies, missed)


# -- hostile answers ---------------------------------------------------------------------------

MIB = 1024 * 1024
HOSTILE_GAMES = 8


def _serve_bridge(port_out: Connection, stop: Event, base_url: str) -> None:
    """The server process: the live bridge on ``base_url``, a poll every second."""
    server = FeedServer(NbaSource(base_url, poll=1.0), interval=1.0).start()
    port_out.send(server.port)
    stop.wait()
    server.stop()


def _health(port: int) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
        report: dict[str, object] = json.load(response)
    return report


def _faults(port: int) -> dict[str, int]:
    source = _health(port).get("source")
    faults = source.get("faults", {}) if isinstance(source, dict) else {}
    return dict(faults) if isinstance(faults, dict) else {}


Arm = Callable[[CdnNight, CdnStandIn, list[str]], int]
"""Queues an attack at the stand-in serving the night; returns how many faults it should count."""


def _on_board(answer: Hostile, times: int = 3) -> Arm:
    def arm(_night: CdnNight, cdn: CdnStandIn, _games: list[str]) -> int:
        cdn.fail("scoreboard", answer, times=times)
        return times

    return arm


def _on_playbyplay(size: int, times: int = 2) -> Arm:
    def arm(_night: CdnNight, cdn: CdnStandIn, games: list[str]) -> int:
        for game_id in games:
            answer = Hostile(tiny_entries(f"playbyplay_{game_id}", size, b"[]"))
            cdn.fail(f"playbyplay_{game_id}", answer, times=times)
        return times * len(games)

    return arm


def _longest_playbyplay() -> bytes:
    """A play-by-play of as many actions as a live one may hold, each of the real file's shape."""
    night = CdnNight()
    night.add("0022600000", _team(0), _team(1))
    # The game's own period and end actions come on top of the plays asked for: 2,000 in all.
    night.play_long("0022600000", datetime(2026, 12, 2, 0, 30, tzinfo=UTC), MAX_ACTIONS - 12, every=20)
    plays = night.playbyplay("0022600000")
    assert plays is not None
    if len(plays["game"]["actions"]) > MAX_ACTIONS:
        raise RuntimeError(f"{len(plays['game']['actions'])} actions, over the live limit")
    return json.dumps(plays).encode()


def _on_playbyplay_as(template: bytes, times: int = 2) -> Arm:
    """Every game's play-by-play answered with ``template``'s actions, under its own id."""

    def arm(_night: CdnNight, cdn: CdnStandIn, games: list[str]) -> int:
        for game_id in games:
            answer = template.replace(b'"gameId": "0022600000"', f'"gameId": "{game_id}"'.encode())
            cdn.fail(f"playbyplay_{game_id}", Hostile(answer), times=times)
        return 0  # nothing to count: the files are valid, the cost is what they take

    return arm


def _many_games() -> Hostile:
    night = CdnNight()
    for index in range(5000):
        night.add(f"00228{index:05d}", _team(index % 30), _team((index + 1) % 30))
    return Hostile(json.dumps(night.scoreboard()).encode())


def _trickle(night: CdnNight, cdn: CdnStandIn, _games: list[str]) -> int:
    cdn.fail("scoreboard", Hostile(json.dumps(night.scoreboard()).encode(), trickle=0.5))
    return 1


def _keep_pinging(url: str, measuring: Event, worst: Synchronized[float]) -> None:
    """A normal client in a process of its own (the stand-in's work in this one must not delay its pings)."""
    normal = Normal(url)

    async def report() -> None:
        while True:
            normal.measuring = measuring.is_set()
            if not normal.measuring:
                normal.worst = 0.0
            worst.value = normal.worst
            await asyncio.sleep(0.05)

    async def run() -> None:
        reporter = asyncio.create_task(report())
        try:
            await normal.run()
        finally:
            reporter.cancel()

    with contextlib.suppress(Exception):  # the server closing at the end of the attack
        asyncio.run(run())


@dataclass(frozen=True)
class Attacked:
    name: str
    wire_bytes: int
    faults: dict[str, int]
    counted_s: float
    cpu_s: float
    rss_before: float
    rss_peak: float
    rss_after: float
    worst_ping: float


def _attack(name: str, wire_bytes: int, arm: Arm, games_on: int = HOSTILE_GAMES) -> Attacked:
    night = CdnNight()
    games = [f"00226{index:05d}" for index in range(games_on)]
    for index, game_id in enumerate(games):
        night.add(game_id, _team(2 * index % 30), _team((2 * index + 1) % 30))
        night.start(game_id)
        night.score(game_id, "home", 2, "11:30")
    with CdnStandIn(night, stall=5.0) as cdn, server_process(_serve_bridge, cdn.base_url) as (port, server):
        context = multiprocessing.get_context("spawn")
        measuring, worst = context.Event(), context.Value("d", 0.0)
        pinger = context.Process(
            target=_keep_pinging, args=(f"ws://127.0.0.1:{port}/ws/live", measuring, worst), daemon=True
        )
        pinger.start()
        _wait(lambda: cdn.requests[f"playbyplay_{games[-1]}"] >= 3, 60, "three good polls")
        time.sleep(1.0)
        rss_before = server.memory_info().rss
        cpu_before = sum(server.cpu_times()[:2])
        peak = [rss_before]
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.02):
                peak[0] = max(peak[0], server.memory_info().rss)

        sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
        sampler.start()
        before = sum(_faults(port).values())
        measuring.set()
        started = time.monotonic()
        expected = arm(night, cdn, games)
        files = ["scoreboard", *(f"playbyplay_{game_id}" for game_id in games)]

        def done() -> bool:
            served = all(cdn.pending(file) == 0 for file in files)
            return served and sum(_faults(port).values()) >= before + expected

        _wait(done, 180, f"{name} served and counted")
        counted = time.monotonic() - started
        cpu = sum(server.cpu_times()[:2]) - cpu_before
        time.sleep(5.0)
        worst_ping = worst.value
        measuring.clear()
        pinger.terminate()
        pinger.join(5)
        sampling.set()
        sampler.join(2)
        rss_after = server.memory_info().rss
        faults = _faults(port)
    return Attacked(
        name, wire_bytes, faults, counted, cpu, rss_before / MIB, peak[0] / MIB, rss_after / MIB, worst_ping
    )


def hostile() -> list[Attacked]:
    """Every attack, each against a fresh server."""
    stacked = gzip_layers(2048 * MIB, 2)
    bomb = gzip_layers(512 * MIB, 1)
    many = _many_games()
    scoreboards = [
        (
            "stacked gzip scoreboard (2 GiB of zeros, gzip, gzip)",
            Hostile(stacked, (("Content-Encoding", "gzip, gzip"),)),
        ),
        ("gzip scoreboard inflating to 512 MiB", Hostile(bomb, (("Content-Encoding", "gzip"),))),
        ("16 MiB scoreboard of {} (5.6 M entries)", Hostile(tiny_entries("scoreboard", 16 * MIB))),
        ("1 MiB scoreboard of {} (under the byte cap)", Hostile(tiny_entries("scoreboard", MIB - 1024))),
        ("scoreboard of 5,000 games", many),
    ]
    results = [_attack(name, len(answer.body), _on_board(answer)) for name, answer in scoreboards]
    for size, label in ((16 * MIB, "16 MiB"), (4 * MIB - 1024, "4 MiB (under the byte cap)")):
        name = f"{HOSTILE_GAMES} play-by-play files of [], {label} each, twice"
        results.append(_attack(name, 2 * HOSTILE_GAMES * size, _on_playbyplay(size)))
    longest = _longest_playbyplay()
    name = f"{MAX_GAMES} games in progress, each play-by-play of {MAX_ACTIONS:,} real actions, twice"
    results.append(_attack(name, 2 * MAX_GAMES * len(longest), _on_playbyplay_as(longest), MAX_GAMES))
    results.append(_attack("trickled scoreboard, a byte every 0.5 s", 0, _trickle))
    return results


def report_hostile(args: argparse.Namespace, results: list[Attacked]) -> None:
    print(f"NBA bridge under hostile upstream answers, {machine()}")
    print(f"`{command(args)}`\n")
    print(
        "| upstream answer | on the wire | counted as | counted after | server CPU | RSS before | peak | 5 s after "
        "| normal client's worst ping |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(r.faults.items()))
        wire = f"{r.wire_bytes:,} B" if r.wire_bytes else "—"
        print(
            f"| {r.name} | {wire} | {kinds} | {r.counted_s:.1f} s | {r.cpu_s:.2f} s | {r.rss_before:.0f} MiB "
            f"| {r.rss_peak:.0f} MiB | {r.rss_after:.0f} MiB | {r.worst_ping * 1000:.0f} ms |"
        )


# -- replays of long games ---------------------------------------------------------------------


def replay_times(sizes: tuple[int, ...] = (1000, 2000, 4000, 8000)) -> list[tuple[int, int, float]]:
    """(plays, messages, seconds) for replaying one finished game of each size, play by play."""
    rows = []
    for plays in sizes:
        night = CdnNight("2025-11-05")
        tip = datetime(2025, 11, 6, 0, 10, 0, 300000, tzinfo=UTC)
        night.add("0022500001", _team(0), _team(1), tip)
        night.play_long("0022500001", tip, plays, every=max(2, plays // 300))
        box, pbp = night.boxscore("0022500001"), night.playbyplay("0022500001")
        finished = FinishedGame(parse_boxscore(box), parse_playbyplay(pbp, max_actions=MAX_FINISHED_ACTIONS))
        started = time.perf_counter()
        replay = NbaReplaySource([finished], speed=1.0, start=tip.timestamp())
        now: float | None = tip.timestamp()
        messages = 0
        while now is not None:
            messages += len(replay.advance(now))
            now = replay.next_due()
        rows.append((plays, messages, time.perf_counter() - started))
    return rows


def report_replay(args: argparse.Namespace, rows: list[tuple[int, int, float]]) -> None:
    print(f"NBA replay of one long game, play by play, {machine()}")
    print(f"`{command(args)}`\n")
    print("| plays | messages | time | per play |")
    print("|---:|---:|---:|---:|")
    for plays, messages, seconds in rows:
        print(f"| {plays:,} | {messages:,} | {seconds:.2f} s | {seconds / plays * 1e6:.0f} µs |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between polls (default: %(default)s)")
    parser.add_argument("--clients", type=int, default=50, help="clients in the second run (default: %(default)s)")
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured per run (default: %(default)s)")
    parser.add_argument("--games", type=int, default=8, help="games in the night (default: %(default)s)")
    parser.add_argument("--speed", type=float, default=12.0, help="game seconds per second (default: %(default)s)")
    parser.add_argument("--stagger", type=float, default=10.0, help="seconds between tip-offs (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="the night's random seed (default: %(default)s)")
    parser.add_argument("--hostile", action="store_true", help="measure hostile upstream answers instead")
    parser.add_argument("--replay", action="store_true", help="time replays of long games instead")
    args = parser.parse_args()
    if args.hostile:
        report_hostile(args, hostile())
        return
    if args.replay:
        report_replay(args, replay_times())
        return
    phases = [_phase(args, clients) for clients in (1, args.clients)]

    print(f"NBA bridge, {machine()}")
    print(f"`{command(args)}`\n")
    print(
        "| WebSocket clients | upstream requests/min | upstream bytes/min | score changes x clients "
        "| p50 | p95 | worst | missed | goal p95 |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for phase in phases:
        per_minute = 60.0 / phase.seconds
        lat = phase.latencies
        goal = args.poll + 1.0
        met = "met" if lat and percentile(lat, 95) <= goal else "NOT met"
        print(
            f"| {phase.clients} | {phase.requests * per_minute:,.0f} | {phase.received_bytes * per_minute:,.0f} "
            f"| {len(lat):,} | {percentile(lat, 50):.2f} s | {percentile(lat, 95):.2f} s | {max(lat):.2f} s "
            f"| {phase.missed} | <= {goal:g} s: {met} |"
        )


if __name__ == "__main__":
    main()
