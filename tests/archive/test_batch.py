"""Accepted frames filed as rows by the database: natural keys, predictions under their state, bad ones skipped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from lib.archive.batch import Batch, Written, file_apart, insert, latest_states, source_label
from lib.archive.schema import VIEWS, prepare
from lib.protocol import ScoreUpdate, parse
from tests.helpers import NOW, frame, game, prediction, score


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new archive, open for writing."""
    path = tmp_path / "nba.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        yield connection


def file(connection: duckdb.DuckDBPyConnection, frames: list[str | bytes], carried: pa.Table | None = None) -> Written:
    """Insert ``frames`` received a second apart, numbered on from the archive's rows."""
    batch = Batch()
    for index, text in enumerate(frames):
        batch.add(text.encode() if isinstance(text, str) else text, NOW + index, 100 + index)
    return insert(connection, batch, "demo", latest_states(connection) if carried is None else carried)


def rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return connection.execute(sql).fetchall()


def test_a_game_message_is_a_state_row_with_its_receipt(connection: duckdb.DuckDBPyConnection) -> None:
    """The state, the teams, the message type, the receive and send times, the source and the arrival number."""
    written = file(connection, [frame("game_start", game(start_time="2026-11-26T00:30:00Z"), ts=NOW - 1)])
    assert (written.new, written.known, written.skipped, written.orphans) == (1, 0, 0, 0)
    assert rows(connection, "SELECT game_id, home_score, away_score, period, clock, status, home_team, away_team, "
                "epoch(start_time), type, epoch(received_at), epoch(ts), source, arrival FROM game_updates") == [
        ("g1", 50, 48, 3, "07:12", "live", "Boston Celtics", "New York Knicks", 1_795_653_000.0, "game_start",
         NOW, NOW - 1, "demo", 100)
    ]  # fmt: skip


