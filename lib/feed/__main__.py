"""``python -m lib.feed``: the demo feed as a standalone server (the seed's backend).

python -m lib.feed --host 127.0.0.1 --port 8080      # ws://127.0.0.1:8080/ws/live
python -m lib.feed --games-csv ../shared/data/nba_real_games.csv.gz --speed 48
python -m lib.feed --replay night.jsonl --speed 2
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence

import uvicorn

from lib.feed.games_csv import read_games_csv
from lib.feed.limits import FeedLimits
from lib.feed.replay import ReplaySource
from lib.feed.server import KEEPALIVE_SECONDS, FeedOptions, Source, create_app
from lib.feed.serving import FeedConfig, freeze_startup_objects
from lib.feed.simulator import MAX_GAMES, NightSimulator
from lib.recorder import read_recording

logger = logging.getLogger("lib.feed")

DEFAULT_GAMES = 8
DEFAULT_GAME_SPEED = 24.0
DEFAULT_REPLAY_SPEED = 1.0


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _games(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text}") from None
    if not 1 <= value <= MAX_GAMES:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_GAMES} (30 teams), got {text}")
    return value


def _file(text: str) -> str:
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The command line of the feed server."""
    parser = argparse.ArgumentParser(
        prog="python -m lib.feed",
        description=(
            "Serve an NBA night with live win predictions over a WebSocket at /ws/live: a simulated one "
            "(the default), real games from a CSV (--games-csv), or a recording replayed frame for frame "
            "(--replay)."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: %(default)s)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--games-csv",
        metavar="FILE",
        type=_file,
        help="play the real games of this scoring-changes CSV (gzip or plain; docs/protocol.md) in slates, "
        "with live predictions, instead of simulated ones; when they run out the last finals stay",
    )
    what.add_argument(
        "--replay",
        metavar="FILE",
        type=_file,
        help="serve this recording (JSON Lines from lib.recorder; its rotated files first) byte for byte with "
        "its original timing, after checking every line; when it ends its final state stays",
    )
    parser.add_argument(
        "--speed",
        type=_positive,
        default=None,
        help=f"simulated or CSV games: game seconds per real second (default: {DEFAULT_GAME_SPEED:g}); "
        f"--replay: how much faster than recorded, 2 = twice as fast (default: {DEFAULT_REPLAY_SPEED:g})",
    )
    parser.add_argument(
        "--interval",
        type=_positive,
        default=5.0,
        help="seconds between pushes (default: %(default)s, as the seed); a replay sends each frame when due",
    )
    parser.add_argument(
        "--games", type=_games, default=None, help=f"games per slate (default: {DEFAULT_GAMES}); not with --replay"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed, for a reproducible night (and game ids); not with --replay"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("FEED_TOKEN"),
        help="require 'Authorization: Bearer <token>' from clients (default: $FEED_TOKEN, if set); empty: no token",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line; a usage error exits with status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.replay is not None and (args.games is not None or args.seed is not None):
        parser.error("--games and --seed shape a night; a replay has its own (drop them or --replay)")
    args.token = args.token or None  # an empty FEED_TOKEN or --token "" means no token, not an unsendable one
    return args


def build_source(args: argparse.Namespace) -> Source:
    """The source the arguments ask for: a night starts now, a replay at the server's first push.

    Raises:
        ValueError: If the file is not a valid games CSV or recording; the message names the file and line.
        OSError: If the file cannot be read.
    """
    if args.replay is not None:
        # Read whole once first (frame by frame, in constant memory), so that a bad line anywhere
        # stops the command here rather than the replay halfway through.
        for _ in read_recording(args.replay):
            pass
        return ReplaySource(read_recording(args.replay), speed=args.speed or DEFAULT_REPLAY_SPEED)
    flows = None
    if args.games_csv is not None:
        flows = read_games_csv(args.games_csv)
        if not flows:
            raise ValueError(f"{args.games_csv} holds no games")
    return NightSimulator(
        games=args.games or DEFAULT_GAMES,
        seed=args.seed,
        speed=args.speed or DEFAULT_GAME_SPEED,
        start=time.time(),
        flows=flows,
    )


def _describe(args: argparse.Namespace) -> str:
    if args.replay is not None:
        return f"replaying {args.replay} at speed {args.speed or DEFAULT_REPLAY_SPEED:g}"
    games = f"{args.games or DEFAULT_GAMES} games a slate, speed {args.speed or DEFAULT_GAME_SPEED:g}"
    what = "simulated games" if args.games_csv is None else f"the real games of {args.games_csv}"
    return f"{what} ({games}, a push every {args.interval:g} s)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the feed server until interrupted; a bad command line or input file exits with status 2."""
    args = parse_args(argv)
    try:
        source = build_source(args)
    except (OSError, ValueError) as error:
        print(f"python -m lib.feed: error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    limits = FeedLimits()
    app = create_app(source, FeedOptions(interval=args.interval, token=args.token, limits=limits))
    token = ", token required" if args.token else ""
    logger.info("serving ws://%s:%d/ws/live: %s%s", args.host, args.port, _describe(args), token)
    freeze_startup_objects()
    uvicorn.Server(FeedConfig(app, limits=limits, host=args.host, port=args.port, keepalive=KEEPALIVE_SECONDS)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
