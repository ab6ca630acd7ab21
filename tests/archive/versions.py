"""Archive files of older schema versions, made from one of this version, for the migrations' tests."""

from __future__ import annotations

import duckdb

from lib.archive.schema import VIEWS


def make_older(connection: duckdb.DuckDBPyConnection, version: int) -> None:
    """Take an archive of this version, rows and all, back to what ``version`` wrote: its tables, its version, no
    views (a writer's start recreates them).

    Args:
        connection: A read-write connection to a file :func:`lib.archive.schema.prepare` made.
        version: The older version, from 1.
    """
    for name in VIEWS:
        connection.execute(f"DROP VIEW {name}")
    if version < 4:
        connection.execute("ALTER TABLE game_updates DROP COLUMN home_record")
        connection.execute("ALTER TABLE game_updates DROP COLUMN away_record")
    if version < 3:
        connection.execute("DROP TABLE play_updates")
    connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
