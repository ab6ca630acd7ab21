"""Finished NBA games replayed as a live night, paced by when each play happened, through the live bridge."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from harness.cdn import CELTICS, CLIPPERS, KINGS, KNICKS, CdnNight, CdnStandIn
from lib.archive import query
from lib.feed.model import predict_game
from lib.feed.sources.nba.fetch import CdnFetcher
from lib.feed.sources.nba.replay import NbaReplaySource, fetch_finished_games, fetch_schedule
from lib.model import MODEL_NAME, TeamForm
from lib.protocol import Game, GameEnd, GameStart, Message, PlayUpdate, PredictionUpdate, ScoreUpdate

GAME, OTHER = "0022400913", "0022400914"
TIP = datetime(2025, 3, 10, 0, 10, tzinfo=UTC)
START = 1_800_000_000.0
ROOT = Path(__file__).resolve().parents[4]


def play_a_game(night: CdnNight, game_id: str, tip: datetime) -> None:
    """A short finished game: baskets a minute apart in real time, halftime, a final 7-3."""
    game = night.games[game_id]
    game.wall = tip
    night.start(game_id)
    for minutes, (side, points, clock) in enumerate(
        [("home", 2, "11:00"), ("away", 3, "10:00"), ("home", 2, "09:00")], start=1
    ):
        game.wall = tip + timedelta(minutes=minutes)
        night.score(game_id, side, points, clock)
    game.wall = tip + timedelta(minutes=5)
    night.clock(game_id, 2, "00:10")
    night.end_period(game_id)
    game.wall = tip + timedelta(minutes=20)
    night.next_period(game_id)
    game.wall = tip + timedelta(minutes=21)
    night.score(game_id, "home", 3, "11:30")
    game.wall = tip + timedelta(minutes=30)
    night.final(game_id)


@pytest.fixture
def night() -> CdnNight:
    night = CdnNight("2025-03-09")
    night.add(GAME, CELTICS, KNICKS, TIP)
    play_a_game(night, GAME, TIP)
    return night


@pytest.fixture
def cdn(night: CdnNight) -> Iterator[CdnStandIn]:
    with CdnStandIn(night) as stand_in:
        yield stand_in


@pytest.fixture
def fetcher(cdn: CdnStandIn) -> Iterator[CdnFetcher]:
    fetcher = CdnFetcher(cdn.base_url, timeout=2.0)
    yield fetcher
    fetcher.close()


def states(messages: list[Message]) -> list[tuple[str, Game]]:
    return [(m.type, m.data) for m in messages if isinstance(m, ScoreUpdate | GameStart | GameEnd)]


def test_a_finished_game_is_fetched_once_and_replayed_at_the_pace_of_its_plays(
    cdn: CdnStandIn, fetcher: CdnFetcher
) -> None:
    """At speed 60 a real minute is a second: each basket comes when due, then halftime, then the final."""
    source = NbaReplaySource(fetch_finished_games(fetcher, [GAME]), speed=60.0, start=START)
    assert dict(cdn.requests) == {f"boxscore_{GAME}": 1, f"playbyplay_{GAME}": 1}
    first = states(source.advance(START))
    assert [(kind, g.status, g.period, g.clock) for kind, g in first] == [("game_start", "live", 1, "11:58")]
    assert source.next_due() == pytest.approx(START + 1.0)
    assert states(source.advance(START + 0.5)) == []
    one = states(source.advance(START + 1.0))
    assert [(g.home_score, g.away_score, g.clock) for _, g in one] == [(2, 0, "11:00")]
    to_half = states(source.advance(START + 5.0))
    assert [(g.home_score, g.away_score, g.status) for _, g in to_half] == [
        (2, 3, "live"),
        (4, 3, "live"),
        (4, 3, "halftime"),
    ]
    rest = states(source.advance(START + 31.0))
    assert [(kind, g.home_score, g.status) for kind, g in rest][-1] == ("game_end", 7, "final")
    assert source.next_due() is None
    assert [g.status for g in source.games] == ["final"]


def test_every_update_of_a_replay_carries_a_prediction(fetcher: CdnFetcher) -> None:
    """Replayed games get the live model's predictions, from the home edge (a box score gives no records)."""
    source = NbaReplaySource(fetch_finished_games(fetcher, [GAME]), speed=1000.0, start=START)
    messages = source.advance(START + 100.0)
    predictions = [m for m in messages if isinstance(m, PredictionUpdate)]
    assert len(predictions) == len(states(messages))
    assert {p.data.model for p in predictions} == {f"{MODEL_NAME}+home-edge"}


