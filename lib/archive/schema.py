"""The archive's versioned schema: its tables, views and macro, and how a file is brought up to this version.

Version :data:`SCHEMA_VERSION` is written in the ``meta`` table. A writer creates the schema in
an empty file, migrates an older file step by step (:data:`MIGRATIONS`), refuses a newer one,
and recreates the views to this version's definitions; a reader only checks the version.
``docs/archive.md`` describes every column and view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import duckdb

from lib.archive.errors import ArchiveCorruptError, ArchiveVersionError
from lib.protocol import (
    EARLIEST_START,
    LATEST_TIME,
    LEAGUE_TIMEZONE,
    OVERTIME_SECONDS,
    PERIOD_SECONDS,
    REGULATION_PERIODS,
)

SCHEMA_VERSION: Final = 4
"""The schema this code writes and reads."""

_STATE: Final = (
    "game_id VARCHAR NOT NULL",
    "home_score INTEGER NOT NULL",
    "away_score INTEGER NOT NULL",
    "period INTEGER NOT NULL",
    "clock VARCHAR NOT NULL",
    "status VARCHAR NOT NULL",
)
"""A game's visible state: the key of a state row, and the start of a prediction's."""
_RECEIPT: Final = (
    "received_at TIMESTAMPTZ NOT NULL",
    "ts TIMESTAMPTZ",
    "source VARCHAR NOT NULL",
    "arrival BIGINT NOT NULL",
)
"""When and whence a row came."""
_STATE_COLUMNS: Final = (
    *_STATE,
    "home_team VARCHAR NOT NULL",
    "away_team VARCHAR NOT NULL",
    "start_time TIMESTAMPTZ",
    "type VARCHAR NOT NULL",
    *_RECEIPT,
    # Last, where version 4's migration added them to a file of version 3.
    "home_record VARCHAR",
    "away_record VARCHAR",
)
"""A state row's columns: the teams' records (``"wins-losses"`` before the game) are NULL where the message gave
none, as in every row filed before version 4."""
_PREDICTION_COLUMNS: Final = (
    *_STATE,
    "home_win_probability DOUBLE NOT NULL",
    "model VARCHAR NOT NULL",
    "predicted_home_score DOUBLE",
    "predicted_away_score DOUBLE",
    *_RECEIPT,
)
PLAY_KEY: Final = (
    "game_id, play_id, period, clock, team, player, description, kind, home_score, away_score, home_win_probability"
)
"""The columns of a play as sent, in order: a play row's key (a play sent again unchanged is the same row)."""
_PLAY_COLUMNS: Final = (
    "game_id VARCHAR NOT NULL",
    "play_id INTEGER NOT NULL",
    "period INTEGER NOT NULL",
    "clock VARCHAR NOT NULL",
    "team VARCHAR NOT NULL",
    "player VARCHAR NOT NULL",
    "description VARCHAR NOT NULL",
    "kind VARCHAR NOT NULL",
    "home_score INTEGER NOT NULL",
    "away_score INTEGER NOT NULL",
    "home_win_probability DOUBLE NOT NULL",
    *_RECEIPT,
)
"""A play's columns; ``team``, ``player``, ``description`` and ``kind`` are ``''`` where the play had none
(a key column cannot be NULL)."""
STATE_KEY: Final = "game_id, home_score, away_score, period, clock, status"
"""The columns of a game's state, in order: a state row's key."""
_PLAYS_TABLE: Final = f"CREATE TABLE IF NOT EXISTS play_updates ({', '.join(_PLAY_COLUMNS)}, PRIMARY KEY ({PLAY_KEY}))"
_TABLES: Final = (
    "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    f"CREATE TABLE game_updates ({', '.join(_STATE_COLUMNS)}, PRIMARY KEY ({STATE_KEY}))",
    f"CREATE TABLE prediction_updates ({', '.join(_PREDICTION_COLUMNS)}, "
    f"PRIMARY KEY ({STATE_KEY}, home_win_probability, model))",
    _PLAYS_TABLE,
)
"""This version's tables; a row's columns are in this order (``lib/archive/batch.py`` inserts by position)."""

