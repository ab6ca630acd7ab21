"""The feed's command line: options, their checks (exit status 2 with a clear message), the source they build."""

from __future__ import annotations

import contextlib
import gzip
import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket

from harness.cdn import CELTICS, KNICKS, CdnNight, CdnStandIn
from harness.ports import free_port
from harness.waiting import wait_for
from lib.archive import ArchiveWriter, query
from lib.archive.lock import lock_path
from lib.feed.__main__ import build_parser, build_source, main, parse_args
from lib.feed.sources.nba.replay import NbaReplaySource
from lib.feed.sources.nba.source import NbaSource
from lib.feed.sources.night import NightSimulator
from lib.feed.sources.recording import ReplaySource
from lib.protocol import PlayUpdate
from lib.recorder import Recorder
from lib.store import Store
from tests.conftest import REAL_GAMES_CSV, REAL_PLAYS_CSV, ClientFactory
from tests.helpers import score

REPOSITORY = Path(__file__).resolve().parents[2]
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
        (["--source", "nba", "--poll", "0.5"], "at least 1 s"),
        (["--source", "nba", "--poll", "soon"], "must be a positive number"),
        (["--source", "nba", "--nba-game", "22400913"], "10-digit NBA game id"),
        (["--source", "espn"], "invalid choice"),
        (["--poll", "5"], "--poll is for --source nba"),
        (["--nba-base-url", "http://localhost"], "--nba-base-url is for --source nba"),
        (["--nba-game", "0022400913"], "--nba-game is for --source nba"),
        (["--source", "nba", "--seed", "3"], "--seed shapes another source"),
        (["--source", "nba", "--speed", "2"], "needs --nba-game"),
        (["--source", "nba", "--nba-game", "0022400913", "--poll", "2"], "paced by --speed"),
        (["--start-now"], "--start-now starts a replay"),
        (["--port", "99999"], "a port number from 0 to 65535, got 99999"),
        (["--port", "-5"], "a port number from 0 to 65535, got -5"),
        (["--port", "http"], "a port number from 0 to 65535, got http"),
        (["--source", "nba", "--start-now"], "--start-now starts a replay"),
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
    """--help documents --replay, --games-csv, --plays-csv and what --speed means for each."""
    text = build_parser().format_help()
    options = ("--replay", "--games-csv", "--plays-csv", "--speed", "twice as fast", "game seconds per real second")
    for option in options:
        assert option in text


PLAYS_CSV = (
    "game_id,event_num,period,seconds_left_in_period,event_type,action_type,team,player_id,player,description,"
    "home_score,away_score\n"
    "0021500001,0,1,720,12,0,,,,,0,0\n"
    "0021500001,5,1,681,1,80,DET,202694,Marcus Morris,Morris 13' Jump Shot (2 PTS),0,2\n"
    "0021500001,400,4,3,1,5,ATL,201143,Al Horford,Horford Layup (2 PTS),2,2\n"
    "0021500001,401,4,1,3,10,ATL,201952,Jeff Teague,Teague Free Throw 1 of 1 (1 PTS),3,2\n"
    "0021500001,402,4,0,13,0,,,,,3,2\n"
)


def _sent_plays(source: NightSimulator) -> list[PlayUpdate]:
    return [m for m in source.advance(0.0) + source.advance(10**6) if isinstance(m, PlayUpdate)]


