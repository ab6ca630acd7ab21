"""``python -m lib.archive import``: past nights into an archive, from recordings, real-games CSVs or NBA game ids.

python -m lib.archive import recordings/night-20261126-201500.jsonl
python -m lib.archive import ../shared/data/nba_real_games.csv.gz --archive season.duckdb
python -m lib.archive import ../shared/data/nba_real_plays.csv.gz   # its games' every play, nba_real_games beside it
python -m lib.archive import --nba-game 0022400913 --nba-game 0022400914

Exit status: 0 when every input was imported; 2 for a bad command line or a bad input (named,
and nothing of it added; inputs before it stay imported), a CSV of games the archive holds from
another source included; 1 when the archive cannot be written.
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Final

from lib.archive.backfill import ImportResult, import_frames
from lib.archive.connection import CSV_ENDINGS, RECORDING_ENDING, not_an_archive_name
from lib.archive.errors import ArchiveError
from lib.archive.sources import games_csv_frames, nba_game_frames, plays_csv_frames, recording_frames
from lib.feed.sources.nba import DEFAULT_BASE_URL
from lib.feed.sources.plays_csv import is_plays_csv
from lib.recorder import RecordedFrame

DEFAULT_ARCHIVE: Final = "nba.duckdb"


def build_parser() -> argparse.ArgumentParser:
    """The archive's command line."""
    parser = argparse.ArgumentParser(prog="python -m lib.archive", description="Work with an archive of NBA nights.")
    commands = parser.add_subparsers(dest="command", required=True)
    importing = commands.add_parser(
        "import",
        help="add past nights to an archive",
        description=(
            "Add past nights to an archive, as a client of their feed would have received them: recordings "
            "(.jsonl, rotated files included), real-games CSVs (.csv or .csv.gz, played with the demo's model), "
            "plays CSVs (told by their header; every play of their games, with the games CSV beside them) "
            "and finished NBA games by id (replayed through the live bridge). Importing a night twice adds nothing."
        ),
    )
    importing.add_argument(
        "files", nargs="*", metavar="FILE", help="recordings (.jsonl), games and plays CSVs (.csv, .csv.gz)"
    )
    importing.add_argument(
        "--archive", default=DEFAULT_ARCHIVE, help="the archive file, created if missing (default: %(default)s)"
    )
    importing.add_argument(
        "--nba-game",
        action="append",
        default=[],
        metavar="GAME_ID",
        help="a finished NBA game (since 2019-20) to import, e.g. 0022400913; repeat for more",
    )
    importing.add_argument(
        "--nba-base-url",
        default=DEFAULT_BASE_URL,
        metavar="URL",
        help="the NBA's live-data root (default: %(default)s)",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line; a usage error exits with status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.files and not args.nba_game:
        parser.error("import needs a FILE or an --nba-game")
    misnamed = not_an_archive_name(args.archive)
    if misnamed is not None:
        parser.error(misnamed)
    for name in args.files:
        if _reader(Path(name)) is None:
            parser.error(f"{name}: not a recording (.jsonl) or a games CSV (.csv, .csv.gz)")
        if not Path(name).is_file():
            parser.error(f"no such file: {name}")
    for game_id in args.nba_game:
        if not (len(game_id) == 10 and game_id.isascii() and game_id.isdigit()):
            parser.error(f"--nba-game must be a 10-digit NBA game id such as 0022400913, got {game_id}")
    return args


def _reader(path: Path) -> Callable[[Path], Iterable[RecordedFrame]] | None:
    """What reads a file, by how its name ends: recordings are ``.jsonl``, CSVs ``.csv`` or ``.csv.gz``, a plays
    CSV told from a games CSV by its header (a file that cannot be read is left to the games CSV's reader, whose
    error names its line)."""
    if path.name.endswith(RECORDING_ENDING):
        return recording_frames
    if path.name.endswith(CSV_ENDINGS):
        try:
            return plays_csv_frames if is_plays_csv(path) else games_csv_frames
        except (OSError, ValueError):
            return games_csv_frames
    return None


def _report(what: str, result: ImportResult, archive: str) -> str:
    refused = f"; {result.refused:,} refused by the archive (first: {result.refusals[0]})" if result.refusals else ""
    return (
        f"{what}: {result.frames:,} frames, {result.applied:,} applied, {result.rejected:,} rejected; "
        f"{result.new_rows:,} rows new to {archive}, {result.known_rows:,} already there{refused}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Import every input in order; see the module's docstring for the exit status."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # A CSV's games are told by the project's model, their own telling: never mixed with another source's.
    imports: list[tuple[str, str, Callable[[], Iterable[RecordedFrame]], bool]] = []
    for name in args.files:
        path = Path(name)
        reader = _reader(path)
        assert reader is not None  # parse_args refused any other
        imports.append((name, f"import:{path.name}", functools.partial(reader, path), reader is not recording_frames))
    if args.nba_game:
        games = functools.partial(nba_game_frames, args.nba_game, args.nba_base_url)
        imports.append((f"NBA games {', '.join(args.nba_game)}", "import:nba", games, False))
    for what, source, read, sole_source in imports:
        try:
            frames = read()
            result = import_frames(args.archive, frames, source, sole_source=sole_source)
        except ArchiveError as error:
            print(f"python -m lib.archive: error: {error}", file=sys.stderr)
            return 1
        except (OSError, ValueError) as error:
            named = str(error) if str(error).startswith(what) else f"{what}: {error}"  # a reader names its file
            print(f"python -m lib.archive: error: {named}; nothing of it was imported", file=sys.stderr)
            return 2
        print(_report(what, result, args.archive))
    return 0


if __name__ == "__main__":
    sys.exit(main())
