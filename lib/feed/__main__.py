"""``python -m lib.feed``: the feed as a standalone server.

python -m lib.feed --host 127.0.0.1 --port 8080      # ws://127.0.0.1:8080/ws/live
python -m lib.feed --source nba                      # tonight's real games, from the NBA's live data
python -m lib.feed --source nba --nba-game 0022400913 --speed 10
python -m lib.feed --games-csv ../shared/data/nba_real_games.csv.gz --speed 48   # with nba_real_plays beside it
python -m lib.feed --replay night.jsonl --speed 2    # from when the first client connects
python -m lib.feed --source nba --archive season.duckdb   # and keep everything it serves
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from lib.feed.limits import FeedLimits
from lib.feed.server import KEEPALIVE_SECONDS, FeedHub, ServeOptions, create_app
from lib.feed.serving import FeedConfig, freeze_startup_objects
from lib.feed.sources import Source
from lib.feed.sources.games_csv import read_games_csv
from lib.feed.sources.nba import DEFAULT_BASE_URL, DEFAULT_POLL, MIN_POLL
from lib.feed.sources.nba.replay import NbaReplaySource, fetch_replay
from lib.feed.sources.nba.source import NbaSource
from lib.feed.sources.night import MAX_GAMES, NightSimulator
from lib.feed.sources.plays_csv import plays_file_for, read_plays_csv
from lib.feed.sources.recording import ReplaySource
from lib.protocol import REPLAY_SOURCES
from lib.recorder import read_recording
from lib.urls import redact_url

if TYPE_CHECKING:
    from types import FrameType

    from lib.archive import ServedArchive

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


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, got {text}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, got {text}")
    return value


def _games(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text}") from None
    if not 1 <= value <= MAX_GAMES:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_GAMES} (30 teams), got {text}")
    return value


def _poll(text: str) -> float:
    value = _positive(text)
    if value < MIN_POLL:
        raise argparse.ArgumentTypeError(
            f"must be at least {MIN_POLL:g} s (the NBA's files change every few seconds), got {text}"
        )
    return value


def _game_id(text: str) -> str:
    if not (len(text) == 10 and text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"must be a 10-digit NBA game id such as 0022400913, got {text}")
    return text


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
            "(the default), tonight's real games from the NBA's live data (--source nba), finished NBA games "
            "again (--source nba --nba-game), real games from a CSV (--games-csv), or a recording replayed "
            "frame for frame (--replay)."
        ),
    )
    parser.add_argument(
        "--source",
        choices=("demo", "nba"),
        default="demo",
        help="demo: a simulated night (default); nba: tonight's games from the NBA's live data, polled",
    )
    parser.add_argument(
        "--poll",
        type=_poll,
        default=None,
        metavar="SECONDS",
        help=f"--source nba: seconds between polls of the NBA's files (default: {DEFAULT_POLL:g}; "
        f"at least {MIN_POLL:g})",
    )
    parser.add_argument(
        "--nba-base-url",
        default=None,
        metavar="URL",
        help=f"--source nba: the live-data root, the CDN's paths beneath it (default: {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--nba-game",
        action="append",
        type=_game_id,
        metavar="GAME_ID",
        help="--source nba: replay this finished game (since 2019-20) as a live night, paced by its plays' real "
        "times and --speed; repeat for more games",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=8080, help="port to listen on (default: %(default)s)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--games-csv",
        metavar="FILE",
        type=_file,
        help="play the real games of this scoring-changes CSV (gzip or plain; docs/protocol.md) in slates, "
        "with live predictions from the teams' form in its earlier games, instead of simulated ones; when they "
        "run out the last finals stay. Their plays too, from the plays CSV beside it (nba_real_games.csv.gz: "
        "nba_real_plays.csv.gz) if there is one, or from --plays-csv",
    )
    what.add_argument(
        "--replay",
        metavar="FILE",
        type=_file,
        help="serve this recording (JSON Lines from lib.recorder; its rotated files first) with its original "
        "timing, each frame stamped with its time of sending, after checking every line; when it ends its final "
        "state stays",
    )
    parser.add_argument(
        "--plays-csv",
        metavar="FILE",
        type=_file,
        help="--games-csv: send the plays of its games from this plays CSV (docs/protocol.md) as the night reveals "
        "them (default: the plays CSV beside the games CSV, if there is one; none without)",
    )
    parser.add_argument(
        "--start-now",
        action="store_true",
        help="start a replay (--replay, --games-csv, --nba-game) at once; by default it starts when its first "
        "client connects, so that the first viewer sees the tip-off",
    )
    parser.add_argument(
        "--speed",
        type=_positive,
        default=None,
        help=f"simulated or CSV games: game seconds per real second (default: {DEFAULT_GAME_SPEED:g}); "
        f"--replay and --nba-game: how much faster than they happened, 2 = twice as fast "
        f"(default: {DEFAULT_REPLAY_SPEED:g})",
    )
    parser.add_argument(
        "--interval",
        type=_positive,
        default=5.0,
        help="seconds between pushes (default: %(default)s); a replay sends each frame when due",
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
    parser.add_argument(
        "--archive",
        metavar="FILE",
        type=Path,
        help="keep every game state, prediction and play served in this DuckDB archive (created if missing; "
        "docs/archive.md), as a client would keep them; one writer per file",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line; a usage error exits with status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.replay is not None and (args.games is not None or args.seed is not None):
        parser.error("--games and --seed shape a night; a replay has its own (drop them or --replay)")
    if args.plays_csv is not None and args.games_csv is None:
        parser.error("--plays-csv gives the plays of --games-csv's games: it needs --games-csv")
    nba_options = [name for name in ("poll", "nba_base_url", "nba_game") if getattr(args, name) is not None]
    if args.source != "nba" and nba_options:
        parser.error(f"--{nba_options[0].replace('_', '-')} is for --source nba")
    if args.source == "nba":
        others = [f"--{n.replace('_', '-')}" for n in ("games_csv", "replay", "games", "seed") if getattr(args, n)]
        if others:
            parser.error(f"{others[0]} shapes another source than --source nba")
        if args.nba_game is None and args.speed is not None:
            parser.error("--speed paces a replay: with --source nba it needs --nba-game")
        if args.nba_game is not None and args.poll is not None:
            parser.error("--poll is for tonight's games; a replay of finished games is paced by --speed")
    if args.start_now and not (args.replay or args.games_csv or args.nba_game):
        parser.error("--start-now starts a replay (--replay, --games-csv, --nba-game) before its first client")
    args.token = args.token or None  # an empty FEED_TOKEN or --token "" means no token, not an unsendable one
    return args


def build_source(args: argparse.Namespace) -> Source:
    """The source the arguments ask for; it starts at the server's first push (:func:`serve_options` says when).

    Raises:
        ValueError: If the file is not a valid games CSV or recording (the message names the file and
            line), the NBA base URL is not http(s), or a game to replay could not be fetched.
        OSError: If the file cannot be read.
    """
    if args.source == "nba":
        base_url = args.nba_base_url or DEFAULT_BASE_URL
        if args.nba_game is None:
            return NbaSource(base_url, poll=args.poll or DEFAULT_POLL)
        games, schedule = fetch_replay(base_url, args.nba_game)
        return NbaReplaySource(games, speed=args.speed or DEFAULT_REPLAY_SPEED, schedule=schedule)
    if args.replay is not None:
        # Read whole once first (frame by frame, in constant memory), so that a bad line anywhere
        # stops the command here rather than the replay halfway through.
        for _ in read_recording(args.replay):
            pass
        return ReplaySource(read_recording(args.replay), speed=args.speed or DEFAULT_REPLAY_SPEED)
    flows = plays = None
    if args.games_csv is not None:
        flows = read_games_csv(args.games_csv)
        if not flows:
            raise ValueError(f"{args.games_csv} holds no games")
        plays_csv = plays_file(args)
        # Read whole first, as the games are, so that a bad row stops the command rather than the night.
        plays = None if plays_csv is None else read_plays_csv(plays_csv, flows)
    return NightSimulator(
        games=args.games or DEFAULT_GAMES,
        seed=args.seed,
        speed=args.speed or DEFAULT_GAME_SPEED,
        flows=flows,
        plays=plays,
    )


def plays_file(args: argparse.Namespace) -> Path | None:
    """The plays CSV of ``--games-csv``'s games: ``--plays-csv``, else the one beside the games CSV if it is there."""
    if args.plays_csv is not None:
        return Path(args.plays_csv)
    beside = plays_file_for(args.games_csv)
    return beside if beside.is_file() else None