MIGRATIONS: Final[Mapping[int, Sequence[str]]] = {
    1: (),
    2: (_PLAYS_TABLE,),
    3: (
        "ALTER TABLE game_updates ADD COLUMN home_record VARCHAR",
        "ALTER TABLE game_updates ADD COLUMN away_record VARCHAR",
    ),
}
"""The statements that take a file from version ``n`` to ``n + 1``, by ``n``; run in one transaction
with the version update, so a file is never left half-migrated. Version 1 is the first; version 2
changed the views only (``game_date``; times outside the protocol's range read as NULL), which
every writer recreates; version 3 added the plays (``play_updates``, the views ``plays`` and ``player_wpa``);
version 4 the teams' records on every state (``home_record``, ``away_record``: NULL in the rows filed before)."""


def clock_seconds(clock: str) -> str:
    """SQL for the seconds left in the period on ``clock`` (a column name), as :func:`lib.protocol.clock_seconds`."""
    return f"(CAST(split_part({clock}, ':', 1) AS INTEGER) * 60 + CAST(split_part({clock}, ':', 2) AS DOUBLE))"


def game_seconds(period: str, clock: str) -> str:
    """SQL for the game time played at ``period`` and ``clock`` (column names), as :func:`lib.protocol.elapsed_seconds`.

    Written into the views rather than kept as a macro: a copy of the archive (``COPY FROM DATABASE``)
    takes its views but not its macros.
    """
    return f"""(CASE WHEN {period} <= 0 THEN 0.0 ELSE
        least({period} - 1, {REGULATION_PERIODS}) * {PERIOD_SECONDS}
        + greatest({period} - 1 - {REGULATION_PERIODS}, 0) * {OVERTIME_SECONDS}
        + CASE WHEN {period} <= {REGULATION_PERIODS} THEN {PERIOD_SECONDS} ELSE {OVERTIME_SECONDS} END
        - {clock_seconds(clock)}
    END)"""


def _within(column: str, earliest: str, latest: str = LATEST_TIME.isoformat()) -> str:
    return f"({column} >= TIMESTAMPTZ '{earliest}' AND {column} < TIMESTAMPTZ '{latest}')"


_START_HELD: Final = _within("start_time", EARLIEST_START.isoformat())
_TS_HELD: Final = _within("ts", "1970-01-01T00:00:00+00:00")
_RECEIVED_HELD: Final = _within("received_at", "1970-01-01T00:00:00+00:00")
GAME_ROWS: Final = f"""(
    SELECT * REPLACE (CASE WHEN {_START_HELD} THEN start_time END AS start_time,
                      CASE WHEN {_TS_HELD} THEN ts END AS ts)
    FROM game_updates WHERE {_RECEIVED_HELD})"""
"""``game_updates`` as every view and reader sees it: a time outside the protocol's range reads as NULL,
and a row received outside it is left out. A file written before the protocol bounded its times may
hold such a row (a tip-off in the year 10000), which Python, pandas and the page cannot hold; the
raw table keeps it as it came."""
PREDICTION_ROWS: Final = f"""(
    SELECT * REPLACE (CASE WHEN {_TS_HELD} THEN ts END AS ts)
    FROM prediction_updates WHERE {_RECEIVED_HELD})"""
"""``prediction_updates`` as :data:`GAME_ROWS` is ``game_updates``."""
PLAY_ROWS: Final = f"""(
    SELECT * REPLACE (CASE WHEN {_TS_HELD} THEN ts END AS ts)
    FROM play_updates WHERE {_RECEIVED_HELD})"""
