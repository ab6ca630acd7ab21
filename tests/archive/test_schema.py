"""The archive's schema: created in an empty file, migrated from an older one, refused when newer or foreign."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from lib.analytics.report import game_summaries
from lib.archive import ArchiveWriter, game_histories, games, query, scorecard
from lib.archive.batch import Batch, insert, latest_states
from lib.archive.errors import ArchiveCorruptError, ArchiveVersionError
from lib.archive.schema import SCHEMA_VERSION, VIEWS, check, game_seconds, prepare
from lib.protocol import clock_seconds, elapsed_seconds
from lib.store import Store
from tests.archive.versions import make_older
from tests.helpers import NOW, prediction, score


def tables(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = connection.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall()
    return dict(rows)


def columns(connection: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind, *_ in connection.execute(f"DESCRIBE {table}").fetchall()]


def test_an_empty_file_gets_the_tables_the_views_and_the_version(tmp_path: Path) -> None:
    """``meta`` holds the version; the three tables and the six views analysts query exist."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        assert tables(connection) == {
            "meta": "BASE TABLE",
            "game_updates": "BASE TABLE",
            "prediction_updates": "BASE TABLE",
            "play_updates": "BASE TABLE",
            "games": "VIEW",
            "score_changes": "VIEW",
            "predictions": "VIEW",
            "finished_games": "VIEW",
            "plays": "VIEW",
            "player_wpa": "VIEW",
        }
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
        check(connection, path)


def test_the_view_names_are_the_documented_ones() -> None:
    """Notebooks and the docs rely on these names."""
    assert set(VIEWS) == {"games", "score_changes", "predictions", "finished_games", "plays", "player_wpa"}


def test_a_version_2_file_gets_the_plays_and_keeps_its_rows(tmp_path: Path) -> None:
    """Version 2 had no plays: opening it for writing adds the table and the views, its games stay."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        insert(connection, Batch([score(ts=NOW).encode()], [NOW], [1]), "demo", latest_states(connection))
        make_older(connection, 2)
    with ArchiveWriter(path, source="demo"):
        pass
    assert query(path, "SELECT count(*) AS n FROM plays")["n"].tolist() == [0]
    assert query(path, "SELECT game_id FROM games")["game_id"].tolist() == ["g1"]
    assert query(path, "SELECT value FROM meta WHERE key = 'schema_version'")["value"].tolist() == [str(SCHEMA_VERSION)]


def test_a_version_3_file_gets_the_teams_records_and_keeps_its_rows(tmp_path: Path) -> None:
    """Version 3 kept no records: its states read back without them, and the states written after the migration with
    theirs, in columns laid out as a new file's."""
    path, fresh = tmp_path / "nba.duckdb", tmp_path / "fresh.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        old = score("old", ts=NOW, home_record="10-5", away_record="7-8")
        insert(connection, Batch([old.encode()], [NOW], [1]), "demo", latest_states(connection))
        make_older(connection, 3)
        assert "home_record" not in dict(columns(connection, "game_updates"))
    with ArchiveWriter(path, source="demo", batch_seconds=0.05) as writer:
        writer.offer(score("new", ts=NOW + 1, home_record="11-5", away_record="0-0").encode(), NOW + 1)
    with duckdb.connect(str(path)) as migrated, duckdb.connect(str(fresh)) as created:
        prepare(created, fresh)
        assert columns(migrated, "game_updates") == columns(created, "game_updates")
        assert migrated.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("4",)
    assert {game_id: (record.game.home_record, record.game.away_record) for game_id, record in games(path).items()} == {
        "old": (None, None),
        "new": ("11-5", "0-0"),
    }
    for view in ("games", "finished_games"):
        assert {"home_record", "away_record"} <= set(query(path, f"SELECT * FROM {view} LIMIT 0").columns), view


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
            " now(), NULL, 'demo', 1, NULL, NULL)"
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


