"""What serving the real games costs at startup: the time and memory of ``--games-csv`` with and without its plays.

Each run is a fresh process doing what ``python -m lib.feed --games-csv ... --port 0`` does before it
listens: :func:`lib.feed.__main__.build_source` (reading the games CSV and, beside it, the plays
CSV, all checked; the night built on them), then the night's first ``advance`` (the first slate of
``--games`` games laid out, their plays with it). Without plays, the games CSV is read through a
link in a temporary folder, with no plays CSV beside it. Each process reports the seconds of each
step, its resident memory after the imports, once started (after a garbage collection) and at its
peak (``ru_maxrss``); the plays' share is the difference between the two sources.

Run: ``python bench/games_csv.py [--csv ../shared/data/nba_real_games.csv.gz] [--games 15] [--runs 3]``.
Goal: the plays held in under 150 MB, and a startup no slower than before.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import resource
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil

from bench.common import command, machine
from lib.feed.__main__ import build_source, parse_args

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "nba_real_games.csv.gz"
MB = 1024 * 1024


def start(out: Connection, argv: list[str]) -> None:
    """In a fresh process: build the source as the CLI does and advance it once; send the costs."""
    process = psutil.Process()
    imported = process.memory_info().rss
    started = time.perf_counter()
    source = build_source(parse_args(argv))
    built = time.perf_counter()
    messages = source.advance(time.time())
    advanced = time.perf_counter()
    gc.collect()
    steady = process.memory_info().rss
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    out.send((built - started, advanced - built, len(messages), imported, steady, peak))


def run(argv: list[str]) -> tuple[float, float, int, int, int, int]:
    """One fresh process's costs for the command line ``argv``."""
    context = multiprocessing.get_context("spawn")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=start, args=(writer, argv))
    process.start()
    try:
        result: tuple[float, float, int, int, int, int] = reader.recv()
    finally:
        process.join(60)
    return result


def main() -> None:
    """Time each source ``--runs`` times, alternating, and print the medians as a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--games", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    options = ["--port", "0", "--games", str(args.games)]
    with tempfile.TemporaryDirectory() as folder:
        alone = Path(folder) / args.csv.name
        alone.symlink_to(args.csv.resolve())
        sources = {
            "without plays": ["--games-csv", str(alone), *options],
            "with plays": ["--games-csv", str(args.csv), *options],
        }
        results: dict[str, list[tuple[float, float, int, int, int, int]]] = {name: [] for name in sources}
        for _ in range(args.runs):
            for name, argv in sources.items():
                results[name].append(run(argv))
    medians = {
        name: [sorted(column)[len(column) // 2] for column in zip(*rows, strict=True)] for name, rows in results.items()
    }

    print(f"# games CSV: startup time and memory with and without plays ({args.runs} fresh processes each, medians)")
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print("| source | build_source | first advance (messages) | RSS after imports | RSS started | RSS peak |")
    print("|---|---|---|---|---|---|")
    for name, (build, advance, messages, imported, steady, peak) in medians.items():
        print(
            f"| {name} | {build:.2f} s | {advance:.2f} s ({messages:,.0f}) | {imported / MB:.0f} MB | "
            f"{steady / MB:.0f} MB | {peak / MB:.0f} MB |"
        )
    without, with_plays = medians["without plays"], medians["with plays"]
    print()
    print(
        f"The plays: **+{(with_plays[4] - without[4]) / MB:.0f} MB** started, "
        f"+{(with_plays[5] - without[5]) / MB:.0f} MB at the peak, **+{with_plays[0] - without[0]:.2f} s** to build "
        "(goal: under 150 MB, no slower than before)."
    )


if __name__ == "__main__":
    main()
