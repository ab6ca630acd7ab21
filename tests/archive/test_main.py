"""``python -m lib.archive import``: each kind of input, what it prints, and exit status 2 or 1 naming what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cdn import CELTICS, KNICKS, CdnNight, CdnStandIn
from lib.archive import ArchiveWriter, query
from lib.archive.__main__ import main
from lib.recorder import MAX_LINE_BYTES, Recorder
from tests.archive.child import REPOSITORY
from tests.conftest import REAL_PLAYS_CSV
from tests.feed.sources.nba.test_replay import GAME, TIP, play_a_game
from tests.helpers import NOW, prediction, score

CSV = (
    "game_id,game_date,home_team,away_team,period,seconds_left_in_period,home_score,away_score\n"
    "0021500001,2015-10-27,ATL,DET,1,681,0,2\n0021500001,2015-10-27,ATL,DET,4,1,3,2\n"
)


@pytest.fixture
def games_csv(tmp_path: Path) -> Path:
    path = tmp_path / "games.csv"
    path.write_text(CSV)
    return path


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "night.jsonl"
    with Recorder(path) as recorder:
        recorder.record(score(game_id="r1", ts=1.0).encode(), False, NOW)
        recorder.record(prediction("r1", ts=2.0).encode(), False, NOW + 1)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The exit status, the output and the errors of the command line."""
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_recordings_and_csvs_are_imported_each_saying_what_it_added(
    games_csv: Path, recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line per input: frames, applied, rejected, rows new and already there; then again, nothing new."""
    archive = tmp_path / "nba.duckdb"
    status, out, _ = run(["import", str(recording), str(games_csv), "--archive", str(archive)], capsys)
    assert status == 0
    assert out.splitlines() == [
        f"{recording}: 2 frames, 2 applied, 0 rejected; 2 rows new to {archive}, 0 already there",
        f"{games_csv}: 8 frames, 8 applied, 0 rejected; 8 rows new to {archive}, 0 already there",
    ]
    status, out, _ = run(["import", str(games_csv), "--archive", str(archive)], capsys)
    assert (status, out.splitlines()[0].endswith("0 rows new to " + str(archive) + ", 8 already there")) == (0, True)
    sources = query(archive, "SELECT DISTINCT source FROM game_updates ORDER BY source").source
    assert list(sources) == ["import:games.csv", "import:night.jsonl"]


@pytest.fixture
def cdn() -> Iterator[CdnStandIn]:
    night = CdnNight("2025-03-09")
    night.add(GAME, CELTICS, KNICKS, TIP)
    play_a_game(night, GAME, TIP)
    night.add("0022400914", KNICKS, CELTICS, TIP)  # scheduled, never played
    with CdnStandIn(night) as stand_in:
        yield stand_in


def test_finished_nba_games_are_imported_by_id(
    cdn: CdnStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the NBA bridge's replay, under the NBA's game id, the final score as the CDN has it."""
    archive = tmp_path / "nba.duckdb"
    status, out, err = run(
        ["import", "--nba-game", GAME, "--nba-base-url", cdn.base_url, "--archive", str(archive)], capsys
    )
    assert status == 0, err
    assert out.startswith(f"NBA games {GAME}: ")
    final = query(archive, "SELECT game_id, home_score, away_score, source FROM finished_games")
    assert list(final.itertuples(index=False, name=None)) == [(GAME, 7, 3, "import:nba")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import"], "import needs a FILE or an --nba-game"),
        (["import", "nowhere.jsonl"], "no such file: nowhere.jsonl"),
        (["import", "night.parquet"], "night.parquet: not a recording (.jsonl) or a games CSV (.csv, .csv.gz)"),
        (["import", "games.gz"], "games.gz: not a recording"),
        (["import", "--nba-game", "22400913"], "must be a 10-digit NBA game id"),
        (["export"], "invalid choice"),
    ],
)
def test_a_bad_command_line_exits_with_status_2_saying_why(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing is read or written before the command line is right."""
    status, _, err = run(argv, capsys)
    assert status == 2
    assert message in err


def test_a_bad_input_exits_with_status_2_naming_it_and_keeps_what_came_before(
    games_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CSV with a bad line is named with its line; the file before it stays imported, nothing of it is."""
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "0021500001,2015-10-27,ATL,DET,4,0,1,2\n")
    archive = tmp_path / "nba.duckdb"
    status, out, err = run(["import", str(games_csv), str(bad), "--archive", str(archive)], capsys)
    assert status == 2
    assert len(out.splitlines()) == 1
    assert f"error: {bad}, line 4: a score decreased; nothing of it was imported" in err
    assert query(archive, "SELECT count(*) AS n FROM finished_games").n[0] == 1


