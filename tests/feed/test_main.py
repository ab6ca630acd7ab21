"""The feed's command line: options, their checks (exit status 2 with a clear message), and the source they build."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from lib.feed.__main__ import build_parser, build_source, main, parse_args
from lib.feed.replay import ReplaySource
from lib.feed.simulator import NightSimulator
from lib.recorder import Recorder
from tests.conftest import REAL_GAMES_CSV
from tests.helpers import score

CSV_HEADER = "game_id,game_date,home_team,away_team,period,seconds_left_in_period,home_score,away_score\n"


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the command line's checks, expect exit status 2, and return what it printed."""
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2
    return capsys.readouterr().err


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """A two-frame recording."""
    path = tmp_path / "night.jsonl"
    with Recorder(path) as recorder:
        recorder.record(score(ts=1.0).encode(), False, 100.0)
        recorder.record(score(ts=2.0, home_score=52).encode(), False, 101.0)
    return path


@pytest.fixture
def games_csv(tmp_path: Path) -> Path:
    """A plain CSV of two short games."""
    path = tmp_path / "games.csv"
    path.write_text(
        CSV_HEADER
        + "0021500001,2015-10-27,ATL,DET,1,681,0,2\n0021500001,2015-10-27,ATL,DET,4,3,2,2\n"
        + "0021500001,2015-10-27,ATL,DET,4,1,3,2\n0021500002,2015-10-27,CHI,CLE,2,100,3,0\n"
    )
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--speed", "0"], "must be a positive number"),
        (["--speed", "fast"], "must be a positive number"),
        (["--speed", "-2"], "must be a positive number"),
        (["--interval", "inf"], "must be a positive number"),
        (["--games", "16"], "between 1 and 15"),
        (["--replay", "nowhere.jsonl"], "no such file: nowhere.jsonl"),
        (["--games-csv", "nowhere.csv.gz"], "no such file: nowhere.csv.gz"),
    ],
)
def test_bad_values_exit_with_status_2_and_say_why(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An impossible speed, interval or slate size, or a missing file, is a usage error naming the problem."""
    assert message in usage_error(argv, capsys)


def test_replay_and_games_csv_exclude_each_other(
    recording: Path, games_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One source at a time: --replay with --games-csv, --games or --seed is a usage error."""
    assert "not allowed with" in usage_error(["--replay", str(recording), "--games-csv", str(games_csv)], capsys)
    assert "--games and --seed" in usage_error(["--replay", str(recording), "--seed", "3"], capsys)
    assert "--games and --seed" in usage_error(["--replay", str(recording), "--games", "4"], capsys)


def test_help_names_the_replay_and_csv_options() -> None:
    """--help documents --replay and --games-csv and what --speed means for each."""
    text = build_parser().format_help()
    for option in ("--replay", "--games-csv", "--speed", "twice as fast", "game seconds per real second"):
        assert option in text


def test_a_file_that_is_not_what_it_should_be_exits_with_status_2(
    tmp_path: Path, recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CSV passed as a recording, a broken CSV or an empty one stops the command before serving."""
    broken = tmp_path / "broken.csv"
    broken.write_text("not,the,header\n")
    empty = tmp_path / "empty.csv"
    empty.write_text(CSV_HEADER)
    not_a_recording = tmp_path / "games.jsonl"
    not_a_recording.write_text(CSV_HEADER + "0021500001,2015-10-27,ATL,DET,1,681,0,2\n")
    for argv, message in [
        (["--games-csv", str(broken)], "expected the header"),
        (["--games-csv", str(empty)], "holds no games"),
        (["--replay", str(not_a_recording)], "line 1"),
    ]:
        assert main(argv) == 2
        assert message in capsys.readouterr().err


def test_the_default_is_a_simulated_night() -> None:
    """With no source option the command serves simulated games, at the seed's pace."""
    source = build_source(parse_args(["--seed", "3"]))
    assert isinstance(source, NightSimulator)
    source.advance(0.0)
    assert len(source.games) == 8
    assert all(game.game_id.startswith("sim-") for game in source.games)


def test_games_csv_builds_a_night_of_those_games(games_csv: Path) -> None:
    """--games-csv plays the file's games, a slate of --games at a time, under their real ids."""
    source = build_source(parse_args(["--games-csv", str(games_csv), "--games", "1", "--speed", "1000"]))
    assert isinstance(source, NightSimulator)
    source.advance(0.0)
    ((game,),) = [source.games]
    assert game.game_id.endswith("-0021500001")
    assert (game.home_team, game.away_team) == ("Atlanta Hawks", "Detroit Pistons")


def test_games_csv_reads_the_real_gzip_file() -> None:
    """The real NBA file, gzip-compressed, is accepted as it is."""
    if not REAL_GAMES_CSV.is_file():
        pytest.skip(f"the real NBA data is absent: {REAL_GAMES_CSV}")
    source = build_source(parse_args(["--games-csv", str(REAL_GAMES_CSV)]))
    assert isinstance(source, NightSimulator)
    source.advance(0.0)
    with gzip.open(REAL_GAMES_CSV, "rt") as text:
        next(text)
        first_id = next(text).split(",", 1)[0]
    assert source.games[0].game_id.endswith(f"-{first_id}")


def test_replay_builds_a_replay_at_the_given_speed(recording: Path) -> None:
    """--replay serves the recording; --speed scales its timing (1 by default)."""
    for argv, gap in ([], 1.0), (["--speed", "4"], 0.25):
        source = build_source(parse_args(["--replay", str(recording), *argv]))
        assert isinstance(source, ReplaySource)
        assert source.advance(50.0) == [score(ts=1.0)]
        assert source.next_due() == 50.0 + gap