"""``play_updates`` as :data:`GAME_ROWS` is ``game_updates``."""
OUT_OF_RANGE_SQL: Final = f"""
    SELECT (SELECT count(*) FROM game_updates
            WHERE NOT coalesce({_START_HELD}, true) OR NOT coalesce({_TS_HELD}, true) OR NOT {_RECEIVED_HELD})
         + (SELECT count(*) FROM prediction_updates WHERE NOT coalesce({_TS_HELD}, true) OR NOT {_RECEIVED_HELD})
         + (SELECT count(*) FROM play_updates WHERE NOT coalesce({_TS_HELD}, true) OR NOT {_RECEIVED_HELD})"""
"""How many rows hold a time outside the protocol's range: what :data:`GAME_ROWS`,
:data:`PREDICTION_ROWS` and :data:`PLAY_ROWS` null or leave out."""


def league_date(moment: str) -> str:
    """SQL for the league's day (US Eastern) of ``moment``, a ``TIMESTAMPTZ`` expression."""
    return f"CAST(timezone('{LEAGUE_TIMEZONE.key}', {moment}) AS DATE)"


# A game's day: that of its tip-off, or of its latest state when the feed gave no tip-off time,
# as the page's game picker names it (lib.views.archive.archived_game_label).
_GAME_MOMENT: Final = "coalesce(start_time, received_at)"

# A play's place in its game: period, the clock counting down, then the order its id first arrived in.
_GAME_ORDER: Final = f"period, {clock_seconds('clock')} DESC, first_arrival"


def plays_in_order(where: str = "") -> str:
    """SQL for each play once, as last archived (a play sent again replaces it), absent fields NULL, numbered in
    game order (``place``, from 1 in each game): by period, the clock counting down, then the order its id first
    arrived in, as a client keeps them (:mod:`lib.store.plays`).

    Args:
        where: A ``WHERE`` clause on whole games' rows (their ``game_id``), applied before the plays are
            numbered, so that reading one game does not number every game's.
    """
    return f"""(
    SELECT *, row_number() OVER (PARTITION BY game_id ORDER BY {_GAME_ORDER}) AS place
    FROM (
        SELECT game_id, play_id, period, clock, nullif(team, '') AS team, nullif(player, '') AS player,
               nullif(description, '') AS description, nullif(kind, '') AS kind, home_score, away_score,
               home_win_probability, received_at, ts, min(arrival) OVER (PARTITION BY game_id, play_id) AS first_arrival
        FROM {PLAY_ROWS} {where}
        QUALIFY row_number() OVER (PARTITION BY game_id, play_id ORDER BY arrival DESC) = 1
    ))"""


# A game's start, where its pregame probability stands (lib.analytics.plays.at_start).
_AT_START: Final = f"(period = 1 AND home_score = 0 AND away_score = 0 AND {clock_seconds('clock')} = {PERIOD_SECONDS})"

# The home team's result as 1 or 0, and the probability the eventual winner was given.
_HOME_WON: Final = "(g.home_score > g.away_score)"
_WINNER_P: Final = f"CASE WHEN {_HOME_WON} THEN p.home_win_probability ELSE 1 - p.home_win_probability END"

