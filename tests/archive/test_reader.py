"""Reading an archive: any SQL as a DataFrame, read-only, in UTC, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.archive import ArchiveError, ArchiveWriter, query
from tests.archive.night import score_frame
from tests.helpers import NOW


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive of 120 game states: g0, g1 and twenty of g2."""
    path = tmp_path / "nba.duckdb"
    with ArchiveWriter(path, source="demo", batch_seconds=60) as writer:
        for number in range(120):
            writer.offer(score_frame(number), NOW + number)
    return path


def test_a_query_returns_a_dataframe_with_utc_times(archive: Path) -> None:
    """Receive times are timezone-aware UTC timestamps, whatever the machine's zone."""
    result = query(archive, "SELECT game_id, count(*) AS states, max(received_at) AS last FROM game_updates "
                   "GROUP BY game_id ORDER BY game_id")  # fmt: skip
    assert list(result.game_id) == ["g0", "g1", "g2"]
    assert list(result.states) == [50, 50, 20]
    assert str(result["last"].dt.tz) in ("UTC", "Etc/UTC")
    assert result["last"].iloc[2].timestamp() == NOW + 119


def test_a_query_takes_parameters(archive: Path) -> None:
    """Positional and named parameters, as DuckDB takes them."""
    assert query(archive, "SELECT count(*) AS n FROM games WHERE game_id = ?", ["g1"]).n[0] == 1
    assert query(archive, "SELECT count(*) AS n FROM game_updates WHERE home_score < $top", {"top": 10}).n[0] == 30


def test_a_query_cannot_change_the_archive(archive: Path) -> None:
    """The connection is read-only: a write is an error naming the file, and nothing changes."""
    with pytest.raises(ArchiveError, match=rf"{archive}: .*read-only"):
        query(archive, "DELETE FROM game_updates")
    assert query(archive, "SELECT count(*) AS n FROM game_updates").n[0] == 120


def test_bad_sql_is_an_error_naming_the_file(archive: Path) -> None:
    """DuckDB's own words, after the file's name."""
    with pytest.raises(ArchiveError, match=rf"{archive}: .*no_such_table"):
        query(archive, "SELECT * FROM no_such_table")


def test_a_missing_archive_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    """Reading never creates a file."""
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(ArchiveError, match=rf"there is no archive at {missing}"):
        query(missing, "SELECT 1")
    assert not missing.exists()