def test_a_replay_sends_every_play_in_order_from_the_pregame_chance_to_the_result(fetcher: CdnFetcher) -> None:
    """Every action is a play once, in order, after its game; the first at the pregame chance, the last the result."""
    finished = fetch_finished_games(fetcher, [GAME])
    source = NbaReplaySource(finished, speed=1000.0, start=START)
    messages = source.advance(START + 1.0) + source.advance(START + 100.0)
    plays = [m.data for m in messages if isinstance(m, PlayUpdate)]
    actions = finished[0].plays.actions
    assert [p.play_id for p in plays] == [a.action_number for a in actions]
    assert [(p.home_score, p.away_score) for p in plays] == [(a.score_home, a.score_away) for a in actions]
    first_state = next(g for kind, g in states(messages) if kind == "game_start")
    pregame = first_state.model_copy(update={"status": "scheduled", "period": 0, "home_score": 0, "away_score": 0})
    assert plays[0].home_win_probability == predict_game(pregame).home_win_probability
    assert plays[-1].home_win_probability == 1.0  # 7-3, a home win
    made = [p for p in plays if p.kind == "made_shot"]
    assert [p.team for p in made] == ["Boston Celtics", "New York Knicks", "Boston Celtics", "Boston Celtics"]
    assert all(p.player == "P. George" and p.description for p in made)
    first_play_at = next(i for i, m in enumerate(messages) if isinstance(m, PlayUpdate))
    first_state_at = next(i for i, m in enumerate(messages) if isinstance(m, GameStart))
    assert first_state_at < first_play_at


def play_the_days_before(night: CdnNight) -> None:
    """Boston beat New York two days before and won at the Clippers the night before (GAME is on 2025-03-09)."""
    night.played("0022400900", "2025-03-07", CELTICS, KNICKS, 110, 100)
    night.played("0022400901", "2025-03-08", CLIPPERS, CELTICS, 90, 99)


def test_a_replay_of_this_seasons_game_predicts_from_the_teams_forms_in_the_schedule(
    night: CdnNight, fetcher: CdnFetcher
) -> None:
    """The season's schedule gives each team its record, points and rest before the game: cards and chances `+form`."""
    play_the_days_before(night)
    source = NbaReplaySource(
        fetch_finished_games(fetcher, [GAME]), speed=1000.0, start=START, schedule=fetch_schedule(fetcher)
    )
    messages = source.advance(START + 1.0) + source.advance(START + 100.0)
    first_state = next(g for kind, g in states(messages) if kind == "game_start")
    assert (first_state.home_record, first_state.away_record) == ("2-0", "0-1")
    assert {m.data.model for m in messages if isinstance(m, PredictionUpdate)} == {f"{MODEL_NAME}+form"}
    boston, new_york = TeamForm(2, 0, 209, 190, rest_days=1), TeamForm(0, 1, 100, 110, rest_days=2)
    pregame = first_state.model_copy(update={"status": "scheduled", "period": 0, "home_score": 0, "away_score": 0})
    first_play = next(m.data for m in messages if isinstance(m, PlayUpdate))
    assert first_play.home_win_probability == predict_game(pregame, boston, new_york).home_win_probability
    assert first_play.home_win_probability != predict_game(pregame).home_win_probability


def test_a_replay_of_a_game_the_schedule_lacks_predicts_from_the_home_edge(
    night: CdnNight, fetcher: CdnFetcher
) -> None:
    """An earlier season's game is not in this season's schedule: never given this season's forms, `+home-edge`."""
    play_the_days_before(night)
    finished = fetch_finished_games(fetcher, [GAME])
    del night.games[GAME]
    source = NbaReplaySource(finished, speed=1000.0, start=START, schedule=fetch_schedule(fetcher))
    messages = source.advance(START + 100.0)
    assert {m.data.model for m in messages if isinstance(m, PredictionUpdate)} == {f"{MODEL_NAME}+home-edge"}
    assert {(g.home_record, g.away_record) for _, g in states(messages)} == {(None, None)}


def test_games_of_one_night_keep_their_tip_offs_and_other_nights_tip_off_together(night: CdnNight) -> None:
    """A game 30 minutes later the same night tips off 30 s later at speed 60; one from a week later at once."""
    night.add(OTHER, CLIPPERS, KINGS, TIP + timedelta(minutes=30))
    play_a_game(night, OTHER, TIP + timedelta(minutes=30))
    with CdnStandIn(night) as cdn:
        fetcher = CdnFetcher(cdn.base_url)
        games = fetch_finished_games(fetcher, [GAME, OTHER])
        fetcher.close()
    same_night = NbaReplaySource(games, speed=60.0, start=START)
    kinds = {g.game_id: kind for kind, g in states(same_night.advance(START))}
    assert kinds == {GAME: "game_start", OTHER: "score_update"}
    assert {g.game_id: kind for kind, g in states(same_night.advance(START + 30.0))}[OTHER] == "game_start"

    week_later = night.games[OTHER]
    for action in week_later.actions:
        stamp = datetime.fromisoformat(action["timeActual"].replace("Z", "+00:00")) + timedelta(days=7)
        action["timeActual"] = stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-5] + "Z"
    with CdnStandIn(night) as cdn:
        fetcher = CdnFetcher(cdn.base_url)
        games = fetch_finished_games(fetcher, [GAME, OTHER])
        fetcher.close()
    together = NbaReplaySource(games, speed=60.0, start=START)
    assert {kind for kind, _ in states(together.advance(START))} == {"game_start"}


