"""Reading an archive on a read-only connection: any SQL as a DataFrame, or the store's records of its games.

Each call opens the file read-only, checks its schema version, reads, and closes it, so any
number of readers in any number of processes take turns with the one writer's batches (see
:mod:`lib.archive.connection`). A call waits up to ``timeout`` seconds for a batch being written.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeVar

import pandas as pd
from pydantic import ValidationError

from lib.analytics.plays import GameWpa
from lib.analytics.report import Histories
from lib.archive import records
from lib.archive.connection import opened
from lib.archive.errors import ArchiveCorruptError
from lib.archive.schema import OUT_OF_RANGE_SQL, check, plays_in_order
from lib.frames import ScorecardFrames, scorecard_frames
from lib.store import GameRecord, PlayRecord

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 10.0
"""Seconds a read waits for the file: a batch takes milliseconds, an import of a season some seconds."""

_T = TypeVar("_T")

_FINISHED: Final = "WHERE game_id IN (SELECT game_id FROM finished_games)"
_CHOSEN: Final = "WHERE list_contains($ids, game_id)"


def query(
    path: str | os.PathLike[str],
    sql: str,
    parameters: Sequence[Any] | dict[str, Any] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> pd.DataFrame:
    """Run SQL on the archive, read-only, and return the result; times are UTC.

    Example:
        >>> query("nba.duckdb", "SELECT * FROM finished_games ORDER BY excitement DESC LIMIT 5")

    Args:
        path: The archive.
        sql: The statement (the last one's result is returned); ``?`` or ``$name`` for parameters.
        parameters: Their values.
        timeout: Seconds to wait while a writer has the file.

    Raises:
        ArchiveError: The file is missing, busy for longer than ``timeout``, not an archive of
            this version, or the SQL failed; the message names the file and says why.
    """
    resolved = Path(path).resolve()
    with opened(resolved, read_only=True, timeout=timeout) as connection:
        check(connection, resolved)
        return connection.execute(sql, parameters).df()


def games(path: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, GameRecord]:
    """Every archived game's latest state as the store's record, in the order they last changed.

    Raises:
        ArchiveError: As :func:`query`.
    """
    (game_rows,) = _read(path, [records.GAMES_SQL.format(where="")], {}, timeout)
    return _converted(path, lambda: {row[0]: records.game_record(row) for row in game_rows})


def game_histories(
    path: str | os.PathLike[str], game_ids: Iterable[str] | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> Histories:
    """Score and prediction histories of the chosen archived games (all by default), as the store keeps them.

    Raises:
        ArchiveError: As :func:`query`.
    """
    where, parameters = ("", {}) if game_ids is None else (_CHOSEN, {"ids": list(game_ids)})
    history_rows, prediction_rows = _read(
        path,
        [records.HISTORY_SQL.format(where=where), records.PREDICTIONS_SQL.format(where=where)],
        parameters,
        timeout,
    )
    return records.histories(history_rows, prediction_rows)


def game_plays(
    path: str | os.PathLike[str], game_ids: Iterable[str] | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, list[PlayRecord]]:
    """The chosen archived games' plays (all by default) in game order, as the store keeps them.

    Raises:
        ArchiveError: As :func:`query`.
    """
    where, parameters = ("", {}) if game_ids is None else (_CHOSEN, {"ids": list(game_ids)})
    (play_rows,) = _read(path, [records.PLAYS_SQL.format(plays=plays_in_order(where))], parameters, timeout)
    return records.plays_by_game(play_rows)


class GameAccounts(NamedTuple):
    """Archived games whole: their latest states, score and prediction histories, and plays."""

    games: dict[str, GameRecord]
    histories: Histories
    plays: dict[str, list[PlayRecord]]


def game_accounts(
    path: str | os.PathLike[str], game_ids: Iterable[str], *, timeout: float = DEFAULT_TIMEOUT
) -> GameAccounts:
    """The chosen archived games' states, histories and plays, read in one view of the file.

    What :func:`games`, :func:`game_histories` and :func:`game_plays` give of them, on one
    connection: a batch written between three calls could make a game's plays run past its state.

    Raises:
        ArchiveError: As :func:`query`.
    """
    parameters = {"ids": list(game_ids)}
    game_rows, history_rows, prediction_rows, play_rows = _read(
        path,
        [
            records.GAMES_SQL.format(where=_CHOSEN),
            records.HISTORY_SQL.format(where=_CHOSEN),
            records.PREDICTIONS_SQL.format(where=_CHOSEN),
            records.PLAYS_SQL.format(plays=plays_in_order(_CHOSEN)),
        ],
        parameters,
        timeout,
    )
    return _converted(
        path,
        lambda: GameAccounts(
            {row[0]: records.game_record(row) for row in game_rows},
            records.histories(history_rows, prediction_rows),
            records.plays_by_game(play_rows),
        ),
    )


def game_wpas(
    path: str | os.PathLike[str], game_ids: Iterable[str] | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, GameWpa]:
    """The chosen archived games' plays (all by default) with their win probability added, and their players'
    and teams', as a live session works them out (``LiveFeed.game_wpa``); games without plays are left out.

    Raises:
        ArchiveError: As :func:`query`.
    """
    where, parameters = ("", {}) if game_ids is None else (_CHOSEN, {"ids": list(game_ids)})
    game_rows, play_rows = _read(
        path,
        [records.GAMES_SQL.format(where=where), records.PLAYS_SQL.format(plays=plays_in_order(where))],
        parameters,
        timeout,
    )
    return _converted(
        path, lambda: records.game_wpas({row[0]: records.game_record(row) for row in game_rows}, play_rows)
    )


def scorecard(
    path: str | os.PathLike[str],
    buckets: int = 10,
    *,
    include_partial: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> ScorecardFrames:
    """The prediction scorecard over every finished game in the archive, as a live session scores its own.

    The same tables as ``LiveFeed.scorecard()``: ``games``, ``overall``, ``calibration``, ``phases`` and ``enough``;
    games first seen after their tip-off are listed but left out of the overall figures unless
    ``include_partial``.

    Raises:
        ArchiveError: As :func:`query`.
    """
    game_rows, prediction_rows = _read(
        path,
        [records.GAMES_SQL.format(where=_FINISHED), records.PREDICTIONS_SQL.format(where=_FINISHED)],
        {},
        timeout,
    )
    card = _converted(
        path, lambda: records.scorecard(game_rows, prediction_rows, buckets, include_partial=include_partial)
    )
    return scorecard_frames(card)


_out_of_range: dict[Path, int] = {}
"""The rows out of range last reported per file, so that a page reading every 30 s says it once."""


def _read(
    path: str | os.PathLike[str], statements: list[str], parameters: dict[str, Any], timeout: float
) -> list[list[tuple[Any, ...]]]:
    """Each statement's rows, read on one connection (one view of the file).

    Rows with a time outside the protocol's range (in a file written before it bounded them) are
    read with that time NULL, or left out (see :data:`lib.archive.schema.GAME_ROWS`); their number
    goes to the log whenever it changes.
    """
    resolved = Path(path).resolve()
    with opened(resolved, read_only=True, timeout=timeout) as connection:
        check(connection, resolved)
        results = [connection.execute(sql, parameters or None).fetchall() for sql in statements]
        ((out_of_range,),) = connection.execute(OUT_OF_RANGE_SQL).fetchall()
    if out_of_range and _out_of_range.get(resolved) != out_of_range:
        logger.warning(
            "%s: %d rows hold a time outside the protocol's range (written before it was bounded); "
            "read with that time as NULL, or left out when it is the receive time",
            resolved,
            out_of_range,
        )
    _out_of_range[resolved] = out_of_range
    return results


def _converted(path: str | os.PathLike[str], convert: Callable[[], _T]) -> _T:
    try:
        return convert()
    except ValidationError as error:
        detail = error.errors(include_url=False, include_input=False)[0]
        raise ArchiveCorruptError(
            path,
            f"{path} holds a game the protocol does not allow ({'.'.join(map(str, detail['loc']))}: {detail['msg']})",
        ) from None