def test_a_game_the_nba_does_not_have_exits_with_status_2_naming_it(
    cdn: CdnStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A game whose files cannot be fetched (one never played) is named; the archive is not touched."""
    archive = tmp_path / "nba.duckdb"
    status, _, err = run(
        ["import", "--nba-game", "0022400914", "--nba-base-url", cdn.base_url, "--archive", str(archive)], capsys
    )
    assert status == 2
    assert "NBA games 0022400914: game 0022400914: HTTP 404" in err
    assert not archive.exists()


def test_an_archive_another_writer_has_exits_with_status_1(
    games_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The archive, not the input, is the problem: status 1 and who writes it."""
    archive = tmp_path / "nba.duckdb"
    with ArchiveWriter(archive, source="demo"):
        status, _, err = run(["import", str(games_csv), "--archive", str(archive)], capsys)
    assert status == 1
    assert f"{archive} already has a writer" in err


def test_a_recording_that_starts_with_a_ts_in_microseconds_imports_every_other_frame(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One frame stamped in microseconds, then 199 good ones: the one is rejected as a client would, 199 rows go in."""
    path = tmp_path / "night.jsonl"
    with Recorder(path) as recorder:
        recorder.record(score(game_id="r0", ts=1e13).encode(), False, NOW)
        for number in range(1, 200):
            recorder.record(score(game_id=f"r{number}", ts=NOW + number).encode(), False, NOW + number)
    archive = tmp_path / "nba.duckdb"
    status, out, err = run(["import", str(path), "--archive", str(archive)], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"{path}: 200 frames, 199 applied, 1 rejected; 199 rows new to {archive}, 0 already there"
    ]
    assert query(archive, "SELECT count(*) AS n FROM games").n[0] == 199


def typed(*argv: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m lib.archive ARGV`` from the repository root, as typed."""
    return subprocess.run(
        [sys.executable, "-m", "lib.archive", *map(str, argv)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="the peak memory is read from Linux's /proc")
def test_a_recording_of_one_endless_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    """1 GiB without a line break: exit 2 naming the line, and the import's memory stays far below the line's size."""
    endless = tmp_path / "endless.jsonl"
    with endless.open("wb") as file:
        file.truncate(2**30)  # sparse: the disk keeps nothing, a reader gets 1 GiB of zero bytes
    archive = tmp_path / "nba.duckdb"
    # The process's own high-water mark (getrusage's would count the test process it was forked from).
    measured = (
        "import re, sys\n"
        "from lib.archive.__main__ import main\n"
        "try:\n"
        "    sys.exit(main(sys.argv[1:]))\n"
        "finally:\n"
        "    status = open('/proc/self/status').read()\n"
        "    print(int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) * 1024, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", measured, "import", str(endless), "--archive", str(archive)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    *message, peak = done.stderr.splitlines()
    assert done.returncode == 2
    assert message == [
        f"python -m lib.archive: error: {endless}, line 1: longer than {MAX_LINE_BYTES:,} bytes, "
        "which no frame makes; nothing of it was imported"
    ]
    assert int(peak) < 2**30 / 2, f"peak {int(peak) / 2**20:.0f} MiB"


def test_an_archive_that_is_a_fifo_is_refused_at_once_by_the_import(tmp_path: Path, recording: Path) -> None:
    """A FIFO where the archive goes: exit 1 naming it, instead of waiting for ever for a writer to the FIFO."""
    fifo = tmp_path / "nba.duckdb"
    os.mkfifo(fifo)
    done = typed("import", recording, "--archive", fifo, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr == (
        f"python -m lib.archive: error: {fifo} is not a regular file (a FIFO, a folder or a device): "
        "an archive is one\n"
    )


def test_the_module_runs_as_a_program(games_csv: Path, tmp_path: Path) -> None:
    """``python -m lib.archive import`` from the repository root."""
    archive = tmp_path / "nba.duckdb"
    done = typed("import", games_csv, "--archive", archive)
    assert done.returncode == 0, done.stderr
    assert "8 rows new" in done.stdout


@pytest.mark.parametrize("archive", ["g.csv", "g.csv.gz"])
def test_an_archive_named_like_a_csv_exits_with_status_2_saying_the_arguments_look_swapped(
    games_csv: Path, tmp_path: Path, archive: str
) -> None:
    """``import nba.duckdb --archive g.csv``, as typed: the swap is named, and no file is opened or made."""
    existing = tmp_path / archive
    existing.write_bytes(games_csv.read_bytes())
    for source in (tmp_path / "nba.duckdb", games_csv):
        done = typed("import", source, "--archive", existing)
        assert done.returncode == 2
        assert (
            f"error: {existing} is not a DuckDB archive (it looks like a CSV: did you swap the input and --archive?)"
            in done.stderr
        )
    assert existing.read_bytes() == games_csv.read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([archive, "games.csv"])


PLAYS_CSV = (
    "game_id,event_num,period,seconds_left_in_period,event_type,action_type,team,player_id,player,description,"
    "home_score,away_score\n"
    "0021500001,0,1,720,12,0,,,,,0,0\n"
    "0021500001,2,1,681,1,80,DET,1,Marcus Morris,Morris 13' Jump Shot (2 PTS),0,2\n"
    "0021500001,3,4,1,1,1,ATL,2,Al Horford,Horford 3PT Jump Shot (3 PTS),3,2\n"
    "0021500001,4,4,0,13,0,,,,,3,2\n"
)


def test_a_plays_csv_imports_its_games_every_play_and_their_probabilities(
    games_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Told by its header, with its games CSV beside it: states, predictions of the plays' own probability, plays."""
    plays_csv = games_csv.with_name("plays.csv")  # beside games.csv
    plays_csv.write_text(PLAYS_CSV)
    archive = games_csv.with_name("nba.duckdb")
    status, out, _ = run(["import", str(plays_csv), "--archive", str(archive)], capsys)
    assert status == 0
    assert out.splitlines() == [
        f"{plays_csv}: 12 frames, 12 applied, 0 rejected; 12 rows new to {archive}, 0 already there"
    ]
    plays = query(archive, "SELECT * FROM plays")
    assert list(plays.columns) == [
        "game_id", "play_id", "period", "clock", "team", "player", "description", "kind", "home_score",
        "away_score", "home_win_probability", "home_wp_change", "wpa",
    ]  # fmt: skip
    assert plays.team.fillna("none").tolist() == ["none", "Detroit Pistons", "Atlanta Hawks", "none"]
    assert plays.home_wp_change.sum() == pytest.approx(1.0 - plays.home_win_probability[0])
    predictions = query(archive, "SELECT home_win_probability, model FROM predictions ORDER BY arrival")
    assert list(predictions.home_win_probability) == list(plays.home_win_probability)  # a state for each here
    assert set(predictions.model) == {"form-1996-2024+home-edge"}  # both teams' first game: 0-0 tells nothing
    games = query(archive, "SELECT status, home_record, away_record FROM games")
    assert list(games.itertuples(index=False, name=None)) == [("final", "0-0", "0-0")]  # the file's first game
    players = query(archive, "SELECT * FROM player_wpa ORDER BY wpa DESC")
    assert list(players.columns) == ["game_id", "team", "player", "plays", "wpa"]
    assert list(players.player) == ["Al Horford", "Marcus Morris"]


def archived(archive: Path) -> tuple[str, ...]:
    """Everything the archive holds, as CSV text, to tell whether an import changed it."""
    return tuple(
        query(archive, f"SELECT * FROM {table} ORDER BY arrival").to_csv(index=False)
        for table in ("game_updates", "prediction_updates", "play_updates")
    )


@pytest.mark.parametrize(("first", "second"), [("games.csv", "plays.csv"), ("plays.csv", "games.csv")])
def test_a_csv_telling_games_the_archive_holds_from_another_file_exits_with_status_2_adding_nothing(
    games_csv: Path, capsys: pytest.CaptureFixture[str], first: str, second: str
) -> None:
    """The games CSV and the plays CSV of the same games into one archive: the second is refused, naming the game,
    the file it came from and what to do; the archive is as the first left it, and the first again adds nothing."""
    games_csv.with_name("plays.csv").write_text(PLAYS_CSV)
    archive = games_csv.with_name("nba.duckdb")
    first_path, second_path = games_csv.with_name(first), games_csv.with_name(second)
    assert run(["import", str(first_path), "--archive", str(archive)], capsys)[0] == 0
    before = archived(archive)
    status, out, err = run(["import", str(second_path), "--archive", str(archive)], capsys)
    assert (status, out) == (2, "")
    assert (
        f"error: {second_path}: game 0021500001 is in {archive} already, from import:{first}: an archive holds one "
        "telling of a game, and this input tells it again with states and predictions of its own; import it into "
        "another archive (--archive another.duckdb); nothing of it was imported"
    ) in err
    assert archived(archive) == before
    assert query(archive, "SELECT status FROM games").status.tolist() == ["final"]
    status, out, _ = run(["import", str(first_path), "--archive", str(archive)], capsys)
    assert (status, " 0 rows new to " in out) == (0, True)
    assert archived(archive) == before


def test_nba_games_the_archive_holds_from_a_csv_exit_with_status_2_adding_nothing(
    cdn: CdnStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--nba-game`` of a game a CSV's import told already: refused as a second CSV would be, the archive as it was."""
    games_csv = tmp_path / "games.csv"
    games_csv.write_text(CSV.replace("0021500001,2015-10-27,ATL,DET", f"{GAME},2025-03-09,BOS,NYK"))
    archive = tmp_path / "nba.duckdb"
    assert run(["import", str(games_csv), "--archive", str(archive)], capsys)[0] == 0
    before = archived(archive)
    status, out, err = run(
        ["import", "--nba-game", GAME, "--nba-base-url", cdn.base_url, "--archive", str(archive)], capsys
    )
    assert (status, out) == (2, "")
    assert f"error: NBA games {GAME}: game {GAME} is in {archive} already, from import:games.csv: " in err
    assert archived(archive) == before


def test_both_csvs_in_one_command_import_the_first_and_refuse_the_second(
    games_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``import games.csv plays.csv``: the games CSV's games stay, finished; the plays CSV's rows are not added."""
    plays_csv = games_csv.with_name("plays.csv")
    plays_csv.write_text(PLAYS_CSV)
    archive = games_csv.with_name("nba.duckdb")
    status, out, err = run(["import", str(games_csv), str(plays_csv), "--archive", str(archive)], capsys)
    assert (status, len(out.splitlines())) == (2, 1)
    assert f"error: {plays_csv}: game 0021500001 is in {archive} already, from import:games.csv" in err
    finished = query(archive, "SELECT count(*) AS n FROM finished_games").n[0]
    changes = query(archive, "SELECT count(*) AS n FROM score_changes").n[0]
    plays = query(archive, "SELECT count(*) AS n FROM plays").n[0]
    assert (finished, changes, plays) == (1, 2, 0)


def test_a_plays_csv_without_its_games_exits_with_status_2_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The games CSV beside it is where the plays' teams and forms come from."""
    plays_csv = tmp_path / "nba_real_plays.csv"
    plays_csv.write_text(PLAYS_CSV)
    status, _, err = run(["import", str(plays_csv), "--archive", str(tmp_path / "nba.duckdb")], capsys)
    assert status == 2
    assert f"{plays_csv}: its games are read from {tmp_path / 'nba_real_games.csv'}, which is missing" in err


def test_the_real_plays_file_archives_every_play_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], real_records: dict[str, tuple[str, str]]
) -> None:
    """All 292,454 plays of the 632 games, each game's changes adding up to its result, its states with the teams'
    records; importing twice adds nothing."""
    if not REAL_PLAYS_CSV.is_file():
        pytest.skip(f"the real NBA plays are absent: {REAL_PLAYS_CSV}")
    archive = tmp_path / "nba.duckdb"
    assert run(["import", str(REAL_PLAYS_CSV), "--archive", str(archive)], capsys)[0] == 0
    counts = query(archive, "SELECT count(*) AS plays, count(DISTINCT game_id) AS games FROM plays")
    assert (counts.plays[0], counts.games[0]) == (292_454, 632)
    identity = query(
        archive,
        """SELECT p.game_id, sum(p.home_wp_change) AS changes,
                  f.home_won::INTEGER - any_value(p.home_win_probability)
                      FILTER (p.period = 1 AND p.clock = '12:00' AND p.home_score = 0 AND p.away_score = 0) AS expected
           FROM plays p JOIN finished_games f USING (game_id) GROUP BY p.game_id, f.home_won""",
    )
    assert len(identity) == 632
    assert (identity.changes - identity.expected).abs().max() < 1e-9
    assert query(archive, "SELECT count(*) AS n FROM plays WHERE home_wp_change IS NULL").n[0] == 0
    teams = query(
        archive,
        """SELECT game_id, sum(home_wp_change) AS changes,
                  coalesce(sum(wpa) FILTER (team = home_team), 0) - coalesce(sum(wpa) FILTER (team = away_team), 0)
                      AS between_teams,
                  coalesce(sum(home_wp_change) FILTER (team IS NULL), 0) AS nobodys
           FROM plays p JOIN games g USING (game_id) GROUP BY game_id""",
    ).set_index("game_id")
    assert (teams.between_teams - (teams.changes - teams.nobodys)).abs().max() < 1e-9, "README: what no team is given"
    assert round(teams.nobodys.abs().max(), 2) == 0.26 == round(abs(teams.nobodys["0021500148"]), 2)
    records = query(archive, "SELECT DISTINCT game_id, home_record, away_record FROM game_updates")
    assert len(records) == len(real_records), "one pair of records a game, on every state"
    assert {row.game_id: (row.home_record, row.away_record) for row in records.itertuples()} == real_records
    status, out, _ = run(["import", str(REAL_PLAYS_CSV), "--archive", str(archive)], capsys)
    assert (status, out.strip().endswith("0 rows new to " + str(archive) + ", 439,438 already there")) == (0, True)
    assert query(archive, "SELECT count(*) AS n FROM play_updates").n[0] == 292_454
