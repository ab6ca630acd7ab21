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
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import command, machine, percentile
from harness.cdn import CdnNight, CdnStandIn, FlowPlayer, Team
from lib.backoff import Backoff
from lib.client import FeedClient
from lib.feed.flows import GameFlow
from lib.feed.server import FeedServer
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
        flows.append((game_id, simulate_game(rng, TEAMS[home], TEAMS[away], game_id=game_id)))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between polls (default: %(default)s)")
    parser.add_argument("--clients", type=int, default=50, help="clients in the second run (default: %(default)s)")
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured per run (default: %(default)s)")
    parser.add_argument("--games", type=int, default=8, help="games in the night (default: %(default)s)")
    parser.add_argument("--speed", type=float, default=12.0, help="game seconds per second (default: %(default)s)")
    parser.add_argument("--stagger", type=float, default=10.0, help="seconds between tip-offs (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="the night's random seed (default: %(default)s)")
    args = parser.parse_args()
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
