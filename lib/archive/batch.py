"""Accepted frames into the archive's tables, a batch at a time, parsed by the database itself.

The frames are the JSON text the store accepted, as received. DuckDB parses them (in C++,
without Python's GIL, so the feed client's thread keeps running), files each game message as a
state row, each prediction under the state its game had when it arrived and each play as it came,
and skips every row whose key it already holds: the same state, prediction or play seen again (a
reconnect's snapshot, a replayed recording, a second import) is the same row, and its first
receive time stays.

A prediction's state is the latest game message of its game before it: in the batch, or else
carried over from the batches before (:func:`latest_states`). A frame the database cannot read
exactly as the store did is skipped and counted, never guessed at: a key given twice (the
store's parser keeps the last, DuckDB's the first), or text that is not JSON. A frame whose
time the archive cannot hold is refused, counted and named, and the rest of its batch is filed:
a receive time or ``ts`` outside the protocol's range (:data:`lib.protocol.LATEST_TIMESTAMP`), a
``start_time`` outside 1946 to 2100 or without its UTC offset. :func:`file_apart` files a batch
that fails for a reason no check foresaw by halves, so that one bad frame never holds back the
others.
"""

from __future__ import annotations

import contextlib
import json
import logging
from array import array
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Final

import duckdb
import pyarrow as pa

from lib.archive.schema import PLAY_KEY, STATE_KEY
from lib.protocol import EARLIEST_START, LATEST_TIME, LATEST_TIMESTAMP
from lib.urls import redact_url

logger = logging.getLogger(__name__)

MAX_SOURCE_LENGTH: Final = 200
REMEMBERED_GAMES: Final = 1000
"""Games whose latest state is carried from batch to batch, most recently updated first."""
GAME_TYPES: Final = ("score_update", "game_start", "game_end")

_SHAPE: Final = json.dumps(
    {
        "type": "VARCHAR",
        "ts": "DOUBLE",
        "data": {
            "game_id": "VARCHAR",
            "home_team": "VARCHAR",
            "away_team": "VARCHAR",
            "home_score": "INTEGER",
            "away_score": "INTEGER",
            "period": "INTEGER",
            "clock": "VARCHAR",
            "status": "VARCHAR",
            "start_time": "VARCHAR",
            "home_record": "VARCHAR",
            "away_record": "VARCHAR",
            "home_win_probability": "DOUBLE",
            "predicted_home_score": "DOUBLE",
            "predicted_away_score": "DOUBLE",
            "model": "VARCHAR",
            "play_id": "INTEGER",
            "team": "VARCHAR",
            "player": "VARCHAR",
            "description": "VARCHAR",
            "kind": "VARCHAR",
        },
    }
)
"""The message fields the archive keeps, as DuckDB's ``from_json`` reads them; absent ones are NULL."""

NAMED_REFUSALS: Final = 10
"""Refused frames a batch names (all are counted): enough to see the pattern, few enough for a log line."""
DATA_ERRORS: Final = (duckdb.DataError, duckdb.IntegrityError, duckdb.InvalidInputException)
"""What a frame's values can make DuckDB raise; anything else (a full disk, a lock) is the file's fault."""

_GAMES: Final = ", ".join(f"'{kind}'" for kind in GAME_TYPES)
_TIMES: Final = f"""
    SELECT *, CASE
        WHEN NOT readable THEN NULL
        WHEN NOT (received_at >= 0 AND received_at < {LATEST_TIMESTAMP}) THEN
            format('received at {{}}, outside 0 to {LATEST_TIMESTAMP:.0f} (epoch seconds)', received_at)
        WHEN NOT coalesce(ts >= 0 AND ts < {LATEST_TIMESTAMP}, true) THEN
            format('ts {{}} is outside 0 to {LATEST_TIMESTAMP:.0f} (epoch seconds)', ts)
        WHEN type IN ({_GAMES}) AND d.start_time IS NOT NULL
             AND NOT coalesce(start_time >= '{EARLIEST_START.isoformat()}'::TIMESTAMPTZ
                              AND start_time < '{LATEST_TIME.isoformat()}'::TIMESTAMPTZ, false) THEN
            format('start_time {{}} is not a time from 1946 to 2100 with its UTC offset', left(d.start_time, 40))
    END AS refusal"""