def serve_options(args: argparse.Namespace, source: Source, limits: FeedLimits) -> ServeOptions:
    """How the server serves ``source``: a replay waits for its first client unless ``--start-now``."""
    interval = (args.poll or DEFAULT_POLL) if isinstance(source, NbaSource) else args.interval
    wait = source.name in REPLAY_SOURCES and not args.start_now
    return ServeOptions(interval=interval, token=args.token, limits=limits, wait_for_client=wait)


def _describe(args: argparse.Namespace) -> str:
    if args.source == "nba":
        base_url = args.nba_base_url or DEFAULT_BASE_URL
        if args.nba_game is not None:
            return f"NBA games {', '.join(args.nba_game)} replayed at speed {args.speed or DEFAULT_REPLAY_SPEED:g}"
        return f"tonight's NBA games from {redact_url(base_url)} (a poll every {args.poll or DEFAULT_POLL:g} s)"
    if args.replay is not None:
        return f"replaying {args.replay} at speed {args.speed or DEFAULT_REPLAY_SPEED:g}"
    games = f"{args.games or DEFAULT_GAMES} games a slate, speed {args.speed or DEFAULT_GAME_SPEED:g}"
    if args.games_csv is None:
        return f"simulated games ({games}, a push every {args.interval:g} s)"
    plays_csv = plays_file(args)
    plays = (
        f"no plays (no --plays-csv, and no {plays_file_for(args.games_csv)} beside it)"
        if plays_csv is None
        else f"their plays from {plays_csv}"
    )
    return f"the real games of {args.games_csv} ({games}, a push every {args.interval:g} s), {plays}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the feed server until interrupted; a bad command line, input file or archive exits with status 2."""
    args = parse_args(argv)
    try:
        source = build_source(args)
    except (OSError, ValueError) as error:
        return _failed(str(error))
    served: ServedArchive | None = None
    if args.archive is not None:
        # Only a server that keeps an archive loads DuckDB.
        from lib.archive import ArchiveError, ServedArchive  # noqa: PLC0415

        try:
            served = ServedArchive(args.archive, source=source.name)
        except ArchiveError as error:
            return _failed(str(error))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    limits = FeedLimits()
    options = serve_options(args, source, limits)
    app = create_app(source, options, FeedHub(archive=None if served is None else served.offer))
    token = ", token required" if args.token else ""
    archive = "" if args.archive is None else f", kept in the archive {args.archive}"
    waits = ", from when the first client connects" if options.wait_for_client else ""
    logger.info("serving ws://%s:%d/ws/live: %s%s%s%s", args.host, args.port, _describe(args), waits, token, archive)
    freeze_startup_objects()
    config = FeedConfig(app, limits=limits, host=args.host, port=args.port, keepalive=KEEPALIVE_SECONDS)
    # uvicorn shuts down cleanly on Ctrl-C or SIGTERM and then raises the signal again, with the
    # handler it found: SIGTERM's default would end the process before the archive is closed.
    signal.signal(signal.SIGTERM, _stop_as_ctrl_c)
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how one stops a server
            uvicorn.Server(config).run()
    finally:
        if served is not None:  # the source has stopped: nothing more is published
            served.close()
    return 0


def _stop_as_ctrl_c(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _failed(message: str) -> int:
    print(f"python -m lib.feed: error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
