"""The archive's schema: created in an empty file, migrated from an older one, refused when newer or foreign."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lib.archive.errors import ArchiveCorruptError, ArchiveVersionError
from lib.archive.schema import SCHEMA_VERSION, VIEWS, check, game_seconds, prepare
from lib.protocol import clock_seconds, elapsed_seconds


def tables(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = connection.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall()
    return dict(rows)


def test_an_empty_file_gets_the_tables_the_views_and_the_version(tmp_path: Path) -> None:
    """``meta`` holds the version; the two tables and the four views analysts query exist."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        assert tables(connection) == {
            "meta": "BASE TABLE",
            "game_updates": "BASE TABLE",
            "prediction_updates": "BASE TABLE",
            "games": "VIEW",
            "score_changes": "VIEW",
            "predictions": "VIEW",
            "finished_games": "VIEW",
        }
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
        check(connection, path)


def test_the_view_names_are_the_documented_ones() -> None:
    """Notebooks and the docs rely on these names."""
    assert set(VIEWS) == {"games", "score_changes", "predictions", "finished_games"}


def test_preparing_again_keeps_the_rows(tmp_path: Path) -> None:
    """Opening an archive of this version recreates the views and leaves the data alone."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        connection.execute("INSERT INTO meta VALUES ('note', 'kept')")
        prepare(connection, path)
        assert connection.execute("SELECT value FROM meta WHERE key = 'note'").fetchone() == ("kept",)


def test_an_older_file_is_migrated_step_by_step_in_one_transaction(tmp_path: Path) -> None:
    """A file at version 1 opened by code at version 3 runs the steps from 1 and from 2, then says 3."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path, version=1, migrations={})
        connection.execute(
            "INSERT INTO game_updates VALUES ('g1', 2, 0, 1, '11:00', 'live', 'A', 'B', NULL, 'score_update',"
            " now(), NULL, 'demo', 1)"
        )
        steps = {
            1: ["ALTER TABLE game_updates ADD COLUMN arena VARCHAR"],
            2: ["UPDATE game_updates SET arena = 'TD Garden'"],
        }
        prepare(connection, path, version=3, migrations=steps)
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("3",)
        assert connection.execute("SELECT game_id, arena FROM game_updates").fetchall() == [("g1", "TD Garden")]
        assert connection.execute("SELECT count(*) FROM games").fetchone() == (1,)


def test_a_failed_migration_leaves_the_file_at_its_version(tmp_path: Path) -> None:
    """A step that fails rolls the whole migration back: never half-migrated."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path, version=1, migrations={})
        steps = {1: ["ALTER TABLE game_updates ADD COLUMN arena VARCHAR", "SELECT no_such_column FROM meta"]}
        with pytest.raises(duckdb.Error):
            prepare(connection, path, version=2, migrations=steps)
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
        columns = {name for (name,) in connection.execute("SELECT column_name FROM (DESCRIBE game_updates)").fetchall()}
        assert "arena" not in columns


def test_a_version_without_a_migration_is_refused(tmp_path: Path) -> None:
    """No path from the file's version to this one: a clear error, nothing changed."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path, version=1, migrations={})
        with pytest.raises(ArchiveVersionError, match=r"version 1: no migration from version 1"):
            prepare(connection, path, version=2, migrations={})


def test_a_newer_file_is_refused_naming_it(tmp_path: Path) -> None:
    """Code cannot write or read a schema it does not know: the message names the file and both versions."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
        with pytest.raises(ArchiveVersionError, match=rf"{path} has archive schema version {SCHEMA_VERSION + 1}"):
            prepare(connection, path)
        with pytest.raises(ArchiveVersionError, match="newer than version"):
            check(connection, path)


def test_an_older_file_is_not_read_before_it_is_migrated(tmp_path: Path) -> None:
    """A reader cannot migrate (it is read-only): it says how to."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        connection.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
        with pytest.raises(ArchiveVersionError, match="opening it once for writing migrates it"):
            check(connection, path)


def test_a_duckdb_file_of_other_tables_is_not_an_archive(tmp_path: Path) -> None:
    """Someone's own database is refused, not written into."""
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE TABLE trades (id INTEGER)")
        with pytest.raises(ArchiveCorruptError, match=r"other.duckdb is a DuckDB database but not an archive"):
            prepare(connection, path)
        assert set(tables(connection)) == {"trades"}


def test_an_empty_duckdb_file_is_not_read_as_an_archive(tmp_path: Path) -> None:
    """Until a writer has prepared it, there is nothing to read."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection, pytest.raises(ArchiveCorruptError, match="empty DuckDB database"):
        check(connection, path)


@pytest.mark.parametrize(
    ("period", "clock"),
    [(0, "12:00"), (1, "12:00"), (1, "11:31"), (2, "00:00"), (4, "00:05.3"), (4, "00:00"), (5, "05:00"), (7, "01:59")],
)
def test_the_views_count_game_time_as_the_protocol_does(period: int, clock: str) -> None:
    """The views' ``game_seconds`` equals ``lib.protocol.elapsed_seconds``, overtimes and tenths included."""
    with duckdb.connect() as connection:
        query = f"SELECT {game_seconds('$period', '$clock')}"
        ((seconds,),) = connection.execute(query, {"period": period, "clock": clock}).fetchall()
    assert seconds == pytest.approx(elapsed_seconds(period, clock_seconds(clock)))