"""Why the archive cannot hold a readable frame's times; NULL when it can."""
_READ: Final = rf"""
    CREATE OR REPLACE TEMP TABLE incoming_messages AS
    {_TIMES}
    FROM (
        SELECT arrival, received_at, message.type AS type, message.ts AS ts, message.data AS d,
               -- ISO 8601 as the protocol's parser reads it: a lower-case t or z, _ between date
               -- and time, a comma before the fraction; the offset is required, never assumed
               CASE WHEN regexp_matches(message.data.start_time, '([zZ]|[+-]\d\d:?\d\d)$')
                    THEN try_cast(upper(translate(message.data.start_time, '_,', 'T.')) AS TIMESTAMPTZ)
               END AS start_time,
               message IS NOT NULL AND coalesce(single_keys, false) AS readable
        FROM (
            SELECT arrival, received_at, try(from_json(text, '{_SHAPE}')) AS message,
                   try(len(keys) = list_unique(keys) AND len(data_keys) = list_unique(data_keys)) AS single_keys
            FROM (
                SELECT arrival, received_at, text, try(json_keys(text)) AS keys,
                       try(json_keys(text, '$.data')) AS data_keys
                FROM (SELECT arrival, received_at, try(decode(frame)) AS text FROM incoming)
            )
        )
    )"""
_STATES: Final = f"""
    CREATE OR REPLACE TEMP TABLE incoming_states AS
    SELECT d.game_id AS game_id, d.home_score AS home_score, d.away_score AS away_score, d.period AS period,
           d.clock AS clock, d.status AS status, d.home_team AS home_team, d.away_team AS away_team,
           start_time, type, received_at, ts, arrival, d.home_record AS home_record, d.away_record AS away_record
    FROM incoming_messages WHERE readable AND refusal IS NULL AND type IN ({_GAMES})"""
_FILED: Final = f"""
    CREATE OR REPLACE TEMP TABLE incoming_predictions AS
    SELECT s.game_id, s.home_score, s.away_score, s.period, s.clock, s.status,
           p.d.home_win_probability AS home_win_probability, coalesce(p.d.model, '') AS model,
           p.d.predicted_home_score AS predicted_home_score, p.d.predicted_away_score AS predicted_away_score,
           p.received_at, p.ts, p.arrival
    FROM (SELECT * FROM incoming_messages WHERE readable AND refusal IS NULL AND type = 'prediction') p
    ASOF JOIN (SELECT {STATE_KEY}, arrival FROM incoming_states UNION ALL SELECT * FROM carried) s
    ON p.d.game_id = s.game_id AND p.arrival >= s.arrival"""
_PLAYS: Final = """
    CREATE OR REPLACE TEMP TABLE incoming_plays AS
    SELECT d.game_id AS game_id, d.play_id AS play_id, d.period AS period, d.clock AS clock,
           coalesce(d.team, '') AS team, coalesce(d.player, '') AS player, coalesce(d.description, '') AS description,
           coalesce(d.kind, '') AS kind, d.home_score AS home_score, d.away_score AS away_score,
           d.home_win_probability AS home_win_probability, received_at, ts, arrival
    FROM incoming_messages WHERE readable AND refusal IS NULL AND type = 'play'"""
_INSERT_STATES: Final = f"""
    INSERT INTO game_updates
    SELECT {STATE_KEY}, home_team, away_team, start_time, type, to_timestamp(received_at), to_timestamp(ts), $source,
           arrival, home_record, away_record
    FROM incoming_states ORDER BY arrival
    ON CONFLICT DO NOTHING"""
_INSERT_PREDICTIONS: Final = f"""
    INSERT INTO prediction_updates
    SELECT {STATE_KEY}, home_win_probability, model, predicted_home_score, predicted_away_score,
           to_timestamp(received_at), to_timestamp(ts), $source, arrival
    FROM incoming_predictions ORDER BY arrival
    ON CONFLICT DO NOTHING"""
_INSERT_PLAYS: Final = f"""
    INSERT INTO play_updates
    SELECT {PLAY_KEY}, to_timestamp(received_at), to_timestamp(ts), $source, arrival
    FROM incoming_plays ORDER BY arrival
    ON CONFLICT DO NOTHING"""
