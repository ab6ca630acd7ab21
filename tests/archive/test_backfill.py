"""Importing a past night: only what a client accepts goes in, once, in one transaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.archive import ArchiveLockedError, ArchiveWriter, games, query, scorecard
from lib.archive.backfill import import_frames
from lib.archive.sources import games_csv_frames, plays_csv_frames, recording_frames
from lib.protocol import PredictionUpdate, ScoreUpdate
from lib.recorder import RecordedFrame, Recorder
from lib.store import ConnectionState
from tests.archive.night import score_frame
from tests.conftest import REAL_GAMES_CSV, REAL_PLAYS_CSV, ClientFactory
from tests.helpers import NOW, prediction, score


def counts(archive: Path) -> tuple[int, int]:
    row = query(
        archive, "SELECT (SELECT count(*) FROM game_updates) AS s, (SELECT count(*) FROM prediction_updates) AS p"
    )
    return int(row.s[0]), int(row.p[0])


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """A night with frames a client rejects or skips among the good ones."""
    path = tmp_path / "night.jsonl"
    frames = [
        score(ts=1.0, home_score=50),
        prediction(p=0.6, ts=1.5),
        score(ts=2.0, home_score=53, clock="06:58"),
        score(ts=3.0, home_score=40, clock="06:30"),  # a score going down without a correction: rejected
        score(ts=1.8, home_score=52, clock="07:00"),  # older than what is held: stale
        "{not json",  # rejected
        prediction("g9", p=0.5, ts=4.0),  # a game never seen: rejected
        json.dumps({"type": "pong", "data": {"timestamp": 5.0}}),  # accepted, not part of the night
        prediction(p=0.7, ts=4.0),
    ]
    with Recorder(path) as recorder:
        for second, frame in enumerate(frames):
            recorder.record(frame.encode(), False, NOW + second)
        recorder.record(b"\x00", True, NOW + len(frames))  # a binary frame: rejected
    return path


def test_a_recording_imports_only_what_a_client_accepts(recording: Path, tmp_path: Path) -> None:
    """Rejected, stale and pong frames add no row; the rest keep their recorded receive times."""
    archive = tmp_path / "nba.duckdb"
    result = import_frames(archive, recording_frames(recording), "import:night.jsonl")
    assert (result.frames, result.applied, result.rejected, result.new_rows, result.known_rows) == (10, 4, 4, 4, 0)
    states = query(archive, "SELECT home_score, clock, received_at, source FROM game_updates ORDER BY arrival")
    assert list(states.home_score) == [50, 53]
    assert [t.timestamp() for t in states.received_at] == [NOW, NOW + 2]
    assert set(states.source) == {"import:night.jsonl"}
    predictions = query(archive, "SELECT home_score, home_win_probability FROM predictions ORDER BY arrival")
    assert list(predictions.itertuples(index=False, name=None)) == [(50, 0.6), (53, 0.7)]


def test_a_night_imported_twice_adds_nothing_the_second_time(recording: Path, tmp_path: Path) -> None:
    """Every row of the second import is already there."""
    archive = tmp_path / "nba.duckdb"
    import_frames(archive, recording_frames(recording), "import:night.jsonl")
    again = import_frames(archive, recording_frames(recording), "import:night.jsonl")
    assert (again.new_rows, again.known_rows) == (0, 4)
    assert counts(archive) == (2, 2)


def test_a_recording_of_a_night_the_live_writer_archived_adds_nothing(tmp_path: Path) -> None:
    """The live writer and the import file a night under the same keys."""
    archive, path = tmp_path / "nba.duckdb", tmp_path / "night.jsonl"
    with Recorder(path) as recorder, ArchiveWriter(archive, source="demo") as writer:
        for number in range(30):
            recorder.record(score_frame(number), False, NOW + number)
            writer.offer(score_frame(number), NOW + number)
    assert import_frames(archive, recording_frames(path), "import:night.jsonl").new_rows == 0


def test_the_snapshot_sent_on_every_reconnect_adds_nothing(
    feed_server: ScriptedFeed, make_client: ClientFactory, tmp_path: Path
) -> None:
    """Over a real socket: the server sends its latest state again after a reconnect; the archive already has it."""
    path, archive = tmp_path / "night.jsonl", tmp_path / "nba.duckdb"
    with Recorder(path) as recorder:
        client = make_client(feed_server.url, on_frame=recorder.record)
        client.start()
        wait_for(lambda: client.store.snapshot().connection.state is ConnectionState.CONNECTED, what="connected")
        for home_score in (10, 12, 15):
            feed_server.publish(
                [
                    ScoreUpdate.model_validate_json(score(home_score=home_score, clock=f"0{home_score % 10}:00")),
                    PredictionUpdate.model_validate_json(prediction(p=home_score / 20)),
                ]
            )
        wait_for(lambda: client.store.snapshot().counters.accepted == 6, what="six messages")
        feed_server.close_all(1012)  # the server restarts: the client reconnects and is sent the snapshot
        wait_for(lambda: client.store.snapshot().counters.accepted == 8, what="the snapshot after reconnecting")
        client.stop()
    result = import_frames(archive, recording_frames(path), "import:night.jsonl")
    assert (result.frames, result.new_rows, result.known_rows) == (8, 6, 2)
    assert counts(archive) == (3, 3)


def test_a_recording_bad_half_way_adds_nothing(recording: Path, tmp_path: Path) -> None:
    """A corrupt line in the middle fails the import naming the file and line; the archive is as it was."""
    archive = tmp_path / "nba.duckdb"
    import_frames(archive, iter([RecordedFrame(NOW, False, score(game_id="kept").encode())]), "demo")
    lines = recording.read_text().splitlines()
    recording.write_text("\n".join([*lines[:3], "garbage", *lines[3:]]) + "\n")
    with pytest.raises(ValueError, match=rf"{recording}, line 4: not a JSON line"):
        import_frames(archive, recording_frames(recording), "import:night.jsonl")
    assert list(query(archive, "SELECT game_id FROM game_updates").game_id) == ["kept"]


def test_an_import_is_refused_while_a_live_writer_has_the_archive(recording: Path, tmp_path: Path) -> None:
    """One writer per file: the import says who writes it."""
    archive = tmp_path / "nba.duckdb"
    with ArchiveWriter(archive, source="demo"), pytest.raises(ArchiveLockedError, match="already has a writer"):
        import_frames(archive, recording_frames(recording), "import:night.jsonl")


def test_a_games_csv_imports_its_games_finished_with_predictions(tmp_path: Path) -> None:
    """Each game: its announcement, scoring changes and final as states, a prediction with each."""
    path, archive = tmp_path / "games.csv", tmp_path / "nba.duckdb"
    path.write_text(
        "game_id,game_date,home_team,away_team,period,seconds_left_in_period,home_score,away_score\n"
        "0021500001,2015-10-27,ATL,DET,1,681,0,2\n0021500001,2015-10-27,ATL,DET,4,1,3,2\n"
    )
    result = import_frames(archive, games_csv_frames(path), "import:games.csv")
    assert (result.new_rows, result.rejected) == (8, 0)
    finished = query(archive, "SELECT game_id, home_team, home_score, away_score, predictions FROM finished_games")
    assert list(finished.itertuples(index=False, name=None)) == [("0021500001", "Atlanta Hawks", 3, 2, 3)]


@pytest.fixture(scope="module")
def real_season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 632 real games of the shared file, imported once for this module."""
    if not REAL_GAMES_CSV.is_file():
        pytest.skip(f"the real NBA data is absent: {REAL_GAMES_CSV}")
    archive = tmp_path_factory.mktemp("season") / "season.duckdb"
    result = import_frames(archive, games_csv_frames(REAL_GAMES_CSV), "import:nba_real_games.csv.gz")
    assert result.rejected == 0
    return archive