def test_games_csv_sends_the_plays_beside_it_or_those_of_plays_csv(
    games_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plays CSV beside the games CSV (games -> plays in its name), else none; --plays-csv names another."""
    argv = ["--games-csv", str(games_csv), "--games", "1", "--speed", "1000"]
    without = build_source(parse_args(argv))
    assert isinstance(without, NightSimulator)
    assert _sent_plays(without) == []
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text(PLAYS_CSV)
    chosen = build_source(parse_args([*argv, "--plays-csv", str(elsewhere)]))
    assert isinstance(chosen, NightSimulator)
    (tmp_path / "plays.csv").write_text(PLAYS_CSV)
    beside = build_source(parse_args(argv))
    assert isinstance(beside, NightSimulator)
    for source in (chosen, beside):
        plays = [m.data for m in _sent_plays(source)]
        assert [(p.play_id, p.player) for p in plays] == [
            (0, None),
            (5, "Marcus Morris"),
            (400, "Al Horford"),
            (401, "Jeff Teague"),
            (402, None),
        ]
        assert all(p.game_id.endswith("-0021500001") for p in plays)
    assert "needs --games-csv" in usage_error(["--plays-csv", str(elsewhere)], capsys)


def test_the_log_says_once_when_a_games_csv_has_no_plays(games_csv: Path, tmp_path: Path) -> None:
    """Without a plays file the command serves the games alone and says so in its log, naming the file it looked for."""
    port = free_port()
    log = tmp_path / "feed.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "lib.feed", "--port", str(port), "--games-csv", str(games_csv)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=REPOSITORY,
        )
        try:
            wait_for(lambda: _answers(f"http://127.0.0.1:{port}/health"), what="the feed command to serve")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(10)
    text = log.read_text()
    assert text.count("no plays") == 1
    assert f"no plays (no --plays-csv, and no {tmp_path / 'plays.csv'} beside it)" in text


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
    """With no source option the command serves simulated games, a push every 5 s."""
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
        (first,) = source.advance(50.0)
        assert json.loads(first) == json.loads(score(ts=50.0))  # as recorded, sent at 50
        assert source.next_due() == 50.0 + gap


def test_source_nba_polls_tonights_games_at_the_given_pace() -> None:
    """--source nba builds the live bridge on the given base URL, polling every --poll seconds (5 by default)."""
    for argv, poll in ([], 5.0), (["--poll", "2"], 2.0):
        source = build_source(parse_args(["--source", "nba", "--nba-base-url", "http://127.0.0.1:9/x", *argv]))
        assert isinstance(source, NbaSource)
        assert (source.health.poll, source.fetcher.base_url) == (poll, "http://127.0.0.1:9/x")
        source.close()


def test_source_nba_defaults_to_the_nbas_cdn() -> None:
    """Without --nba-base-url the bridge reads https://cdn.nba.com/static/json/liveData."""
    source = build_source(parse_args(["--source", "nba"]))
    assert isinstance(source, NbaSource)
    assert source.fetcher.base_url == "https://cdn.nba.com/static/json/liveData"
    source.close()


def test_a_base_url_that_is_not_http_exits_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    """--nba-base-url ftp://... stops the command with a message naming the setting."""
    assert main(["--source", "nba", "--nba-base-url", "ftp://cdn.nba.com/x"]) == 2
    assert "NBA base URL" in capsys.readouterr().err


def test_nba_game_replays_finished_games_fetched_from_the_base_url(capsys: pytest.CaptureFixture[str]) -> None:
    """--nba-game fetches each game once and replays it; an id the CDN does not have exits with status 2."""
    night = CdnNight()
    night.add("0022400913", CELTICS, KNICKS)
    night.start("0022400913")
    night.score("0022400913", "home", 2, "11:00")
    night.final("0022400913")
    with CdnStandIn(night) as cdn:
        base = ["--source", "nba", "--nba-base-url", cdn.base_url]
        source = build_source(parse_args([*base, "--nba-game", "0022400913", "--speed", "10"]))
        assert isinstance(source, NbaReplaySource)
        assert main([*base, "--nba-game", "0022400999"]) == 2
    assert "game 0022400999: HTTP 404" in capsys.readouterr().err


def a_long_game_csv(rows: int) -> str:
    """A valid CSV of one game with ``rows`` scoring changes (the home side scores each time)."""
    lines = [f"0021500001,2015-10-27,ATL,DET,{1 + i // 75},{720 - (i % 75) * 9},{i + 1},0\n" for i in range(rows)]
    return CSV_HEADER + "".join(lines)


def test_a_damaged_file_is_a_clear_error_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Truncated gzip, a 128 KiB field, non-UTF-8, a 1 MiB line, too-deep JSON: status 2 naming file and line."""
    truncated = tmp_path / "truncated.csv.gz"
    whole = gzip.compress(a_long_game_csv(300).encode())
    truncated.write_bytes(whole[: len(whole) // 2])
    huge_field = tmp_path / "huge.csv"
    huge_field.write_text(CSV_HEADER + "0021500001,2015-10-27,ATL,DET,1,681,0,2\n" + f"x,y,{'A' * 140_000},B,1,1,1,1\n")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(CSV_HEADER.encode() + "0021500001,2015-10-27,Montréal,DET,1,681,0,2\n".encode("latin-1"))
    unbroken = tmp_path / "unbroken.csv"
    unbroken.write_text(CSV_HEADER + "x" * (2 * 1024 * 1024))
    nested = tmp_path / "nested.jsonl"
    with Recorder(nested) as recorder:
        recorder.record(score(ts=1.0).encode(), False, 100.0)
    nested.write_bytes(nested.read_bytes() + b"[" * 100_000 + b"\n" + nested.read_bytes())
    for argv, where, why in [
        (["--games-csv", str(truncated)], str(truncated), "the gzip data ends early"),
        (["--games-csv", str(huge_field)], f"{huge_field}, line 3", "field larger than field limit"),
        (["--games-csv", str(latin1)], f"{latin1}, line 2", "not UTF-8"),
        (["--games-csv", str(unbroken)], f"{unbroken}, line 2", "longer than 1,048,576 bytes"),
        (["--replay", str(nested)], f"{nested}, line 2", "nested too deeply"),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("python -m lib.feed: error: ")
        assert where in err
        assert why in err
        assert "Traceback" not in err
    assert ", line " in err


def test_a_corrupt_line_anywhere_in_a_recording_stops_the_command(
    tmp_path: Path, recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad line after good ones is found before serving (exit status 2), not halfway through the replay."""
    good = recording.read_bytes()
    recording.write_bytes(good * 50 + b"garbage\n" + good)
    assert main(["--replay", str(recording)]) == 2
    assert f"{recording}, line 101: not a JSON line" in capsys.readouterr().err


def test_a_csv_with_a_byte_order_mark_is_read(tmp_path: Path, games_csv: Path) -> None:
    """A CSV that starts with a UTF-8 byte-order mark (as spreadsheets save it) is read like one without."""
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + games_csv.read_bytes())
    source = build_source(parse_args(["--games-csv", str(with_bom), "--games", "2"]))
    assert isinstance(source, NightSimulator)
    source.advance(0.0)
    assert [game.game_id.rsplit("-", 1)[1] for game in source.games] == ["0021500001", "0021500002"]