def test_a_game_the_cdn_does_not_have_is_a_clear_error_naming_it(fetcher: CdnFetcher) -> None:
    """An unknown id: a ValueError naming the game and the HTTP status."""
    with pytest.raises(ValueError, match=r"game 0029999999: HTTP 404"):
        fetch_finished_games(fetcher, ["0029999999"])


def test_a_game_not_yet_final_cannot_be_replayed(night: CdnNight, fetcher: CdnFetcher) -> None:
    """A game still in progress: a ValueError saying only finished games replay."""
    night.add(OTHER, CLIPPERS, KINGS)
    night.start(OTHER)
    with pytest.raises(ValueError, match="not final yet"):
        fetch_finished_games(fetcher, [OTHER])


def test_a_replay_needs_games_and_a_positive_speed(fetcher: CdnFetcher) -> None:
    """No games, or a speed of zero: a ValueError."""
    with pytest.raises(ValueError, match="no games"):
        NbaReplaySource([])
    with pytest.raises(ValueError, match="speed"):
        NbaReplaySource(fetch_finished_games(fetcher, [GAME]), speed=0.0)


def import_games(cdn: CdnStandIn, archive: Path, *game_ids: str) -> subprocess.CompletedProcess[str]:
    """``python -m lib.archive import --nba-game ... --nba-base-url ... --archive ...``, as typed."""
    command = [sys.executable, "-m", "lib.archive", "import", "--nba-base-url", cdn.base_url, "--archive", str(archive)]
    for game_id in game_ids:
        command += ["--nba-game", game_id]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_the_import_command_replays_games_timed_in_tenths_of_a_second(tmp_path: Path) -> None:
    """Two 2025-26 games of 450 plays stamped in tenths: imported in full (the pacing once spun for ever on them),
    with the records the season's schedule gives."""
    night = CdnNight("2025-11-05")
    tip = datetime(2025, 11, 6, 0, 10, 0, 300000, tzinfo=UTC)
    for game_id, home, away, offset in ((GAME, CELTICS, KNICKS, 0), (OTHER, CLIPPERS, KINGS, 30)):
        night.add(game_id, home, away, tip + timedelta(minutes=offset))
        night.play_long(game_id, tip + timedelta(minutes=offset, seconds=0.7), 450)
    night.played("0022400100", "2025-11-03", KINGS, CELTICS, 101, 104)
    with CdnStandIn(night) as cdn:
        done = import_games(cdn, tmp_path / "season.duckdb", GAME, OTHER)
    assert done.returncode == 0, done.stderr
    finals = query(tmp_path / "season.duckdb", "SELECT game_id, home_score, away_score FROM finished_games ORDER BY 1")
    assert [tuple(row) for row in finals.itertuples(index=False)] == [(GAME, 226, 224), (OTHER, 226, 224)]
    sql = "SELECT DISTINCT game_id, home_record, away_record FROM games ORDER BY 1"
    records = query(tmp_path / "season.duckdb", sql)
    assert [tuple(row) for row in records.itertuples(index=False)] == [(GAME, "1-0", "0-0"), (OTHER, "0-0", "0-1")]


def test_a_game_of_8000_plays_imports_in_time_linear_in_its_plays(tmp_path: Path) -> None:
    """8,000 plays (each revealed on its own): every score imported; once quadratic (two minutes), now seconds."""
    night = CdnNight("2025-11-05")
    tip = datetime(2025, 11, 6, 0, 10, 0, 300000, tzinfo=UTC)
    night.add(GAME, CELTICS, KNICKS, tip)
    night.play_long(GAME, tip, 8000, every=25)
    with CdnStandIn(night) as cdn:
        started = time.monotonic()
        done = import_games(cdn, tmp_path / "long.duckdb", GAME)
        took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    changes = query(tmp_path / "long.duckdb", "SELECT count(*) AS n FROM score_changes")
    assert changes["n"][0] == 320
    assert took < 100  # the quadratic replay took 119 s on a quieter machine; linear takes a few
