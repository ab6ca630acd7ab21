"""A past night's frames: a recording's as recorded, a CSV as the demo plays it, NBA games as the bridge does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from harness.cdn import CELTICS, KNICKS, CdnNight, CdnStandIn
from lib.archive.sources import games_csv_frames, nba_game_frames, recording_frames
from lib.feed.model import predict_game
from lib.feed.sources.games_csv import game_forms, read_games_csv
from lib.feed.sources.night import NightSimulator
from lib.model import MODEL_NAME
from lib.protocol import GameEnd, GameStart, Message, PlayUpdate, PredictionUpdate, Rejection, ScoreUpdate, parse
from lib.recorder import RecordedFrame, Recorder
from tests.feed.sources.nba.test_replay import GAME, TIP, play_a_game
from tests.helpers import NOW, score

CSV = (
    "game_id,game_date,home_team,away_team,period,seconds_left_in_period,home_score,away_score\n"
    "0021500001,2015-10-27,ATL,DET,1,681,0,2\n"
    "0021500001,2015-10-27,ATL,DET,4,3,2,2\n"
    "0021500001,2015-10-27,ATL,DET,4,1,3,2\n"
    "0021500002,2015-10-28,CHI,CLE,2,100,3,0\n"
)


def messages(frames: list[RecordedFrame]) -> list[Message]:
    parsed = [parse(frame.payload) for frame in frames]
    assert not [message for message in parsed if isinstance(message, Rejection)]
    return parsed  # type: ignore[return-value]


@pytest.fixture
def games_csv(tmp_path: Path) -> Path:
    path = tmp_path / "games.csv"
    path.write_text(CSV)
    return path


def test_a_recording_gives_its_frames_rotated_files_first(tmp_path: Path) -> None:
    """Byte for byte, with the recorded receive times."""
    path = tmp_path / "night.jsonl"
    with Recorder(path) as recorder:
        recorder.record(score(ts=1.0).encode(), False, 100.0)
    path.rename(tmp_path / "night.1.jsonl")
    with Recorder(path) as recorder:
        recorder.record(b"\x00\x01", True, 101.0)
    assert list(recording_frames(path)) == [
        RecordedFrame(100.0, False, score(ts=1.0).encode()),
        RecordedFrame(101.0, True, b"\x00\x01"),
    ]


def test_a_games_csv_gives_what_the_demo_sends_for_each_game_under_the_files_ids(games_csv: Path) -> None:
    """Per game: its announcement, the tip-off, each scoring change, the final, each with the model's prediction; ids
    as in the file."""
    clock = count(NOW)
    frames = list(games_csv_frames(games_csv, clock=lambda: float(next(clock))))
    parsed = messages(frames)
    assert [frame.received_at for frame in frames] == [NOW + n for n in range(len(frames))]
    states = [m for m in parsed if isinstance(m, ScoreUpdate | GameStart | GameEnd)]
    assert [
        (type(m).__name__, m.data.game_id, m.data.home_score, m.data.away_score, m.data.status) for m in states
    ] == [
        ("ScoreUpdate", "0021500001", 0, 0, "scheduled"),
        ("GameStart", "0021500001", 0, 2, "live"),
        ("ScoreUpdate", "0021500001", 2, 2, "live"),
        ("ScoreUpdate", "0021500001", 3, 2, "live"),
        ("GameEnd", "0021500001", 3, 2, "final"),
        ("ScoreUpdate", "0021500002", 0, 0, "scheduled"),
        ("GameStart", "0021500002", 3, 0, "live"),
        ("GameEnd", "0021500002", 3, 0, "final"),
    ]
    assert states[0].data.home_team == "Atlanta Hawks"
    assert states[0].data.start_time == datetime(2015, 10, 27, 19, tzinfo=ZoneInfo("America/New_York"))
    predictions = [m for m in parsed if isinstance(m, PredictionUpdate)]
    assert len(predictions) == len(states)
    # Every team's first game of the file: the forms tell nothing beyond the home edge.
    assert {p.data.model for p in predictions} == {f"{MODEL_NAME}+home-edge"}
    assert {(m.data.home_record, m.data.away_record) for m in states} == {("0-0", "0-0")}


def test_a_games_csv_import_predicts_each_game_from_the_files_earlier_games(tmp_path: Path) -> None:
    """Each state carries the teams' records before it in the file; each prediction is predict_game's from them."""
    path = tmp_path / "games.csv"
    path.write_text(CSV + "0021500003,2015-10-29,DET,CHI,1,700,2,0\n0021500003,2015-10-29,DET,CHI,4,5,2,5\n")
    parsed = messages(list(games_csv_frames(path)))
    forms = game_forms(read_games_csv(path))
    last = [m.data for m in parsed if isinstance(m, GameEnd) and m.data.game_id == "0021500003"]
    assert [(g.home_team, g.home_record, g.away_team, g.away_record) for g in last] == [
        ("Detroit Pistons", "0-1", "Chicago Bulls", "1-0")
    ]
    shown = None
    for message in parsed:
        if isinstance(message, ScoreUpdate | GameStart | GameEnd):
            shown = message.data
        elif isinstance(message, PredictionUpdate):
            assert shown is not None
            assert message.data == predict_game(shown, *forms[shown.game_id])


def test_a_games_csv_game_is_the_demos_own_game_but_for_its_id(games_csv: Path) -> None:
    """The same messages as the demo's simulator gives for the flow, so the import reuses the demo, not a copy of it."""
    frames = list(games_csv_frames(games_csv))
    flow = read_games_csv(games_csv)[0]
    start = datetime(2015, 10, 27, 19, tzinfo=ZoneInfo("America/New_York")).timestamp()
    demo = NightSimulator(games=1, speed=1.0, start=start, flows=[flow]).advance(start + 10**6)
    imported = messages(frames)[: len(demo)]
    assert [m.data.model_dump(exclude={"game_id"}) for m in imported] == [
        m.data.model_dump(exclude={"game_id"}) for m in demo
    ]


