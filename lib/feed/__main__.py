"""``python -m lib.feed``: the demo feed as a standalone server (the seed's backend).

    python -m lib.feed --host 127.0.0.1 --port 8080      # ws://127.0.0.1:8080/ws/live
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence

import uvicorn

from lib.feed.server import FeedOptions, create_app
from lib.feed.simulator import NightSimulator

logger = logging.getLogger("lib.feed")


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _games(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 15:
        raise argparse.ArgumentTypeError(f"must be between 1 and 15 (30 teams), got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line of the feed server."""
    parser = argparse.ArgumentParser(
        prog="python -m lib.feed",
        description="Serve a simulated NBA night with live win predictions over a WebSocket at /ws/live.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=None, help="random seed, for a reproducible night")
    parser.add_argument(
        "--speed", type=_positive, default=24.0, help="game seconds per real second (default: %(default)s)"
    )
    parser.add_argument(
        "--interval", type=_positive, default=5.0, help="seconds between pushes (default: %(default)s, as the seed)"
    )
    parser.add_argument("--games", type=_games, default=8, help="games per slate (default: %(default)s)")
    parser.add_argument(
        "--token",
        default=os.environ.get("FEED_TOKEN"),
        help="require 'Authorization: Bearer <token>' from clients (default: $FEED_TOKEN, if set)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the feed server until interrupted."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    source = NightSimulator(games=args.games, seed=args.seed, speed=args.speed, start=time.time())
    app = create_app(source, FeedOptions(interval=args.interval, token=args.token))
    logger.info(
        "serving ws://%s:%d/ws/live (%d games a slate, speed %g, a push every %g s%s)",
        args.host, args.port, args.games, args.speed, args.interval, ", token required" if args.token else "",
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", ws_ping_interval=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