@pytest.mark.parametrize("argv", [[], ["--token", ""]])
def test_an_empty_token_means_no_token(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty FEED_TOKEN or --token "" leaves the feed open, like no token, not locked behind an empty one."""
    monkeypatch.setenv("FEED_TOKEN", "")
    assert parse_args(argv).token is None


def test_the_log_shows_no_query_value(tmp_path: Path) -> None:
    """The command's log masks every query value (a token in a URL stays out); Ctrl-C ends it cleanly, status 0."""
    port = free_port()
    log = tmp_path / "feed.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "lib.feed", "--port", str(port), "--token", "s3cret", "--interval", "0.2"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=REPOSITORY,
        )
        try:
            health = f"http://127.0.0.1:{port}/health?apikey=leaked-key"
            wait_for(lambda: _answers(health), what="the feed command to serve")
            ws = websocket.create_connection(
                f"ws://127.0.0.1:{port}/ws/live?token=leaked-token&x", header=["Authorization: Bearer s3cret"]
            )
            ws.close()
            wait_for(lambda: b"[accepted]" in log.read_bytes(), what="the handshake to be logged")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(10)
    text = log.read_text()
    assert server.returncode == 0  # Ctrl-C is how one stops the server: no traceback, no failure
    assert "Traceback" not in text
    assert "GET /health?apikey=*** HTTP/1.1" in text
    assert "/ws/live?token=***&***" in text
    assert "leaked" not in text


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def _rows(archive: Path, view: str) -> int:
    return int(query(archive, f"SELECT count(*) AS n FROM {view}").n[0])


