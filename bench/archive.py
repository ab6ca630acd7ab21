"""The archive's costs: ``offer()`` on the caller's thread, the rows a second the writer sustains, a season's import.

* ``offer()``: the client thread's only cost of archiving. ``--frames`` accepted frames of a
  simulated night (game states and predictions, as the store applies them) are offered at
  ``--rate`` a second (in bursts of 100, a hundred times a busy night's pace by default) while
  the writer's thread writes its batches every 0.5 s, each call timed with ``perf_counter_ns``
  (the timer's own cost, measured on an empty call, is given beside it). Compared with the
  store's apply time, measured by the same run (the store's loop, below).
* Writer throughput: the same frames offered at once, so that one batch takes them all, into an
  empty archive, then into the same archive again, now holding them (every row a duplicate, as a
  replayed night); the batch timed by the writer, from opening the file to closing it.
* A season's import: ``python -m lib.archive import`` of the real games CSV (``--csv``, 632
  games) into a new archive, timed; the file's size; then ``scorecard()`` over it, timed, and again (as the
  page reads it every 30 s: the baselines of the table by phase are then remembered).
* Live batches into that season's archive: 200 frames a second for 10 s (a busy night); the
  slowest batch, open to close, is what a crash can lose beyond the batch interval.
* The store's own loop with the archive on and off: the same frames ``Store.ingest``-ed as fast
  as one thread can, each applied one offered to a writer (on) or not (off); three runs each,
  alternating, the medians compared, and the store's apply time p50 / p99 with the archive on. The whole
  client path (``bench/ingest.py``) adds the socket and framing around this loop.

Run: ``python bench/archive.py [--frames 200000] [--rate 20000] [--csv ../shared/data/nba_real_games.csv.gz]``.
Goal: ``offer()`` far under the store's apply time: p99 at most half the store's apply p50.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import command, machine, percentile
from harness.waiting import wait_for
from lib.archive import ArchiveWriter, scorecard
from lib.archive.backfill import import_frames
from lib.archive.sources import games_csv_frames
from lib.feed.sources.night import NightSimulator
from lib.protocol import encode
from lib.store import Store

BURST = 100
LIVE_RATE = 200
DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "nba_real_games.csv.gz"


def night(count: int) -> list[tuple[bytes, float]]:
    """``count`` frames a store applied from a fast simulated night (15 games a slate), with receive times."""
    simulator = NightSimulator(games=15, seed=3, speed=2000.0, start=0.0)
    store = Store(max_games=10_000, history_per_game=1)
    accepted: list[tuple[bytes, float]] = []
    now = 0.0
    while len(accepted) < count:
        now += 0.5
        for message in simulator.advance(now):
            frame = encode(message.model_copy(update={"ts": 1.8e9 + now})).encode()
            if store.ingest(frame, received_at=1.8e9 + now).status == "applied":
                accepted.append((frame, 1.8e9 + now))
    return accepted[:count]


def paced(frames: list[tuple[bytes, float]], rate: float) -> Iterator[list[tuple[bytes, float]]]:
    """The frames in bursts of 100, each burst when it is due at ``rate`` frames a second."""
    started = time.perf_counter()
    for first in range(0, len(frames), BURST):
        time.sleep(max(0.0, started + first / rate - time.perf_counter()))
        yield frames[first : first + BURST]


def time_offers(path: Path, frames: list[tuple[bytes, float]], rate: float) -> tuple[list[float], float, int]:
    """Each ``offer()`` in µs while the writer writes, the timer's own cost in µs, and the batches written meanwhile."""
    clock = time.perf_counter_ns
    empty = []
    for _ in range(len(frames)):
        started = clock()
        empty.append(clock() - started)
    costs = []
    with ArchiveWriter(path, source="bench") as writer:
        for burst in paced(frames, rate):
            for frame, received_at in burst:
                started = clock()
                writer.offer(frame, received_at)
                costs.append(clock() - started)
        batches = writer.stats.batches
    return [ns / 1000 for ns in costs], percentile([ns / 1000 for ns in empty], 50), batches


def live_batches(path: Path, frames: list[tuple[bytes, float]]) -> tuple[int, float]:
    """Batches written and the slowest, in seconds, offering 200 frames a second for 10 s into ``path``."""
    with ArchiveWriter(path, source="bench-live") as writer:
        for burst in paced(frames[: 10 * LIVE_RATE], LIVE_RATE):
            for frame, received_at in burst:
                writer.offer(frame, received_at)
    return writer.stats.batches, writer.stats.longest_write