def test_the_real_plays_are_refused_by_an_archive_of_the_real_games(real_season: Path) -> None:
    """The README's two imports into one archive: the plays CSV's second telling of the 632 games adds nothing, so
    every game stays finished with its score changes (the other order is ``test_main``'s)."""
    if not REAL_PLAYS_CSV.is_file():
        pytest.skip(f"the real NBA plays are absent: {REAL_PLAYS_CSV}")
    before = counts(real_season)
    with pytest.raises(ValueError, match=r"^game 0021500001 is in .* already, from import:nba_real_games.csv.gz: "):
        import_frames(real_season, plays_csv_frames(REAL_PLAYS_CSV), "import:nba_real_plays.csv.gz", sole_source=True)
    assert counts(real_season) == before
    assert query(real_season, "SELECT count(*) AS n FROM finished_games").n[0] == 632
    assert query(real_season, "SELECT count(*) AS n FROM score_changes").n[0] == 69_733
    assert query(real_season, "SELECT count(*) AS n FROM play_updates").n[0] == 0


def test_the_632_real_games_import_whole(real_season: Path) -> None:
    """Every real game of the shared file is in the archive, finished, with its predictions scored."""
    assert query(real_season, "SELECT count(*) AS n FROM finished_games").n[0] == 632
    card = scorecard(real_season)
    assert card.overall["games"].iloc[0] == 632
    assert card.enough