VIEWS: Final[Mapping[str, str]] = {
    "games": f"""
        SELECT game_id, home_team, away_team, home_record, away_record, home_score, away_score, period, clock,
               status, home_score - away_score AS differential, start_time, {league_date(_GAME_MOMENT)} AS game_date,
               received_at AS updated_at, source, arrival
        FROM {GAME_ROWS}
        QUALIFY row_number() OVER (PARTITION BY game_id ORDER BY arrival DESC) = 1""",
    "score_changes": f"""
        SELECT game_id, home_team, away_team, home_score, away_score, home_score - away_score AS differential,
               home_score - coalesce(previous_home, 0) AS home_points,
               away_score - coalesce(previous_away, 0) AS away_points,
               period, clock, {game_seconds("period", "clock")} AS game_seconds, status, start_time,
               {league_date("game_moment")} AS game_date, received_at, ts, source, arrival
        FROM (
            SELECT *, lag(home_score) OVER game AS previous_home, lag(away_score) OVER game AS previous_away,
                   last_value({_GAME_MOMENT}) OVER (game ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                       AS game_moment
            FROM {GAME_ROWS}
            WINDOW game AS (PARTITION BY game_id ORDER BY arrival)
        )
        WHERE home_score <> coalesce(previous_home, 0) OR away_score <> coalesce(previous_away, 0)""",
    "predictions": f"""
        SELECT p.game_id, g.home_team, g.away_team, p.home_win_probability, p.predicted_home_score,
               p.predicted_away_score, nullif(p.model, '') AS model, p.period, p.clock,
               {game_seconds("p.period", "p.clock")} AS game_seconds,
               p.home_score, p.away_score, p.status, g.start_time, g.game_date, p.received_at, p.ts, p.source,
               p.arrival,
               CASE WHEN g.status = 'final' AND g.home_score <> g.away_score THEN {_HOME_WON} END AS home_won,
               g.status = 'final' AND g.home_score <> g.away_score AND p.status <> 'final' AS scored
        FROM {PREDICTION_ROWS} p JOIN games g USING (game_id)""",
    "finished_games": f"""
        WITH deficits AS (
            SELECT game_id, max(away_score - home_score) AS home_deficit, max(home_score - away_score) AS away_deficit
            FROM (
                SELECT game_id, home_score, away_score,
                       min(home_score) OVER later AS later_home, min(away_score) OVER later AS later_away
                FROM {GAME_ROWS}
                WINDOW later AS (PARTITION BY game_id ORDER BY arrival ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
            )
            -- A score a later one went below was a scorer's error, taken back: no lead (lib.analytics.game).
            WHERE home_score <= coalesce(later_home, home_score) AND away_score <= coalesce(later_away, away_score)
            GROUP BY game_id
        ), swings AS (
            SELECT game_id, coalesce(sum(abs(home_win_probability - previous)), 0) AS excitement
            FROM (
                SELECT game_id, home_win_probability,
                       lag(home_win_probability) OVER (PARTITION BY game_id ORDER BY arrival) AS previous
                FROM {PREDICTION_ROWS}
            )
            GROUP BY game_id
        ), scored AS (
            SELECT g.game_id,
                   count(p.home_win_probability) AS predictions,
                   avg(pow(p.home_win_probability - {_HOME_WON}::INTEGER, 2)) AS brier,
                   avg(-ln(greatest(least({_WINNER_P}, 1 - 1e-15), 1e-15))) AS log_loss,
                   avg(CASE WHEN p.home_win_probability <> 0.5
                            THEN ((p.home_win_probability > 0.5) = {_HOME_WON})::INTEGER END) AS accuracy,
                   min({_WINNER_P}) AS comeback
            FROM games g LEFT JOIN {PREDICTION_ROWS} p ON p.game_id = g.game_id AND p.status <> 'final'
            WHERE g.status = 'final' AND g.home_score <> g.away_score
            GROUP BY g.game_id
        )
        SELECT g.game_id, g.home_team, g.away_team, g.home_record, g.away_record, g.home_score, g.away_score,
               {_HOME_WON} AS home_won,
               g.period AS periods, g.period > 4 AS overtime, g.start_time, g.game_date, g.updated_at AS finished_at,
               g.source,
               greatest(CASE WHEN {_HOME_WON} THEN d.home_deficit ELSE d.away_deficit END, 0) AS winner_biggest_deficit,
               s.predictions, s.brier, s.log_loss, s.accuracy, s.comeback,
               CASE WHEN s.predictions > 0 THEN w.excitement END AS excitement, g.arrival
        FROM games g JOIN scored s USING (game_id) JOIN deficits d USING (game_id)
        LEFT JOIN swings w USING (game_id)""",
    "plays": f"""
        SELECT p.game_id, p.play_id, p.period, p.clock, p.team, p.player, p.description, p.kind, p.home_score,
               p.away_score, p.home_win_probability, p.change AS home_wp_change,
               CASE WHEN p.team = g.home_team THEN p.change WHEN p.team = g.away_team THEN -p.change END AS wpa
        FROM (
            SELECT *, CASE WHEN place = 1 THEN CASE WHEN {_AT_START} THEN 0.0 END
                           ELSE home_win_probability - lag(home_win_probability) OVER game END AS change
            FROM {plays_in_order()}
            WINDOW game AS (PARTITION BY game_id ORDER BY place)
        ) p LEFT JOIN games g USING (game_id)
        ORDER BY p.game_id, p.place""",
    "player_wpa": """
        SELECT game_id, team, player, count(*) AS plays, coalesce(sum(wpa), 0.0) AS wpa
        FROM plays WHERE team IS NOT NULL AND player IS NOT NULL
        GROUP BY game_id, team, player""",
}
"""The views analysts query, by name; ``docs/archive.md`` has what each column means."""