def test_a_bad_games_csv_fails_before_the_first_frame_naming_the_line(tmp_path: Path) -> None:
    """The file is checked whole when the frames are asked for, so nothing of it is imported."""
    path = tmp_path / "games.csv"
    path.write_text(CSV + "0021500002,2015-10-28,CHI,CLE,2,90,1,0\n")
    with pytest.raises(ValueError, match=rf"{path}, line 6: a score decreased"):
        games_csv_frames(path)


@pytest.fixture
def cdn() -> Iterator[CdnStandIn]:
    night = CdnNight("2025-03-09")
    night.add(GAME, CELTICS, KNICKS, TIP)
    play_a_game(night, GAME, TIP)
    with CdnStandIn(night) as stand_in:
        yield stand_in


def test_finished_nba_games_arrive_when_their_plays_happened(cdn: CdnStandIn) -> None:
    """Each frame is received at its play's real time: the replay is anchored at the first play, at real pace."""
    frames = list(nba_game_frames([GAME], cdn.base_url))
    parsed = messages(frames)
    states = [m for m in parsed if isinstance(m, ScoreUpdate | GameStart | GameEnd)]
    assert states[0].data.game_id == GAME
    assert isinstance(states[0], GameStart)
    assert isinstance(states[-1], GameEnd)
    assert (states[-1].data.home_score, states[-1].data.away_score) == (7, 3)
    times = [frame.received_at for frame in frames]
    assert times == sorted(times)
    assert TIP.timestamp() <= times[0] < times[-1] <= TIP.timestamp() + 31 * 60
    assert any(isinstance(m, PredictionUpdate) for m in parsed)


def test_an_imported_nba_game_has_its_plays(cdn: CdnStandIn) -> None:
    """Every action of the game's play-by-play is a play of the import, in order, each after its game's first state."""
    parsed = messages(list(nba_game_frames([GAME], cdn.base_url)))
    plays = [m.data for m in parsed if isinstance(m, PlayUpdate)]
    actions = cdn.night.playbyplay(GAME)["game"]["actions"]  # type: ignore[index]
    assert [p.play_id for p in plays] == [a["actionNumber"] for a in actions]
    assert (plays[-1].home_score, plays[-1].away_score, plays[-1].home_win_probability) == (7, 3, 1.0)
    first_state = next(i for i, m in enumerate(parsed) if isinstance(m, GameStart))
    assert first_state < next(i for i, m in enumerate(parsed) if isinstance(m, PlayUpdate))


def test_an_nba_game_that_cannot_be_fetched_fails_before_the_first_frame(cdn: CdnStandIn) -> None:
    """An unknown game: a ValueError naming it, at once."""
    with pytest.raises(ValueError, match=r"game 0029999999: HTTP 404"):
        nba_game_frames(["0029999999"], cdn.base_url)
