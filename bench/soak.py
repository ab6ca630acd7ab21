"""Soak: an hour of 200 messages a second through the whole path into a LiveFeed; memory, threads, latency.

A separate process runs a :class:`~lib.feed.server.FeedServer` whose source pushes
``--rate`` messages a second (200) over ``--games`` games (15): for each game in turn a
``score_update`` (the server stamps ``ts`` and ``seq``; the clock ticks down a second with each
update, the period turns over every 720 updates, the home score rises by a point with every
update and the away score with every other, both going back to 0 after 399 as a scorer's
correction, so that every update is a score change the history keeps) and then its
``prediction``. The game ids never change, so the store does not grow in games; each game's
score and prediction history (2,000 points each by default) fills within the first five
minutes and then only rolls over, so the hour's memory should stay flat after that.

This process holds a ``LiveFeed(url)`` and uses it as the dashboard does: a snapshot and a
status every second (the page's refresh), and every ``--api-every`` seconds the analyst API
(``games()``, ``predictions()``, ``history()``, ``prediction_history()``, ``latency()``, and
``game_stats()`` and ``scorecard()`` where the feed has them). Every ``--sample-every`` seconds
it records its resident memory, threads and open file descriptors (psutil), the messages
received, and the p99 end-to-end latency (receive time - the server's ``ts``) and apply time
(parse + validate + store) of the messages received since the previous sample, from the
store's latency samples.

The run starts with a warm-up that lasts until every game's history is full (about five
minutes; at most ``--warmup-max`` seconds): the histories are bounded and fill once, and that
growth is capacity, not a leak, so it is reported apart. Then it runs ``--minutes`` more.

Run: ``python bench/soak.py [--minutes 60]`` (``--minutes 2`` for a quick check). Goals over the
measured hour: resident memory grows at most 20 MB; the thread count does not grow. Progress
goes to stderr, the tables to stdout.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil

from bench.common import command, machine, percentile
from harness.waiting import wait_for
from lib import LiveFeed
from lib.feed.server import FeedServer
from lib.protocol import Game, Message, Prediction, PredictionUpdate, ScoreUpdate
from lib.store import ConnectionState

RSS_GOAL_MB = 20.0
TICK_SECONDS = 0.05
"""How often the server asks the source for what is due (10 messages a tick at 200/s)."""
TEAMS = (
    "Boston Celtics",
    "New York Knicks",
    "Milwaukee Bucks",
    "Cleveland Cavaliers",
    "Orlando Magic",
    "Indiana Pacers",
    "Philadelphia 76ers",
    "Miami Heat",
    "Chicago Bulls",
    "Atlanta Hawks",
    "Brooklyn Nets",
    "Toronto Raptors",
    "Charlotte Hornets",
    "Washington Wizards",
    "Detroit Pistons",
    "Oklahoma City Thunder",
    "Denver Nuggets",
    "Minnesota Timberwolves",
    "Los Angeles Clippers",
    "Dallas Mavericks",
    "Phoenix Suns",
    "New Orleans Pelicans",
    "Los Angeles Lakers",
    "Sacramento Kings",
    "Golden State Warriors",
    "Houston Rockets",
    "Utah Jazz",
    "Memphis Grizzlies",
    "San Antonio Spurs",
    "Portland Trail Blazers",
)


class SteadySource:
    """``rate`` messages a second, whatever the tick: a score update then a prediction, game after game."""

    def __init__(self, rate: float, games: int) -> None:
        self.rate = rate
        self.game_count = games
        self.started: float | None = None
        self.sent = 0
        self.updates = [0] * games

    @property
    def games(self) -> Sequence[Game] | None:
        """``None``: the server forgets no game (the ids never change)."""
        return None

    def next_due(self) -> float | None:
        """``None``: polled every tick."""
        return None

    name = "steady"

    def status(self) -> None:
        """``None``: no upstream."""
        return

    def close(self) -> None:
        """Nothing to release."""

    def advance(self, now: float) -> list[Message]:
        """The messages due by ``now`` at the steady rate (a late tick catches up, at most a second's worth)."""
        if self.started is None:
            self.started = now
        due = int((now - self.started) * self.rate) - self.sent
        if due > self.rate:  # the server stalled: skip rather than burst
            self.sent += due - int(self.rate)
            due = int(self.rate)
        messages: list[Message] = []
        for _ in range(max(0, due)):
            index = self.sent
            self.sent += 1
            game = (index // 2) % self.game_count
            messages.append(self._score(game) if index % 2 == 0 else self._prediction(game))
        return messages

    def _score(self, index: int) -> ScoreUpdate:
        n = self.updates[index]
        self.updates[index] += 1
        home, away = n % 400, n // 2 % 400
        left = 719 - n % 720
        return ScoreUpdate(
            data=Game(
                game_id=f"soak-{index:02d}",
                home_team=TEAMS[2 * index % len(TEAMS)],
                away_team=TEAMS[(2 * index + 1) % len(TEAMS)],
                home_score=home,
                away_score=away,
                period=1 + (n // 720) % 4,
                clock=f"{left // 60:02d}:{left % 60:02d}",
                status="live",
                differential=home - away,
                correction=True if n and n % 400 == 0 else None,
            )
        )

    def _prediction(self, index: int) -> PredictionUpdate:
        n = self.updates[index]
        return PredictionUpdate(
            data=Prediction(
                game_id=f"soak-{index:02d}",
                home_win_probability=round(0.5 + 0.4 * math.sin(n / 50), 4),
                predicted_home_score=110.0 + n % 7,
                predicted_away_score=106.0 + n % 5,
                model="stern-1994",
            )
        )


def serve(port_out: Connection, stop: Event, rate: float, games: int) -> None:
    """The server process: push the steady stream until told to stop."""
    server = FeedServer(SteadySource(rate, games), interval=TICK_SECONDS).start()
    try:
        port_out.send(server.port)
        stop.wait()
    finally:
        server.stop()


@dataclass(frozen=True)
class Sample:
    """One reading of this process and its feed."""

    at: float
    """Seconds since the feed started."""
    rss_mb: float
    threads: int
    fds: int
    received: int
    rate: float
    """Messages a second received since the previous sample."""
    e2e_p99: float | None
    apply_p99: float | None
    history_full: bool


def p99(values: Sequence[float]) -> float | None:
    return percentile(values, 99) if values else None


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} ms"


class ApiTimes:
    """Durations and failures of the analyst API calls."""

    def __init__(self, feed: LiveFeed) -> None:
        self.calls: dict[str, Callable[[], Any]] = {
            "games()": feed.games,
            "predictions()": feed.predictions,
            "history()": feed.history,
            "prediction_history()": feed.prediction_history,
            "latency()": feed.latency,
            "game_stats()": feed.game_stats,
            "scorecard()": feed.scorecard,
        }
        self.seconds: dict[str, list[float]] = {name: [] for name in self.calls}
        self.errors: dict[str, tuple[int, str]] = {}

    def touch(self) -> None:
        for name, call in self.calls.items():
            started = time.perf_counter()
            try:
                call()
            except Exception as error:  # a failing call is a finding to report, not a reason to lose the hour
                count, first = self.errors.get(name, (0, f"{type(error).__name__}: {error}"))
                self.errors[name] = (count + 1, first)
                continue
            self.seconds[name].append(time.perf_counter() - started)


def take_sample(feed: LiveFeed, process: psutil.Process, started: float, since: float, previous: int) -> Sample:
    """Read the process and the store; latency over the samples received after ``since`` (epoch)."""
    now = time.time()
    snapshot = feed.snapshot()
    recent = [s for s in snapshot.latency if s.received_at > since]
    first_game = min(snapshot.games, default=None)
    history = 0 if first_game is None else len(feed.store.history(first_game))
    received = snapshot.counters.received
    return Sample(
        at=time.monotonic() - started,
        rss_mb=process.memory_info().rss / 2**20,
        threads=process.num_threads(),
        fds=process.num_fds(),
        received=received,
        rate=(received - previous) / max(1e-9, now - since),
        e2e_p99=p99([s.e2e_ms for s in recent if s.e2e_ms is not None]),
        apply_p99=p99([s.apply_ms for s in recent]),
        history_full=history >= feed.store.history_per_game,
    )


def soak(args: argparse.Namespace, url: str) -> tuple[list[Sample], float, ApiTimes, LiveFeed]:
    """Warm up until the histories are full, then run ``args.minutes`` more; sample, poll and call the API.

    Returns the samples, the second the measured run began (the end of the warm-up), the API
    timings and the feed.
    """
    process = psutil.Process()
    feed = LiveFeed(url)
    api = ApiTimes(feed)
    samples: list[Sample] = []
    try:
        feed.start()
        started = time.monotonic()
        wait_for(lambda: feed.snapshot().connection.state is ConnectionState.CONNECTED, 15, "the feed to connect")
        # Until the warm-up ends the run has no end: it is set an hour (--minutes) after it.
        warmed_up: float | None = None
        end = math.inf
        next_render = next_api = started
        next_sample = started + args.sample_every
        last_wall, last_received = time.time(), 0
        while (now := time.monotonic()) < end:
            if now >= next_render:  # what the page does every refresh
                snapshot = feed.snapshot()
                feed.status(snapshot)
                next_render += 1.0
            if now >= next_api:
                api.touch()
                next_api += args.api_every
            if now >= next_sample:
                sample = take_sample(feed, process, started, last_wall, last_received)
                samples.append(sample)
                last_wall, last_received = time.time(), sample.received
                if warmed_up is None and (sample.history_full or sample.at >= args.warmup_max):
                    warmed_up = sample.at
                    end = started + warmed_up + args.minutes * 60
                print(
                    f"{sample.at:7.0f} s  rss {sample.rss_mb:7.1f} MB  threads {sample.threads:3d}  "
                    f"fds {sample.fds:3d}  "
                    f"received {sample.received:9,d} ({sample.rate:5.0f}/s)  p99 e2e {ms(sample.e2e_p99)}  "
                    f"apply {ms(sample.apply_p99)}{'  history full' if sample.history_full else ''}",
                    file=sys.stderr,
                )
                next_sample += args.sample_every
            time.sleep(max(0.0, min(next_render, next_api, next_sample, end) - time.monotonic()))
        assert warmed_up is not None  # the loop only ends once the warm-up has set its end
        if samples[-1].at < warmed_up + args.minutes * 60 - args.sample_every / 2:
            samples.append(take_sample(feed, process, started, last_wall, last_received))  # the end
    finally:
        feed.stop()
    return samples, warmed_up, api, feed


def report(args: argparse.Namespace, samples: list[Sample], warmed_up: float, api: ApiTimes, feed: LiveFeed) -> None:
    measured = [s for s in samples if s.at >= warmed_up]
    first, last = measured[0], measured[-1]
    steady = next((s for s in samples if s.history_full), None)
    growth = last.rss_mb - first.rss_mb
    thread_growth = last.threads - first.threads
    counters = feed.snapshot().counters
    rates = [s.rate for s in measured]

    print(f"# soak: {args.minutes:g} min of {args.rate:g} messages/s over {args.games} games into a LiveFeed")
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    row_every = max(args.sample_every, args.table_every or args.minutes * 60 / 12)
    print("| time | RSS | threads | fds | received | messages/s | p99 e2e | p99 apply |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    shown = -math.inf
    for sample in samples:
        if sample is samples[-1] or sample.at - shown >= row_every - args.sample_every / 2:
            shown = sample.at
            print(
                f"| {sample.at / 60:.1f} min | {sample.rss_mb:.1f} MB | {sample.threads} | {sample.fds} | "
                f"{sample.received:,} | {sample.rate:.0f} | {ms(sample.e2e_p99)} | {ms(sample.apply_p99)} |"
            )
    print()
    print("| measure | start | end | change | goal | met |")
    print("|---|---:|---:|---:|---|---|")
    print(
        f"| RSS over the measured {args.minutes:g} min (after the {warmed_up / 60:.1f} min warm-up) | "
        f"{first.rss_mb:.1f} MB | {last.rss_mb:.1f} MB | {growth:+.1f} MB | ≤ {RSS_GOAL_MB:g} MB over the hour | "
        f"{'yes' if growth <= RSS_GOAL_MB else 'NO'} |"
    )
    print(
        f"| RSS from the first sample, while the bounded histories filled | {samples[0].rss_mb:.1f} MB | "
        f"{last.rss_mb:.1f} MB | {last.rss_mb - samples[0].rss_mb:+.1f} MB | – (bounded, filled once) | – |"
    )
    print(
        f"| threads | {first.threads} | {last.threads} | {thread_growth:+d} | no growth | "
        f"{'yes' if thread_growth <= 0 else 'NO'} |"
    )
    print(
        f"| open file descriptors | {first.fds} | {last.fds} | {last.fds - first.fds:+d} | no growth | "
        f"{'yes' if last.fds <= first.fds else 'NO'} |"
    )
    print(f"| p99 end-to-end latency (interval) | {ms(first.e2e_p99)} | {ms(last.e2e_p99)} | | | |")
    print(f"| p99 apply time (interval) | {ms(first.apply_p99)} | {ms(last.apply_p99)} | | | |")
    print()
    print(
        f"Received {counters.received:,} messages ({statistics.median(rates):.0f}/s median after the warm-up), "
        f"rejected {counters.rejected_total}, stale {counters.stale_dropped}; peak RSS "
        f"{max(s.rss_mb for s in samples):.1f} MB; worst interval p99 end-to-end "
        f"{ms(max((s.e2e_p99 for s in measured if s.e2e_p99 is not None), default=None))}. The game ids never "
        f"change (no new slates): the store holds {args.games} games throughout; each game's histories hold "
        f"{feed.store.history_per_game:,} points and were "
        + (f"full from {steady.at / 60:.1f} min on." if steady is not None else "not yet full at the end.")
        + (" A run shorter than the hour only smoke-tests the goals." if args.minutes < 60 else "")
    )
    print()
    print(f"Analyst API, called every {args.api_every:g} s (plus a snapshot and status every second):")
    print()
    print("| call | calls | p50 | max | errors |")
    print("|---|---:|---:|---:|---|")
    for name, seconds in api.seconds.items():
        count, error = api.errors.get(name, (0, ""))
        timing = f"{statistics.median(seconds) * 1000:.1f} ms | {max(seconds) * 1000:.1f} ms" if seconds else "– | –"
        print(f"| `{name}` | {len(seconds)} | {timing} | {f'{count}: {error}' if count else 0} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=60.0, help="how long to soak after the warm-up")
    parser.add_argument("--rate", type=float, default=200.0, help="messages a second from the server")
    parser.add_argument("--games", type=int, default=15, help="games in the stream (at most 15)")
    parser.add_argument(
        "--warmup-max",
        type=float,
        default=900.0,
        help="the warm-up lasts until every game's history is full, or this many seconds",
    )
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--api-every", type=float, default=5.0, help="seconds between analyst-API calls")
    parser.add_argument(
        "--table-every",
        type=float,
        default=None,
        help="seconds between rows of the printed table (default: a twelfth of the run)",
    )
    args = parser.parse_args()
    if args.minutes <= 0:
        parser.error("--minutes must be positive")

    context = multiprocessing.get_context("spawn")
    reader, writer = context.Pipe(duplex=False)
    stop = context.Event()
    server = context.Process(target=serve, args=(writer, stop, args.rate, args.games), name="soak-feed-server")
    server.start()
    try:
        if not reader.poll(30):
            raise RuntimeError("the server process did not start")
        url = f"ws://127.0.0.1:{reader.recv()}/ws/live"
        samples, warmed_up, api, feed = soak(args, url)
    finally:
        stop.set()
        server.join(15)
        if server.is_alive():
            server.terminate()
            server.join(5)
    report(args, samples, warmed_up, api, feed)


if __name__ == "__main__":
    main()