_COUNTS: Final = """
    SELECT (SELECT count(*) FROM incoming_states) + (SELECT count(*) FROM incoming_predictions)
           + (SELECT count(*) FROM incoming_plays),
           (SELECT count(*) FROM incoming_messages WHERE NOT readable),
           (SELECT count(*) FROM incoming_messages WHERE readable AND refusal IS NULL AND type = 'prediction')
           - (SELECT count(*) FROM incoming_predictions),
           (SELECT count(*) FROM incoming_messages WHERE refusal IS NOT NULL)"""
_REFUSALS: Final = f"""
    SELECT format('{{}} of game {{}}: {{}}', type, coalesce(d.game_id, '?'), refusal)
    FROM incoming_messages WHERE refusal IS NOT NULL ORDER BY arrival LIMIT {NAMED_REFUSALS}"""
_LATEST: Final = f"""
    SELECT {STATE_KEY}, arrival FROM (SELECT {STATE_KEY}, arrival FROM incoming_states UNION ALL SELECT * FROM carried)
    QUALIFY row_number() OVER (PARTITION BY game_id ORDER BY arrival DESC) = 1
    ORDER BY arrival DESC LIMIT {REMEMBERED_GAMES}"""
_ARCHIVED_LATEST: Final = f"""
    SELECT {STATE_KEY}, arrival FROM game_updates
    QUALIFY row_number() OVER (PARTITION BY game_id ORDER BY arrival DESC) = 1
    ORDER BY arrival DESC LIMIT {REMEMBERED_GAMES}"""


@dataclass
class Batch:
    """Accepted frames on their way into the archive, each with its receive time and arrival number."""

    frames: list[bytes] = field(default_factory=list)
    received: list[float] = field(default_factory=list)
    arrivals: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.frames)

    def add(self, frame: bytes, received_at: float, arrival: int) -> None:
        """One more frame, after the others."""
        self.frames.append(frame)
        self.received.append(received_at)
        self.arrivals.append(arrival)

    def halves(self) -> tuple[Batch, Batch]:
        """The first half of the frames and the rest, in order."""
        middle = len(self) // 2
        return (
            Batch(self.frames[:middle], self.received[:middle], self.arrivals[:middle]),
            Batch(self.frames[middle:], self.received[middle:], self.arrivals[middle:]),
        )


@dataclass(frozen=True, slots=True)
class Written:
    """What one batch did to the archive.

    Attributes:
        new: Rows new to the archive.
        known: Rows it held already (the same state or prediction seen before).
        skipped: Frames the database could not read exactly as the store did (not archived).
        orphans: Predictions for a game with no state yet (its game message never reached the archive).
        latest: Each game's latest state after the batch, for the next batch's predictions.
        refused: Frames with a value the archive cannot hold (not archived).
        refusals: The first :data:`NAMED_REFUSALS` of them, each named with why:
            ``"score_update of game g1: ts 1e+13 is outside 0 to 4133980800 (epoch seconds)"``.
    """

    new: int
    known: int
    skipped: int
    orphans: int
    latest: pa.Table
    refused: int = 0
    refusals: tuple[str, ...] = ()

    def __add__(self, later: Written) -> Written:
        """This batch's counts and ``later``'s together, with the latest states after ``later``."""
        return Written(
            self.new + later.new,
            self.known + later.known,
            self.skipped + later.skipped,
            self.orphans + later.orphans,
            later.latest,
            self.refused + later.refused,
            (self.refusals + later.refusals)[:NAMED_REFUSALS],
        )


def source_label(source: str) -> str:
    """What the archive records as a row's source: a short name, or a feed URL without its credentials.

    Args:
        source: ``demo``, ``nba``, ``import:night.jsonl``, or the feed's URL.

    Returns:
        The label; a ``ws://`` or ``wss://`` URL loses its ``user:password@`` and its query values.

    Raises:
        ValueError: If the label is empty or longer than :data:`MAX_SOURCE_LENGTH` characters.
    """
    label = redact_url(source) if source.startswith(("ws://", "wss://")) else source.strip()
    if not 1 <= len(label) <= MAX_SOURCE_LENGTH:
        raise ValueError(f"an archive source must be 1-{MAX_SOURCE_LENGTH} characters, got {len(label)}")
    return label


def latest_states(connection: duckdb.DuckDBPyConnection) -> pa.Table:
    """The latest archived state of the most recently updated games: what the first batch's predictions may need."""
    return connection.sql(_ARCHIVED_LATEST).to_arrow_table()