@pytest.fixture
def archiving_feed(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, int]]:
    """``python -m lib.feed --archive`` serving a fast demo night behind a token: the process, its archive, its port."""
    port = free_port()
    archive = tmp_path / "night.duckdb"
    command = [sys.executable, "-m", "lib.feed", "--port", str(port), "--seed", "3", "--speed", "600"]
    server = subprocess.Popen(
        [*command, "--interval", "0.2", "--token", "s3cret", "--archive", str(archive)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPOSITORY,
    )
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/health"), timeout=30, what="the feed command to serve")
        yield server, archive, port
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
        server.wait(15)


def test_the_archive_fills_while_a_night_is_served(archiving_feed: tuple[subprocess.Popen[bytes], Path, int]) -> None:
    """--archive keeps the score changes and predictions a client accepts, labelled by what is served, until stopped;
    no client of its own connects."""
    server, archive, port = archiving_feed
    wait_for(
        lambda: _rows(archive, "score_changes") > 0 and _rows(archive, "predictions") > 0,
        timeout=30,
        what="rows in the archive",
    )
    games = query(archive, "SELECT DISTINCT source FROM games")
    assert games.source.tolist() == ["demo"]  # what is served
    assert _health(port)["clients"] == 0
    server.send_signal(signal.SIGINT)
    server.wait(15)
    with ArchiveWriter(archive, source="test"):  # the server let the file go as it stopped
        pass


def test_sigterm_stops_the_server_as_ctrl_c_does_closing_its_archive(
    archiving_feed: tuple[subprocess.Popen[bytes], Path, int],
) -> None:
    """A service manager's SIGTERM: exit status 0, the archive closed and its writer lock gone."""
    server, archive, _ = archiving_feed
    wait_for(lambda: _rows(archive, "score_changes") > 0, timeout=30, what="rows in the archive")
    server.send_signal(signal.SIGTERM)
    assert server.wait(15) == 0
    assert not lock_path(archive).exists()


def test_a_second_writer_of_the_archive_exits_with_status_2(
    archiving_feed: tuple[subprocess.Popen[bytes], Path, int],
) -> None:
    """A second server given the same --archive exits with status 2 and a message naming the file, serving nothing."""
    server, archive, _ = archiving_feed
    port = free_port()
    second = subprocess.run(
        [sys.executable, "-m", "lib.feed", "--port", str(port), "--archive", str(archive)],
        capture_output=True,
        timeout=60,
        cwd=REPOSITORY,
        check=False,
    )
    assert second.returncode == 2
    err = second.stderr.decode()
    assert err.startswith(f"python -m lib.feed: error: {archive} already has a writer (process {server.pid})")
    assert "Traceback" not in err
    assert not _answers(f"http://127.0.0.1:{port}/health")
    assert server.poll() is None


@contextlib.contextmanager
def serving(argv: list[str]) -> Iterator[int]:
    """``python -m lib.feed`` as typed, with these arguments, on a free port: the port, once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lib.feed", "--port", str(port), *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPOSITORY,
    )
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/health"), timeout=30, what="the feed command to serve")
        yield port
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(15)


def _health(port: int) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
        result: dict[str, object] = json.load(response)
        return result


def _messages(port: int, count: int) -> list[dict[str, Any]]:
    """The first ``count`` messages a client connecting now receives."""
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/ws/live", timeout=20)
    try:
        return [json.loads(ws.recv()) for _ in range(count)]
    finally:
        ws.close()


def test_a_replay_starts_when_its_first_client_connects(recording: Path) -> None:
    """--replay waits for its first client, who gets the recording from its first frame, labelled a replay."""
    with serving(["--replay", str(recording)]) as port:
        assert _health(port)["started"] is False
        status, first, second = _messages(port, 3)
        assert _health(port)["started"] is True
    assert status["data"]["source"] == "replay"
    assert [m["data"]["home_score"] for m in (first, second)] == [50, 52]


def test_start_now_starts_a_replay_without_a_client(recording: Path) -> None:
    """--replay --start-now plays the recording at once: a client connecting after it ends gets its final state."""
    with serving(["--replay", str(recording), "--start-now", "--speed", "100"]) as port:
        assert _health(port)["started"] is True
        # Its two frames 10 ms apart: a client that came between them would get the first.
        status, state = wait_for(
            lambda: (joined := _messages(port, 2))[1]["data"]["home_score"] == 52 and joined, what="the replay's end"
        )
    assert status["data"]["source"] == "replay"
    assert state["data"]["home_score"] == 52


def test_a_csv_night_starts_for_its_first_viewer_not_for_the_archive(games_csv: Path, tmp_path: Path) -> None:
    """--games-csv --archive: the archive does not start the night; the first viewer sees the game announced, then
    its tip-off, and the archive has the night from it."""
    archive = tmp_path / "night.duckdb"
    with serving(
        ["--games-csv", str(games_csv), "--speed", "1000", "--interval", "0.2", "--archive", str(archive)]
    ) as port:
        assert (_health(port)["clients"], _health(port)["started"], _health(port)["games"]) == (0, False, 0)
        status, announced, _, tip_off = _messages(port, 4)
        wait_for(lambda: _rows(archive, "finished_games") == 2, timeout=30, what="both games in the archive")
    assert status["data"]["source"] == "games-csv"
    assert (announced["type"], announced["data"]["status"]) == ("score_update", "scheduled")
    assert (tip_off["type"], tip_off["data"]["period"], tip_off["data"]["clock"]) == ("game_start", 1, "12:00")


def test_a_finished_nba_game_replays_for_its_first_viewer_as_a_replay() -> None:
    """--nba-game waits for its first client, who learns it is an NBA replay and sees the game from its tip-off."""
    night = CdnNight()
    night.add("0022400913", CELTICS, KNICKS)
    night.start("0022400913")
    night.score("0022400913", "home", 2, "11:00")
    night.final("0022400913")
    with (
        CdnStandIn(night) as cdn,
        serving(
            ["--source", "nba", "--nba-base-url", cdn.base_url, "--nba-game", "0022400913", "--speed", "1000"]
        ) as port,
    ):
        assert _health(port)["started"] is False
        status, *messages = _messages(port, 5)
    assert (status["data"]["source"], status["data"]["state"]) == ("nba-replay", "ok")
    assert [m["type"] for m in messages] == ["game_start", "prediction", "game_end", "prediction"]
    assert all(time.time() - 60 < m["ts"] <= time.time() for m in messages)  # sent now: a latency of this delivery


def test_games_csv_serves_the_real_plays_to_a_client(make_client: ClientFactory) -> None:
    """--games-csv with the real plays file beside it: a client gets each game's real plays, players and all."""
    if not (REAL_GAMES_CSV.is_file() and REAL_PLAYS_CSV.is_file()):
        pytest.skip(f"the real NBA data is absent: {REAL_GAMES_CSV}, {REAL_PLAYS_CSV}")
    argv = ["--games-csv", str(REAL_GAMES_CSV), "--games", "2", "--speed", "3000", "--interval", "0.05"]
    with serving(argv) as port:
        store = Store()
        make_client(f"ws://127.0.0.1:{port}/ws/live", store).start()
        wait_for(
            lambda: sum(r.game.status == "final" for r in store.snapshot().games.values()) >= 2,
            timeout=60,
            what="the first slate's games to end",
        )
    snapshot = store.snapshot()
    assert snapshot.counters.rejected == {}
    finished = [game_id for game_id, record in snapshot.games.items() if record.game.status == "final"][:2]
    with gzip.open(REAL_PLAYS_CSV, "rt") as text:
        next(text)
        rows = [line.split(",") for line in text if line.split(",", 1)[0] in {g.rsplit("-", 1)[1] for g in finished}]
    for game_id in finished:
        plays = store.plays(game_id)
        expected = [row for row in rows if row[0] == game_id.rsplit("-", 1)[1]]
        assert len(plays) == len(expected) > 300
        assert sorted(p.play_id for p in plays) == sorted(int(row[1]) for row in expected)
        assert {p.player for p in plays} >= {row[8] for row in expected if row[8]}
        record = snapshot.games[game_id].game
        assert plays[-1].home_win_probability == (1.0 if record.home_score > record.away_score else 0.0)
        assert record.home_record == record.away_record == "0-0"  # the file's first games