def time_writes(path: Path, frames: list[tuple[bytes, float]]) -> tuple[float, int]:
    """Seconds the writer took for ``frames`` offered at once (one batch: open, file, commit, close); new rows."""
    with ArchiveWriter(path, source="bench", capacity=len(frames) + 1) as writer:
        for frame, received_at in frames:
            writer.offer(frame, received_at)
        wait_for(lambda: writer.stats.written + writer.stats.duplicates >= len(frames), timeout=600, what="writes")
        stats = writer.stats
    assert stats.batches == 1, "the frames were offered within one batch interval"
    return stats.longest_write, stats.written


def ingest(frames: list[tuple[bytes, float]], folder: Path | None) -> tuple[float, float, float]:
    """Frames a second through ``Store.ingest``, offering each applied one to a writer into ``folder`` if given;
    and the store's apply time p50 and p99 in µs."""
    store = Store(max_games=10_000)
    writer = None if folder is None else ArchiveWriter(folder / f"ingest-{time.monotonic_ns()}.duckdb", source="bench")
    started = time.perf_counter()
    for frame, received_at in frames:
        if store.ingest(frame, received_at=received_at).status == "applied" and writer is not None:
            writer.offer(frame, received_at)
    took = time.perf_counter() - started
    if writer is not None:
        writer.close()
    applies = [sample.apply_ms * 1000 for sample in store.snapshot().latency]
    return len(frames) / took, percentile(applies, 50), percentile(applies, 99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=20_000.0)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    args = parser.parse_args()
    frames = night(args.frames)
    with tempfile.TemporaryDirectory() as folder:
        costs, timer, offer_batches = time_offers(Path(folder) / "offer.duckdb", frames, args.rate)
        first = time_writes(Path(folder) / "rows.duckdb", frames)
        again = time_writes(Path(folder) / "rows.duckdb", frames)
        season = Path(folder) / "season.duckdb"
        started = time.perf_counter()
        imported = import_frames(season, games_csv_frames(args.csv), f"import:{args.csv.name}")
        import_seconds = time.perf_counter() - started
        size = season.stat().st_size
        scorecard_seconds = []
        for _ in range(2):
            started = time.perf_counter()
            card = scorecard(season)
            scorecard_seconds.append(time.perf_counter() - started)
        live_count, slowest = live_batches(season, frames)
        runs = [(ingest(frames, None), ingest(frames, Path(folder))) for _ in range(3)]
        off = sorted((run[0] for run in runs), key=lambda result: result[0])[1]
        on = sorted((run[1] for run in runs), key=lambda result: result[0])[1]

    p50, p99 = percentile(costs, 50), percentile(costs, 99)
    goal = off[1] / 2  # far under the store's apply time: at most half its p50
    print(f"# archive: offer(), writer throughput and a season's import ({args.frames:,} frames)")
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print("| measure | result | goal | met |")
    print("|---|---|---|---|")
    print(
        f"| `offer()` on the caller's thread at {args.rate:,.0f} frames/s, p50 / p99 / max, while "
        f"{offer_batches} batches were written "
        f"(timer's own cost {timer:.2f} µs included) | **{p50:.2f} µs / {p99:.2f} µs** / {max(costs):.1f} µs | "
        f"p99 ≤ {goal:.1f} µs, half the store's apply p50 ({off[1]:.1f} µs, below) | "
        f"{'yes' if p99 <= goal else '**no**'} |"
    )
    for label, (took, written) in (("into an empty archive", first), ("the same night again", again)):
        print(
            f"| writer, {len(frames):,} frames {label}, one batch (open, parse and file, commit, close) | "
            f"**{len(frames) / took:,.0f} frames/s** ({took:.2f} s, {written:,} new rows) | — | — |"
        )
    print(
        f"| import of {args.csv.name} ({imported.frames:,} frames, {card.overall['games'].iloc[0]} games) "
        "into a new archive | "
        f"**{import_seconds:.1f} s**, {imported.new_rows:,} rows, file **{size / 2**20:.1f} MiB** | — | — |"
    )
    print(
        f"| `scorecard()` over that archive ({card.overall['predictions'].iloc[0]:,} predictions) | "
        f"**{scorecard_seconds[0]:.2f} s**, read again {scorecard_seconds[1]:.2f} s | — | — |"
    )
    print(
        f"| live batches into that archive, {LIVE_RATE} frames/s for 10 s: slowest batch, open to close "
        f"({live_count} batches) | **{slowest * 1000:.0f} ms** | — | — |"
    )

    print(
        f"| the store's loop, {len(frames):,} frames, archive on against off (median of 3) | "
        f"**{on[0]:,.0f} vs {off[0]:,.0f} frames/s = {on[0] / off[0]:.2f}**; apply p50 / p99 with the archive on "
        f"{on[1]:.1f} µs / {on[2]:.1f} µs (off: {off[1]:.1f} / {off[2]:.1f}) | — | — |"
    )


if __name__ == "__main__":
    main()