def insert(connection: duckdb.DuckDBPyConnection, batch: Batch, source: str, carried: pa.Table) -> Written:
    """File a batch's frames as rows, in the caller's transaction.

    Args:
        connection: A read-write connection to the archive, in a transaction.
        batch: The frames, in the order they were accepted.
        source: The rows' source, from :func:`source_label`.
        carried: The latest states before the batch (:func:`latest_states`, or the last ``Written.latest``).
    """
    incoming = pa.table(
        {
            "frame": _binary(batch.frames),
            "received_at": pa.array(batch.received, pa.float64()),
            "arrival": pa.array(batch.arrivals, pa.int64()),
        }
    )
    connection.register("incoming", incoming)
    connection.register("carried", carried)
    try:
        for statement in (_READ, _STATES, _FILED, _PLAYS):
            connection.execute(statement)
        new = sum(_count(connection, insert, source) for insert in (_INSERT_STATES, _INSERT_PREDICTIONS, _INSERT_PLAYS))
        ((filed, skipped, orphans, refused),) = connection.execute(_COUNTS).fetchall()
        refusals = tuple(named for (named,) in connection.execute(_REFUSALS).fetchall())
        latest = connection.sql(_LATEST).to_arrow_table()
    except BaseException:
        # A failed statement aborts the transaction, which then refuses even these with "Current
        # transaction is aborted": the error at hand is the one that says why.
        with contextlib.suppress(duckdb.Error):
            _unregister(connection)
        raise
    _unregister(connection)
    if refusals:
        logger.warning("archive: %d frames refused, their values out of its range: %s", refused, "; ".join(refusals))
    return Written(new, filed - new, skipped, orphans, latest, refused, refusals)


def file_apart(connection: duckdb.DuckDBPyConnection, batch: Batch, source: str, carried: pa.Table) -> Written:
    """File a batch in a transaction of its own; if its values make it fail, file it by halves.

    A batch whose frames DuckDB refuses for a reason no check foresaw would otherwise fail again
    every time it is tried, and hold back every frame after it: here the frames beside the bad
    one are committed, and a frame that fails alone is refused, counted and named with DuckDB's reason.

    Args:
        connection: A read-write connection to the archive, not in a transaction.
        batch: The frames, in the order they were accepted.
        source: The rows' source, from :func:`source_label`.
        carried: The latest states before the batch.

    Raises:
        duckdb.Error: The file failed (anything but :data:`DATA_ERRORS`); nothing of the piece
            at hand was committed, the pieces before it were.
    """
    connection.execute("BEGIN TRANSACTION")
    try:
        written = insert(connection, batch, source, carried)
        connection.execute("COMMIT")
    except DATA_ERRORS as error:
        _roll_back(connection)
        if len(batch) > 1:
            first, rest = batch.halves()
            done = file_apart(connection, first, source, carried)
            return done + file_apart(connection, rest, source, done.latest)
        named = f"frame {batch.arrivals[0]}: {type(error).__name__}: {str(error)[:200]}"
        logger.warning("archive: a frame refused: %s", named)
        return Written(0, 0, 0, 0, carried, 1, (named,))
    except BaseException:
        _roll_back(connection)
        raise
    return written


def _roll_back(connection: duckdb.DuckDBPyConnection) -> None:
    # A failed COMMIT (a full disk) has ended the transaction already, and ROLLBACK then raises
    # an error of its own that would hide the one that says why.
    with contextlib.suppress(duckdb.Error):
        connection.execute("ROLLBACK")


def _unregister(connection: duckdb.DuckDBPyConnection) -> None:
    connection.unregister("incoming")
    connection.unregister("carried")


def _binary(values: list[bytes]) -> pa.Array:
    """``values`` as an Arrow binary column, built from one joined buffer.

    ``pa.array`` looks at each object in turn while holding the GIL, about 1 µs a frame, which the
    feed client's thread would wait out; a join and the lengths take a sixth of that.
    """
    offsets = array("q", accumulate(map(len, values), initial=0))
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(values))]
    return pa.Array.from_buffers(pa.large_binary(), len(values), buffers)


def _count(connection: duckdb.DuckDBPyConnection, statement: str, source: str) -> int:
    ((count,),) = connection.execute(statement, {"source": source}).fetchall()
    return int(count)