def test_a_prediction_is_filed_under_the_state_its_game_had_when_it_arrived(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    """The latest game message before it in arrival order, not a later one."""
    file(
        connection,
        [
            score(home_score=50),
            score(home_score=53, clock="06:40"),
            prediction(p=0.71, model="m", predicted_home_score=110.5),
            score(home_score=55, clock="06:10"),
        ],
    )
    filed = "SELECT home_score, clock, home_win_probability, model, predicted_home_score, predicted_away_score, arrival"
    assert rows(connection, f"{filed} FROM prediction_updates") == [(53, "06:40", 0.71, "m", 110.5, None, 102)]


def test_a_prediction_finds_its_games_state_in_an_earlier_batch(connection: duckdb.DuckDBPyConnection) -> None:
    """A batch boundary between a state and its prediction changes nothing: the state is carried over."""
    first = file(connection, [score(home_score=50), score(game_id="g2")])
    batch = Batch()
    batch.add(prediction(p=0.6).encode(), NOW + 5, 200)
    second = insert(connection, batch, "demo", first.latest)
    assert (second.new, second.orphans) == (1, 0)
    assert rows(connection, "SELECT home_score FROM prediction_updates") == [(50,)]


def test_a_prediction_finds_its_games_state_in_the_archive(connection: duckdb.DuckDBPyConnection) -> None:
    """A writer opened on an archive carries each game's latest archived state to its first batch."""
    file(connection, [score(home_score=50), score(home_score=51, clock="07:00")])
    batch = Batch()
    batch.add(prediction(p=0.6).encode(), NOW + 5, 200)
    assert insert(connection, batch, "demo", latest_states(connection)).new == 1
    assert rows(connection, "SELECT home_score FROM prediction_updates") == [(51,)]


def test_a_prediction_for_a_game_never_seen_is_counted_not_archived(connection: duckdb.DuckDBPyConnection) -> None:
    """Filing it under a made-up state would corrupt the key: it is an orphan."""
    written = file(connection, [prediction("unknown")])
    assert (written.new, written.orphans) == (0, 1)


def test_a_prediction_without_a_model_has_an_empty_model_key(connection: duckdb.DuckDBPyConnection) -> None:
    """A key column cannot be NULL; the ``predictions`` view shows NULL."""
    file(connection, [score(), prediction()])
    assert rows(connection, "SELECT model FROM prediction_updates") == [("",)]
    assert rows(connection, "SELECT model FROM predictions") == [(None,)]


def test_the_same_state_twice_is_one_row_with_its_first_receive_time(connection: duckdb.DuckDBPyConnection) -> None:
    """Within a batch and across batches, a state or prediction seen again is known, not new."""
    first = file(connection, [score(ts=1.0), prediction(p=0.6), score(ts=2.0), prediction(p=0.6, ts=3.0)])
    assert (first.new, first.known) == (2, 2)
    again = file(connection, [score(ts=9.0), prediction(p=0.6)])
    assert (again.new, again.known) == (0, 2)
    assert rows(connection, "SELECT epoch(received_at), epoch(ts) FROM game_updates") == [(NOW, 1.0)]


def test_frames_of_other_types_make_no_rows(connection: duckdb.DuckDBPyConnection) -> None:
    """A pong or a source report is accepted by the store but is not part of a night."""
    written = file(connection, [json.dumps({"type": "pong", "data": {"timestamp": 1.0}})])
    assert (written.new, written.known, written.skipped) == (0, 0, 0)


@pytest.mark.parametrize(
    "unreadable",
    [
        b'{"type":"prediction","data":{"game_id":"g1","home_win_probability":0.1,"home_win_probability":0.9}}',
        b'{"type":"score_update","type":"prediction","data":{"game_id":"g1","home_win_probability":0.1}}',
        b"{not json",
        b"\xff\xfe",
    ],
)
def test_a_frame_the_database_would_read_otherwise_than_the_store_is_skipped(
    connection: duckdb.DuckDBPyConnection, unreadable: bytes
) -> None:
    """A key given twice (the store keeps the last, DuckDB the first), or no JSON: counted, and the batch goes on."""
    written = file(connection, [score(), unreadable, prediction(p=0.3)])
    assert (written.new, written.skipped) == (2, 1)


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (score(ts=1e13), "score_update of game g1: ts 10000000000000.0 is outside 0 to 4133980800 (epoch seconds)"),
        (score(ts=-1.0), "score_update of game g1: ts -1.0 is outside 0 to 4133980800 (epoch seconds)"),
        (
            score(start_time="9999-12-31T23:59:59-05:00"),
            "score_update of game g1: start_time 9999-12-31T23:59:59-05:00 is not a time from 1946 to 2100 "
            "with its UTC offset",
        ),
        (
            score(start_time="0001-01-01T00:00:00+05:00"),
            "score_update of game g1: start_time 0001-01-01T00:00:00+05:00 is not a time from 1946 to 2100 "
            "with its UTC offset",
        ),
        (
            score(start_time="2026-11-26T00:30:00"),
            "score_update of game g1: start_time 2026-11-26T00:30:00 is not a time from 1946 to 2100 "
            "with its UTC offset",
        ),
        (
            score(start_time="1795653000"),
            "score_update of game g1: start_time 1795653000 is not a time from 1946 to 2100 with its UTC offset",
        ),
        (prediction(p=0.4, ts=1e16), "prediction of game g1: ts 1e+16 is outside 0 to 4133980800 (epoch seconds)"),
    ],
)
def test_a_frame_with_a_time_the_archive_cannot_hold_is_refused_and_named_and_the_rest_filed(
    connection: duckdb.DuckDBPyConnection, bad: str, named: str
) -> None:
    """One bad time among good frames: the others are filed, the bad one counted and named, nothing raised."""
    written = file(connection, [score(home_score=10), bad, score(home_score=20), prediction(p=0.6)])
    assert (written.new, written.skipped, written.refused, written.refusals) == (3, 0, 1, (named,))
    assert rows(connection, "SELECT home_score FROM game_updates ORDER BY arrival") == [(10,), (20,)]