def test_the_real_games_keep_their_teams_records(real_season: Path, real_records: dict[str, tuple[str, str]]) -> None:
    """Every imported game has both teams' records before it in the file, in the games view and on its record."""
    rows = query(real_season, "SELECT game_id, home_record, away_record FROM games")
    assert {row.game_id: (row.home_record, row.away_record) for row in rows.itertuples()} == real_records
    archived = games(real_season)
    assert {game_id: (r.game.home_record, r.game.away_record) for game_id, r in archived.items()} == real_records
    assert set(real_records.values()) != {("0-0", "0-0")}, "records that grow through the season"


def test_a_finished_game_keeps_its_real_final_score(real_season: Path) -> None:
    """The file's last scoring change is the archived final (the first game of the file: Detroit won 106-94)."""
    final = query(
        real_season, "SELECT home_score, away_score, home_won FROM finished_games WHERE game_id = '0021500001'"
    )
    assert list(final.itertuples(index=False, name=None)) == [(94, 106, False)]


def test_game_states_carry_the_files_ids_and_dates(real_season: Path) -> None:
    """Game ids are the file's; a game's start time is its date."""
    first = query(real_season, "SELECT game_id, start_time FROM games ORDER BY arrival LIMIT 1")
    assert first.game_id[0] == "0021500001"
    assert str(first.start_time[0].date()) == "2015-10-27"


def test_one_game_of_the_season_can_be_opened(real_season: Path) -> None:
    """A game's score changes in order, as the game detail draws them."""
    changes = query(real_season, "SELECT home_score, away_score FROM score_changes WHERE game_id = ? ORDER BY arrival",
                    ["0021500001"])  # fmt: skip
    assert list(changes.itertuples(index=False, name=None))[:2] == [(0, 2), (2, 2)]
    assert list(changes.itertuples(index=False, name=None))[-1] == (94, 106)


def test_a_prediction_is_filed_under_the_state_the_store_holds(tmp_path: Path) -> None:
    """An imported prediction carries its game's state when it arrived, as the store had it."""
    archive = tmp_path / "nba.duckdb"
    frames = [RecordedFrame(NOW, False, score(home_score=70).encode())]
    frames.append(RecordedFrame(NOW + 1, False, prediction(p=0.8).encode()))
    import_frames(archive, iter(frames), "demo")
    assert query(archive, "SELECT home_score FROM predictions").home_score[0] == 70