def test_game_date_is_the_leagues_day_in_every_view(tmp_path: Path) -> None:
    """An 8:30 PM tip-off in New York is that day's game in every view of games (the plays' views have the plays'
    columns alone); with no tip-off, its latest state's day."""
    path = tmp_path / "nba.duckdb"
    evening = datetime(2026, 12, 1, 1, 30, tzinfo=UTC).timestamp()  # 30 November, 8:30 PM in New York
    late = datetime(2027, 1, 16, 3, 0, tzinfo=UTC).timestamp()  # 15 January, 10 PM in New York
    final = {"home_score": 101, "away_score": 99, "period": 4, "clock": "00:00", "status": "final"}
    batch = Batch()
    for arrival, (text, received_at) in enumerate(
        [
            (score("tipped", start_time="2026-12-01T01:30:00Z", home_score=2, away_score=0), evening + 60),
            (prediction("tipped", p=0.6), evening + 61),
            (score("tipped", start_time="2026-12-01T01:30:00Z", **final), evening + 9000),
            (score("untimed", home_score=2, away_score=0), late - 60),
            (prediction("untimed", p=0.4), late - 59),
            (score("untimed", **final), late),
        ],
        start=1,
    ):
        batch.add(text.encode(), received_at, arrival)
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        insert(connection, batch, "demo", latest_states(connection))
        expected = {"tipped": date(2026, 11, 30), "untimed": date(2027, 1, 15)}
        for view in set(VIEWS) - {"plays", "player_wpa"}:
            dates = connection.execute(f"SELECT DISTINCT game_id, game_date FROM {view}").fetchall()
            assert dict(dates) == expected, view
        naive = connection.execute("SELECT game_id, start_time::DATE FROM games WHERE game_id = 'tipped'").fetchall()
        assert naive == [("tipped", date(2026, 12, 1))], "the UTC day would be the next one"


def test_a_file_of_version_1_with_poisoned_times_is_migrated_and_read_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Tip-offs in the years 10000 and 0, a ts in 33658: after a restart every read works, those times NULL, counted."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        make_older(connection, 1)
        rows = [
            ("far", "9999-12-31T23:59:59-05:00", NOW, NOW, 1),
            ("early", "0001-01-01T00:00:00+05:00", NOW, NOW, 2),
            ("stamped", "2027-01-15T00:30:00Z", NOW, 1e12, 3),
        ]
        for game_id, start_time, received_at, ts, arrival in rows:
            connection.execute(
                "INSERT INTO game_updates VALUES (?, 101, 99, 4, '00:00', 'final', 'Home', 'Away', ?::TIMESTAMPTZ,"
                " 'game_end', to_timestamp(?), to_timestamp(?), 'demo', ?)",
                [game_id, start_time, received_at, ts, arrival],
            )
            connection.execute(
                "INSERT INTO prediction_updates VALUES (?, 100, 99, 4, '00:30', 'live', 0.7, '', NULL, NULL,"
                " to_timestamp(?), to_timestamp(?), 'demo', ?)",
                [game_id, received_at, ts, arrival + 10],
            )
    with pytest.raises(ArchiveVersionError, match=f"older than {SCHEMA_VERSION}: opening it once for writing"):
        games(path)
    ArchiveWriter(path, source="demo").close()  # the restart: the writer migrates the file
    archived = games(path)
    assert {game_id: record.game.start_time for game_id, record in archived.items()} == {
        "far": None,
        "early": None,
        "stamped": datetime(2027, 1, 15, 0, 30, tzinfo=UTC),
    }
    assert [point.ts for point in game_histories(path, ["stamped"])["stamped"][0]] == [None]
    assert scorecard(path, include_partial=True).overall["games"].iloc[0] == 3
    assert query(path, "SELECT count(*) AS n FROM finished_games WHERE start_time IS NULL").n[0] == 2
    assert "4 rows hold a time outside the protocol's range" in caplog.text  # two tip-offs, two ts


def test_the_winners_biggest_deficit_leaves_out_a_score_a_correction_took_back(tmp_path: Path) -> None:
    """A basket the scorer took back counts in no lead: ``finished_games`` says what the game's figures say."""
    path = tmp_path / "nba.duckdb"
    frames = [
        score(home_score=0, away_score=3, period=1, clock="11:30"),
        prediction(p=0.4),
        score(home_score=0, away_score=10, period=1, clock="10:00"),  # a 3 that was a 2: the lead was 8, never 10
        score(home_score=0, away_score=8, period=1, clock="09:50", correction=True),
        score(home_score=100, away_score=90, period=4, clock="00:00", status="final"),
    ]
    store, batch = Store(), Batch()
    for arrival, text in enumerate(frames, start=1):
        assert store.ingest(text.encode(), received_at=NOW + arrival).status == "applied"
        batch.add(text.encode(), NOW + arrival, arrival)
    (summary,) = game_summaries(store.snapshot().games, store.game_histories())
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        insert(connection, batch, "demo", latest_states(connection))
    deficit = query(path, "SELECT winner_biggest_deficit FROM finished_games").winner_biggest_deficit[0]
    assert deficit == summary.biggest_away_lead == 8