def prepare(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    version: int = SCHEMA_VERSION,
    migrations: Mapping[int, Sequence[str]] = MIGRATIONS,
) -> None:
    """Make the open file an archive of ``version``: create it, migrate it, or refuse it.

    Args:
        connection: A read-write connection to the file.
        path: The file, for messages.
        version: The version to bring the file to.
        migrations: The steps from each older version.

    Raises:
        ArchiveVersionError: The file is newer than ``version``, or no migration leads from its version.
        ArchiveCorruptError: The file holds tables but is not an archive.
    """
    found = _version(connection, path)
    if found is not None and found > version:
        raise ArchiveVersionError(
            path,
            f"{path} has archive schema version {found}, newer than version {version} that this code knows: "
            "use the newer code that wrote it",
        )
    missing = [step for step in range(found or version, version) if step not in migrations]
    if missing:
        raise ArchiveVersionError(
            path, f"{path} has archive schema version {found}: no migration from version {missing[0]}"
        )
    connection.execute("BEGIN TRANSACTION")
    try:
        for name in VIEWS:
            connection.execute(f"DROP VIEW IF EXISTS {name}")
        if found is None:
            for statement in _TABLES:
                connection.execute(statement)
            connection.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(version)])
        else:
            for step in range(found, version):
                for statement in migrations[step]:
                    connection.execute(statement)
            connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
        for name, query in VIEWS.items():
            connection.execute(f"CREATE VIEW {name} AS {query}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def check(connection: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse to read a file that is not an archive of this version.

    Raises:
        ArchiveCorruptError: The file is not an archive.
        ArchiveVersionError: Its schema is another version.
    """
    found = _version(connection, path)
    if found is None:
        raise ArchiveCorruptError(path, f"{path} is an empty DuckDB database, not an archive")
    if found > SCHEMA_VERSION:
        raise ArchiveVersionError(
            path,
            f"{path} has archive schema version {found}, newer than version {SCHEMA_VERSION} that this code knows: "
            "use the newer code that wrote it",
        )
    if found < SCHEMA_VERSION:
        raise ArchiveVersionError(
            path,
            f"{path} has archive schema version {found}, older than {SCHEMA_VERSION}: "
            "opening it once for writing migrates it",
        )


def _version(connection: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    """The file's schema version; ``None`` for a database with no tables at all."""
    names = {
        name
        for (name,) in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    if not names:
        return None
    if "meta" not in names:
        raise ArchiveCorruptError(path, f"{path} is a DuckDB database but not an archive: it has no meta table")
    rows = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    row = rows[0] if rows else None
    if row is None or not str(row[0]).isdigit():
        raise ArchiveCorruptError(path, f"{path} is not an archive: its meta table holds no schema version")
    return int(row[0])


def next_arrival(connection: duckdb.DuckDBPyConnection) -> int:
    """The ``arrival`` number the next row gets: one past the highest in the file."""
    ((highest,),) = connection.execute(
        "SELECT greatest((SELECT max(arrival) FROM game_updates), (SELECT max(arrival) FROM prediction_updates), "
        "(SELECT max(arrival) FROM play_updates))"
    ).fetchall()
    return 1 if highest is None else int(highest) + 1