def test_a_receive_time_the_archive_cannot_hold_is_refused(connection: duckdb.DuckDBPyConnection) -> None:
    """A recording's receive time is checked as the frame's own times are."""
    batch = Batch()
    batch.add(score(home_score=10).encode(), 1e13, 100)
    batch.add(score(home_score=20).encode(), NOW, 101)
    written = insert(connection, batch, "demo", latest_states(connection))
    assert (written.new, written.refused) == (1, 1)
    assert written.refusals == (
        "score_update of game g1: received at 10000000000000.0, outside 0 to 4133980800 (epoch seconds)",
    )


@pytest.mark.parametrize(
    "sent",
    [
        "2026-11-26T00:30:00Z",
        "2026-11-26t00:30:00z",
        "2026-11-26_00:30:00Z",
        "2026-11-26 01:30:00+01:00",
        "2026-11-26T01:30:00+0100",
        "2026-11-26T00:30:00,0Z",
        "2026-11-25T19:30:00-05:00",
    ],
)
def test_a_start_time_is_archived_as_the_instant_the_store_holds(
    connection: duckdb.DuckDBPyConnection, sent: str
) -> None:
    """Every form of ISO 8601 the protocol's parser reads is the same instant in the archive."""
    message = parse(score(start_time=sent))
    assert isinstance(message, ScoreUpdate)
    assert message.data.start_time is not None
    written = file(connection, [score(start_time=sent)])
    assert (written.new, written.refused) == (1, 0)
    assert rows(connection, "SELECT epoch(start_time) FROM game_updates") == [(message.data.start_time.timestamp(),)]


def test_a_batch_that_fails_for_an_unforeseen_reason_is_filed_around_the_frame_that_fails_alone(tmp_path: Path) -> None:
    """A rule no check foresaw (here a constraint the table gets for the test): the other frames are committed."""
    path = tmp_path / "strict.duckdb"
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        columns = connection.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'game_updates'").fetchall()
        for name in VIEWS:
            connection.execute(f"DROP VIEW {name}")
        connection.execute("DROP TABLE game_updates")
        connection.execute(columns[0][0].replace("PRIMARY KEY", "CHECK (home_score <> 13), PRIMARY KEY"))
        batch = Batch()
        for index, home_score in enumerate([10, 11, 12, 13, 14, 15, 16]):
            batch.add(score(home_score=home_score).encode(), NOW + index, 100 + index)
        written = file_apart(connection, batch, "demo", latest_states(connection))
        assert (written.new, written.refused) == (6, 1)
        assert written.refusals[0].startswith("frame 103: ConstraintException: ")
        kept = rows(connection, "SELECT home_score FROM game_updates ORDER BY arrival")
    assert kept == [(10,), (11,), (12,), (14,), (15,), (16,)]
    assert {state["home_score"] for state in written.latest.to_pylist()} == {16}


def test_the_latest_states_carried_are_each_games_last(connection: duckdb.DuckDBPyConnection) -> None:
    """What a batch carries on: one state per game, its last."""
    written = file(connection, [score(home_score=50), score(game_id="g2"), score(home_score=52, clock="07:00")])
    latest = sorted(written.latest.to_pylist(), key=lambda state: state["game_id"])
    assert [(s["game_id"], s["home_score"], s["clock"], s["arrival"]) for s in latest] == [
        ("g1", 52, "07:00", 102),
        ("g2", 50, "07:12", 101),
    ]


@pytest.mark.parametrize(
    ("source", "label"),
    [
        ("demo", "demo"),
        ("  nba ", "nba"),
        ("wss://alice:s3cret@feed.example.com:8443/ws/live?token=abc", "wss://feed.example.com:8443/ws/live?token=***"),
        ("import:night.jsonl", "import:night.jsonl"),
    ],
)
def test_a_source_is_a_short_label_and_a_url_loses_its_credentials(source: str, label: str) -> None:
    """A feed URL is recorded without ``user:password@`` and with every query value masked."""
    assert source_label(source) == label


@pytest.mark.parametrize("source", ["", "   ", "x" * 201])
def test_an_empty_or_overlong_source_is_refused(source: str) -> None:
    """A source label is 1-200 characters."""
    with pytest.raises(ValueError, match="1-200 characters"):
        source_label(source)
