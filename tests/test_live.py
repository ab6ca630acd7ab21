"""LiveFeed, the analyst API: frames, status, send, callbacks, the embedded demo feed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from harness.cdn import CELTICS, KNICKS, CdnNight, CdnStandIn
from harness.feed import ScriptedFeed
from harness.ports import free_port
from harness.waiting import wait_for
from lib import (
    ArchiveError,
    ArchiveOptions,
    ArchiveState,
    ConnectionState,
    DemoOptions,
    Game,
    LiveFeed,
    NbaOptions,
    Prediction,
    PredictionUpdate,
    ScoreUpdate,
)
from lib import live as live_module
from lib.analytics.plays import PLAY_COLUMNS, PLAYER_COLUMNS
from lib.archive import query
from lib.archive.__main__ import main as archive_main
from lib.archive.sources import messages_of_plays
from lib.board import BoardCache
from lib.feed.flows import GameFlow
from lib.feed.sources.recording import ReplaySource
from lib.frames import GAME_COLUMNS, PREDICTION_COLUMNS
from lib.model import TeamForm
from lib.protocol import GameEnd, Play
from lib.recorder import read_recording
from lib.store import Store
from tests.conftest import options
from tests.helpers import PLAYED, frame, game, play, played_game, prediction, score, two_finished_games


@pytest.fixture
def feeds() -> Iterator[list[LiveFeed]]:
    """LiveFeeds made by a test, stopped at its end; no client thread may outlive them."""
    made: list[LiveFeed] = []
    yield made
    for feed in made:
        feed.stop()
    assert not [t for t in threading.enumerate() if t.name == "nba-feed-client" and t.is_alive()]


def test_frames_have_their_columns_even_when_empty(feeds: list[LiveFeed]) -> None:
    """Before anything arrives every frame already has its documented columns."""
    feed = LiveFeed("ws://127.0.0.1:9/ws/live")
    feeds.append(feed)
    assert tuple(feed.games().columns) == GAME_COLUMNS
    assert tuple(feed.predictions().columns) == PREDICTION_COLUMNS
    assert {"game_id", "received_at", "home_score", "away_score", "period", "clock"} <= set(feed.history().columns)
    assert {"received_at", "e2e_ms", "apply_ms"} <= set(feed.latency().columns)
    assert tuple(feed.plays().columns) == PLAY_COLUMNS
    assert tuple(feed.player_wpa().columns) == PLAYER_COLUMNS
    assert len(feed.games()) == 0


def test_analyst_api_against_a_real_feed(feed_server: ScriptedFeed, feeds: list[LiveFeed]) -> None:
    """start() returns at once; games, predictions, history, latency and status reflect the feed."""
    feed = LiveFeed(feed_server.url, options=options())
    feeds.append(feed)
    assert feed.start() is feed
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED, what="connected")
    feed_server.publish(
        [
            ScoreUpdate(data=Game.model_validate(game("g1", home_score=10, away_score=4, arena="TD Garden"))),
            ScoreUpdate(data=Game.model_validate(game("g1", home_score=12, away_score=4, clock="06:00"))),
            PredictionUpdate(data=Prediction(game_id="g1", home_win_probability=0.71, model="stern-1994")),
        ]
    )
    wait_for(lambda: len(feed.predictions()) == 1, what="the prediction")
    games = feed.games()
    row = games.iloc[0]
    assert (row.game_id, row.home_score, row.away_score, row.differential) == ("g1", 12, 4, 8)
    assert isinstance(row.updated_at, pd.Timestamp)
    assert str(row.updated_at.tz) == "UTC"
    assert feed.predictions().iloc[0].home_win_probability == 0.71
    history = feed.history()
    assert list(history.home_score) == [10, 12]
    assert list(feed.history("g1").differential) == [6, 8]
    latency = feed.latency()
    assert len(latency) == 3
    assert latency.e2e_ms.notna().all()
    status = feed.status()
    assert status.messages_received == 3
    assert status.messages_rejected == 0
    assert status.connected_since is not None
    assert status.url == feed_server.url
    assert not status.demo


def test_a_whole_real_game_over_a_socket_adds_up_to_its_result(
    feed_server: ScriptedFeed,
    feeds: list[LiveFeed],
    real_games: list[GameFlow],
    real_plays: dict[str, list[Play]],
    real_forms: dict[str, tuple[TeamForm, TeamForm]],
) -> None:
    """Every play of a real game, sent over a real socket: its home changes sum to the result minus the pregame
    probability, players' WPA are their plays', and a reconnect's snapshot adds no play."""
    flow = next(game for game in real_games if game.periods > 4)  # an overtime game, for its longer clock
    plays = real_plays[flow.game_id]
    feed = LiveFeed(feed_server.url, options=options())
    feeds.append(feed)
    feed.start()
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED, what="connected")
    feed_server.publish(list(messages_of_plays(flow, plays, real_forms[flow.game_id])))
    wait_for(lambda: len(feed.plays(flow.game_id)) == len(plays), what="every play")
    frame = feed.plays(flow.game_id)
    assert tuple(frame.columns) == PLAY_COLUMNS
    assert list(frame.play_id) == [play.play_id for play in plays]  # game order, whatever the ids
    home_won = flow.final_score[0] > flow.final_score[1]
    assert frame.home_wp_change.sum() == pytest.approx(home_won - plays[0].home_win_probability)
    assert frame.home_win_probability.iloc[-1] == float(home_won)
    players = feed.player_wpa(flow.game_id)
    assert tuple(players.columns) == PLAYER_COLUMNS
    by_player = frame.dropna(subset=["player", "team"]).groupby("player").wpa.sum()  # a player of a team
    assert players.set_index("player").wpa.to_dict() == pytest.approx(by_player.to_dict())
    assert players.wpa.is_monotonic_decreasing
    wpa = feed.game_wpa(flow.game_id)
    assert not wpa.partial
    assert sum(team.wpa for team in wpa.teams) == pytest.approx(frame.wpa.sum())
    received = feed.status().messages_received
    feed_server.close_all(1012)  # a restart: the client comes back
    # The snapshot: the game, its prediction, then every play again.
    wait_for(lambda: feed.status().messages_received >= received + 2 + len(plays), what="the snapshot")
    assert feed.snapshot().connection.connections == 2
    assert len(feed.plays()) == len(plays)


def test_status_counts_rejections_by_reason(feed_server: ScriptedFeed, feeds: list[LiveFeed]) -> None:
    """messages_received counts every data frame, messages_rejected every rejection."""
    feed = LiveFeed(feed_server.url).start()
    feeds.append(feed)
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED)
    feed_server.publish_raw(["nope", b"\x00", score(home_score="1"), score()])
    wait_for(lambda: feed.status().messages_received == 4)
    status = feed.status()
    assert status.messages_rejected == 3
    assert status.rejected_by_reason == {"invalid_json": 1, "binary_frame": 1, "wrong_type": 1}


def test_send_before_start_is_queued_and_delivered(feed_server: ScriptedFeed, feeds: list[LiveFeed]) -> None:
    """A ping sent before start() waits in the queue and its pong comes back after connecting."""
    feed = LiveFeed(feed_server.url)
    feeds.append(feed)
    feed.send({"type": "ping", "timestamp": 0})
    assert feed.status().queued == 1
    feed.start()
    (pong,) = wait_for(lambda: feed.snapshot().pongs, what="the pong")
    assert pong.timestamp_ms == 0
    assert feed.status().queued == 0


def test_callbacks_registered_before_start_fire(feed_server: ScriptedFeed, feeds: list[LiveFeed]) -> None:
    """on() before start() still receives the events."""
    updates: list[Game] = []
    feed = LiveFeed(feed_server.url)
    feeds.append(feed)
    feed.on("game_update", updates.append)
    feed.start()
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED)
    feed_server.publish_raw([score(home_score=77)])
    wait_for(lambda: updates, what="the callback")
    assert updates[0].home_score == 77


def test_unknown_event_name_is_refused() -> None:
    """A misspelt event name fails loudly instead of never firing."""
    feed = LiveFeed("ws://127.0.0.1:9/ws/live")
    with pytest.raises(ValueError, match="unknown event"):
        feed.on("gameupdate", print)  # type: ignore[arg-type]


def test_stop_then_status_is_closed(feed_server: ScriptedFeed, feeds: list[LiveFeed]) -> None:
    """After stop() the state is closed and no thread is left (checked by the fixture)."""
    feed = LiveFeed(feed_server.url).start()
    feeds.append(feed)
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED)
    feed.stop()
    assert feed.status().state is ConnectionState.CLOSED


def test_context_manager_starts_and_stops(feed_server: ScriptedFeed) -> None:
    """with LiveFeed(...) as feed: connects, and leaving the block stops it."""
    with LiveFeed(feed_server.url) as feed:
        wait_for(lambda: feed.status().state is ConnectionState.CONNECTED)
    assert feed.status().state is ConnectionState.CLOSED


def test_token_is_not_in_repr_or_status(feeds: list[LiveFeed]) -> None:
    """The token never shows in what a notebook prints."""
    feed = LiveFeed("ws://user:pw@127.0.0.1:9/ws/live", options=options(token="tok-123-secret"))
    feeds.append(feed)
    assert "tok-123-secret" not in repr(feed)
    assert "tok-123-secret" not in repr(feed.status())
    assert "pw" not in (feed.url or "")


def test_status_and_repr_answer_before_start_and_after_stop(feeds: list[LiveFeed]) -> None:
    """status() and repr() work in every state of a feed that was never reachable, with queries masked."""
    feed = LiveFeed(
        f"ws://127.0.0.1:{free_port()}/ws/live?sig=sig-456-secret", options=options(max_reconnect_attempts=1)
    )
    feeds.append(feed)
    texts = [repr(feed), repr(feed.status())]
    feed.start()
    wait_for(lambda: feed.status().state is ConnectionState.GIVEN_UP, what="giving up")
    texts += [repr(feed), repr(feed.status())]
    feed.stop()
    texts += [repr(feed), repr(feed.status())]
    assert all("sig=***" in text and "sig-456-secret" not in text for text in texts)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ws://127.0.0.1:-5/ws/live", "port"),
        ("ws://127.0.0.1:99999/ws/live?apikey=key-123-secret", "port"),
        ("ws:///ws/live", "no host"),
        ("ws://127.0.0.1:8080/ws live", "whitespace"),
        ("http://127.0.0.1:8080/ws/live", "ws://"),
    ],
)
def test_unusable_url_fails_at_construction_and_starts_nothing(url: str, problem: str) -> None:
    """LiveFeed(url) raises a ValueError naming the problem, without the secret, before any thread starts."""
    with pytest.raises(ValueError, match=problem) as raised:
        LiveFeed(url)
    assert "key-123-secret" not in str(raised.value)
    assert not [t for t in threading.enumerate() if t.name == "nba-feed-client"]


def test_embedded_demo_feed_runs_a_live_night(feeds: list[LiveFeed]) -> None:
    """LiveFeed() with no URL starts the demo feed on loopback: games and predictions stream in."""
    feed = LiveFeed(source=DemoOptions(games=4, speed=150.0, interval=0.2, seed=3)).start()
    feeds.append(feed)
    assert feed.is_demo
    assert feed.url is not None
    assert feed.url.startswith("ws://127.0.0.1:")
    wait_for(lambda: len(feed.games()) == 4 and len(feed.predictions()) >= 1, 20, "the demo's games")
    wait_for(lambda: (feed.games().status == "live").any(), 20, "a live game")
    status = feed.status()
    assert status.demo
    assert status.messages_rejected == 0
    first = int(feed.games().home_score.sum() + feed.games().away_score.sum())
    wait_for(lambda: int(feed.games().home_score.sum() + feed.games().away_score.sum()) > first, 20, "scoring")
    feed.stop()
    assert not [t for t in threading.enumerate() if t.name == "nba-feed-server" and t.is_alive()]


def test_the_embedded_demo_announces_every_game_to_its_own_client_before_tip_off(feeds: list[LiveFeed]) -> None:
    """The demo waits for the feed's client: every game of the night, the first wave too, has a pregame prediction."""
    feed = LiveFeed(source=DemoOptions(games=6, speed=150.0, interval=0.2, seed=5)).start()
    feeds.append(feed)
    wait_for(lambda: len(feed.games()) == 6 and (feed.games().status == "live").any(), 20, "the night's games")
    history = feed.prediction_history()
    assert set(history[history.period == 0].game_id) == set(feed.games().game_id)


def test_recording_captures_received_frames_and_can_be_switched(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """record_to= writes every frame as received; stop_recording() ends it, start_recording() resumes from the state."""
    path = tmp_path / "night.jsonl"
    feed = LiveFeed(feed_server.url, record_to=path).start()
    feeds.append(feed)
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED)
    sent = [score(home_score=60), "not json", score(home_score=61)]
    feed_server.publish_raw(sent)
    wait_for(lambda: feed.recording is not None and feed.recording.lines == 3, what="three recorded frames")
    assert [f.payload.decode() for f in read_recording(path)] == sent
    feed.stop_recording()
    assert feed.recording is None
    feed_server.publish_raw([score(home_score=62)])
    wait_for(lambda: feed.status().messages_received == 4)
    feed.start_recording(path)
    feed_server.publish_raw([score(home_score=63)])
    wait_for(lambda: feed.recording is not None and feed.recording.lines == 2, what="the resumed recording")
    last_three = [f.payload for f in read_recording(path)][-3:]
    # The resumed recording starts with the state it joined (62, missed while off), then goes on.
    assert [json.loads(payload)["data"]["home_score"] for payload in last_three] == [61, 62, 63]


def test_the_embedded_demo_starts_again_after_stop(feeds: list[LiveFeed]) -> None:
    """start() after stop() brings the embedded feed back on the same URL and the night goes on."""
    feed = LiveFeed(source=DemoOptions(games=2, speed=150.0, interval=0.2, seed=4)).start()
    feeds.append(feed)
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED, what="connected")
    url = feed.url
    feed.stop()
    assert feed.status().state is ConnectionState.CLOSED
    feed.start()
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED, 20, "connected again")
    assert feed.url == url
    received = feed.status().messages_received
    wait_for(lambda: feed.status().messages_received > received, 20, "the night going on")
    assert feed.status().messages_rejected == 0


def test_nba_options_embed_the_bridge_to_tonights_games(feeds: list[LiveFeed]) -> None:
    """LiveFeed(source=NbaOptions(...)) polls the NBA's files in-process and shows their games, twice over a restart."""
    night = CdnNight()
    night.add("0022600301", CELTICS, KNICKS)
    night.start("0022600301")
    night.score("0022600301", "home", 2, "11:40")
    with CdnStandIn(night) as cdn:
        feed = LiveFeed(source=NbaOptions(cdn.base_url, poll=1.0)).start()
        feeds.append(feed)
        assert (feed.is_demo, feed.embedded) == (False, NbaOptions(cdn.base_url, poll=1.0))
        wait_for(lambda: len(feed.games()) == 1, 20, "the NBA game")
        row = feed.games().iloc[0]
        assert (row.game_id, row.home_team, row.home_score) == ("0022600301", "Boston Celtics", 2)
        feed.stop()
        night.score("0022600301", "away", 3, "11:10")
        feed.start()
        wait_for(lambda: feed.games().iloc[0].away_score == 3, 20, "the next basket after a restart")
        snapshot = feed.snapshot()
        assert snapshot.source is not None
        assert snapshot.source.status.state == "ok"


@pytest.mark.parametrize("source", [NbaOptions(), DemoOptions()])
def test_one_feed_at_a_time(source: NbaOptions | DemoOptions) -> None:
    """A URL with an embedded feed's source: a ValueError at construction."""
    with pytest.raises(ValueError, match="not both"):
        LiveFeed("ws://x:1/ws/live", source=source)


@pytest.mark.parametrize(
    "options", [{"interval": 0}, {"interval": -1.0}, {"speed": float("nan")}, {"speed": float("inf")}, {"speed": "9"}]
)
def test_demo_options_are_checked_when_made(options: dict[str, object]) -> None:
    """A push interval of 0 (a loop that never rests) or a speed that is no positive number: a ValueError naming it."""
    with pytest.raises(ValueError, match=f"DemoOptions.{next(iter(options))} must be a positive number"):
        DemoOptions(**options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"), [({"poll": 0.5}, "at least 1 s"), ({"base_url": "cdn.nba.com"}, "http")]
)
def test_nba_options_are_checked_when_made(options: dict[str, object], message: str) -> None:
    """A poll under a second or a base URL that is not http(s): a ValueError naming the setting."""
    with pytest.raises(ValueError, match=message):
        NbaOptions(**options)  # type: ignore[arg-type]


def archived_night(server: ScriptedFeed, feeds: list[LiveFeed], archive: Path) -> LiveFeed:
    """A started feed with an archive, once it has been sent two finished games."""
    feed = LiveFeed(server.url, options=options(), archive=archive)
    feeds.append(feed)
    feed.start()
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED, what="connected")
    for batch in two_finished_games():
        server.publish(batch)
    return feed


def test_an_archive_keeps_every_state_and_prediction_the_feed_accepts(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """LiveFeed(archive=...) files what the store applied, readable with query() while it runs."""
    feed = archived_night(feed_server, feeds, tmp_path / "nba.duckdb")
    feed_server.publish_raw([score("w", home_score=1, ts=1.0)])  # older than what the store holds: rejected
    wait_for(lambda: len(feed.query("SELECT * FROM finished_games")) == 2, what="two finished games archived")
    wait_for(lambda: len(feed.query("SELECT * FROM predictions")) == 6, what="six predictions archived")
    changes = feed.query("SELECT home_score, away_score FROM score_changes WHERE game_id = 'w' ORDER BY received_at")
    assert [tuple(row) for row in changes.itertuples(index=False)] == [(2, 0), (2, 5), (9, 5)]
    state = feed.archive
    assert state is not None
    assert state.problem is None
    assert state.writer is not None
    assert state.writer.source.startswith("ws://127.0.0.1")
    assert feed.query("SELECT count(*) AS n FROM games WHERE game_id = $id", {"id": "w"})["n"].iloc[0] == 1


def test_the_archive_gives_the_sessions_scorecard_and_game(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """Over the same finished games, the archive's scorecard and game figures are the session's."""
    feed = archived_night(feed_server, feeds, tmp_path / "nba.duckdb")
    wait_for(lambda: len(feed.archived_scorecard().games) == 2, what="both games scored from the archive")
    archived, session = feed.archived_scorecard(), feed.scorecard()
    pd.testing.assert_frame_equal(archived.overall, session.overall)
    pd.testing.assert_frame_equal(archived.phases, session.phases)
    summary, history, predictions = feed.archived_game("w")
    assert summary == next(s for s in feed.game_summaries() if s.game_id == "w")
    assert [(p.home_score, p.away_score, p.status) for p in history] == [
        (p.home_score, p.away_score, p.status) for p in feed.history_points("w")
    ]
    assert [p.home_win_probability for p in predictions] == [0.55, 0.6, 0.35, 0.8]
    assert set(feed.archived_games()) == {"w", "l"}
    with pytest.raises(KeyError, match="has no game 'nope'"):
        feed.archived_game("nope")


def test_a_second_feed_on_a_written_archive_reads_it_without_writing(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """The archive takes one writer: a second feed says who writes it, keeps its live data, and reads the file."""
    path = tmp_path / "nba.duckdb"
    writer = LiveFeed(feed_server.url, options=options(), archive=path)
    reader = LiveFeed(feed_server.url, options=options(), archive=path)
    feeds.extend([writer, reader])
    writer.start()
    reader.start()
    state = reader.archive
    assert state is not None
    assert state.writer is None
    assert state.problem is not None
    assert "nba.duckdb already has a writer" in state.problem
    feed_server.publish([ScoreUpdate(data=Game.model_validate(game("g1")))])
    wait_for(lambda: len(reader.games()) == 1, what="the reader's live game")
    wait_for(lambda: len(reader.query("SELECT * FROM games")) == 1, what="the writer's row, read by the reader")


def test_a_stopped_feed_lets_the_archive_go(feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path) -> None:
    """stop() writes what is queued and closes the writer, so another feed may write the file."""
    path = tmp_path / "nba.duckdb"
    first = LiveFeed(feed_server.url, options=options(), archive=path)
    feeds.append(first)
    first.start()
    wait_for(lambda: first.status().state is ConnectionState.CONNECTED, what="connected")
    feed_server.publish([ScoreUpdate(data=Game.model_validate(game("g1")))])
    wait_for(lambda: len(first.games()) == 1, what="the game")
    first.stop()
    second = LiveFeed(feed_server.url, options=options(), archive=path)
    feeds.append(second)
    second.start()
    state = second.archive
    assert state is not None
    assert state.problem is None
    assert state.writer is not None
    assert len(second.query("SELECT * FROM games")) == 1  # written before the first one stopped


def test_an_archive_that_cannot_be_written_leaves_the_live_feed_working(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """An archive in a folder that does not exist: the problem names it, the games still arrive."""
    feed = LiveFeed(feed_server.url, options=options(), archive=tmp_path / "missing" / "nba.duckdb")
    feeds.append(feed)
    feed.start()
    state = feed.archive
    assert state is not None
    assert state.writer is None
    assert state.problem is not None
    assert "nba.duckdb cannot be created: its folder does not exist" in state.problem
    feed_server.publish([ScoreUpdate(data=Game.model_validate(game("g1")))])
    wait_for(lambda: len(feed.games()) == 1, what="the live game")
    with pytest.raises(ArchiveError, match=r"nba\.duckdb"):
        feed.query("SELECT * FROM games")


def test_a_feed_without_an_archive_says_so_when_queried(feeds: list[LiveFeed]) -> None:
    """query() on a feed given no archive is a clear error, not an empty table."""
    feed = LiveFeed("ws://127.0.0.1:9/ws/live")
    assert feed.archive is None
    with pytest.raises(RuntimeError, match="archive"):
        feed.query("SELECT 1")


def test_a_feed_that_only_reads_the_archive_never_takes_the_writers_place(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """ArchiveOptions(write=False): no writer, no problem, reads what another feed writes, even started first."""
    path = tmp_path / "nba.duckdb"
    reader = LiveFeed(feed_server.url, options=options(), archive=ArchiveOptions(str(path), write=False))
    feeds.append(reader)
    reader.start()
    assert reader.archive == ArchiveState(path, write=False, writer=None, problem=None)
    writer = LiveFeed(feed_server.url, options=options(), archive=ArchiveOptions(path, source="team-feed"))
    feeds.append(writer)
    writer.start()
    feed_server.publish([ScoreUpdate(data=Game.model_validate(game("g1")))])
    wait_for(lambda: len(reader.query("SELECT source FROM games")) == 1, what="the writer's row")
    assert reader.query("SELECT source FROM games").source.tolist() == ["team-feed"]


def test_history_is_every_score_change_as_the_archive_keeps_them(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """history() has no clock-only rows: a tip-off, tick or final at the same score is left out, as in score_changes."""
    feed = LiveFeed(feed_server.url, options=options(), archive=tmp_path / "nba.duckdb")
    feeds.append(feed)
    feed.start()
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED, what="connected")
    states = [
        {"status": "scheduled", "period": 0, "clock": "12:00", "home_score": 0, "away_score": 0},
        {"period": 1, "clock": "12:00", "home_score": 0, "away_score": 0},
        {"period": 1, "clock": "11:40", "home_score": 2, "away_score": 0},
        {"period": 1, "clock": "11:20", "home_score": 2, "away_score": 0},
        {"period": 1, "clock": "11:02", "home_score": 2, "away_score": 3},
        {"period": 4, "clock": "00:00", "home_score": 2, "away_score": 3, "status": "final"},
    ]
    for state in states:
        feed_server.publish([ScoreUpdate(data=Game.model_validate(game(**state)))])
    wait_for(lambda: len(feed.query("SELECT * FROM game_updates")) == len(states), what="every state archived")
    history = feed.history("g1")
    assert list(zip(history.clock, history.home_score, history.away_score, strict=True)) == [
        ("11:40", 2, 0),
        ("11:02", 2, 3),
    ]
    archived = feed.query("SELECT clock, home_score, away_score FROM score_changes ORDER BY arrival")
    assert [tuple(row) for row in archived.itertuples(index=False)] == [("11:40", 2, 0), ("11:02", 2, 3)]


def test_a_game_joined_late_is_partial_and_left_out_of_the_scorecard_unless_asked(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """First met at 60-58 in Q3: partial, known from Q3 07:12, in game_stats(), scorecard() and the archive's
    scorecard alike; the overall figures leave it out, and count it with include_partial=True."""
    feed = archived_night(feed_server, feeds, tmp_path / "nba.duckdb")  # "w" and "l", seen from their tip-off
    teams = {"home_team": "Late Home", "away_team": "Late Away"}
    final = {"status": "final", "period": 4, "clock": "00:00", "home_score": 101, "away_score": 99}
    feed_server.publish(
        [
            ScoreUpdate(data=Game.model_validate(game("late", **teams, home_score=60, away_score=58))),
            PredictionUpdate(data=Prediction(game_id="late", home_win_probability=0.9)),
            ScoreUpdate(data=Game.model_validate(game("late", **teams, **final))),
        ]
    )
    wait_for(lambda: len(feed.scorecard().games) == 3, what="three finished games")
    stats = feed.game_stats().set_index("game_id")
    assert stats.partial.to_dict() == {"w": False, "l": False, "late": True}
    assert (stats.loc["late", "known_from_period"], stats.loc["late", "known_from_clock"]) == (3, "07:12")
    card = feed.scorecard()
    assert card.games.set_index("game_id").partial.to_dict() == {"w": False, "l": False, "late": True}
    assert (card.overall.iloc[0].games, card.overall.iloc[0].predictions, card.partial_left_out) == (2, 6, 1)
    everything = feed.scorecard(include_partial=True)
    assert (everything.overall.iloc[0].games, everything.overall.iloc[0].predictions) == (3, 7)
    assert everything.partial_left_out == 0
    wait_for(lambda: len(feed.archived_scorecard().games) == 3, what="the archive's three finished games")
    archived = feed.archived_scorecard()
    assert archived.games.set_index("game_id").partial.to_dict() == {"w": False, "l": False, "late": True}
    pd.testing.assert_frame_equal(archived.overall, card.overall)
    assert archived.partial_left_out == 1


def test_a_recording_begun_mid_night_starts_with_the_state_it_joins(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """start_recording() mid-night writes every game's state, prediction and plays first: a replay and an import
    know them."""
    finished = game("done", home_team="Home D", away_team="Away D", status="final", period=4, clock="00:00")
    feed_server.publish(
        [
            score("live", ts=100.0, home_score=50, extra="kept"),
            prediction("live", 0.7, ts=100.0),
            play("live", 4, ts=99.0, clock="08:00"),
            play("live", 3, ts=100.0, clock="07:00", team=None, player=None, description=None, kind=None),
            frame("game_end", finished, ts=90.0),
        ]
    )
    feed = LiveFeed(feed_server.url).start()
    feeds.append(feed)
    wait_for(lambda: len(feed.games()) == 2 and len(feed.plays()) == 2, what="the night so far")
    path = tmp_path / "joined.jsonl"
    feed.start_recording(path)
    feed_server.publish_raw([score("live", ts=110.0, home_score=52)])
    wait_for(lambda: feed.recording is not None and feed.recording.lines == 6, what="the state and the next frame")
    feed.stop_recording()
    recorded = [json.loads(f.payload) for f in read_recording(path)]
    # The plays came with the state the feed joined, as history without a ts: they are recorded so.
    assert [(m["type"], m["data"]["game_id"], m.get("ts")) for m in recorded] == [
        ("score_update", "live", 100.0),
        ("prediction", "live", 100.0),
        ("play", "live", None),
        ("play", "live", None),
        ("game_end", "done", 90.0),
        ("score_update", "live", 110.0),
    ]
    assert recorded[3]["data"] == {
        "game_id": "live", "play_id": 3, "period": 3, "clock": "07:00", "home_score": 53, "away_score": 48,
        "home_win_probability": 0.7,
    }  # fmt: skip
    assert recorded[0]["data"]["extra"] == "kept"
    assert len({f.received_at for f in read_recording(path)}) == 1  # the state is received with the frame after it

    replayed = Store()
    with ScriptedFeed(ReplaySource(read_recording(path)), interval=0.02) as server:
        client = LiveFeed(server.url, store=replayed).start()
        feeds.append(client)
        wait_for(lambda: len(client.games()) == 2 and client.games().home_score.max() == 52, what="the replay")
    assert {g.game.game_id: g.game.status for g in replayed.snapshot().games.values()} == {
        "live": "live",
        "done": "final",
    }
    assert replayed.snapshot().predictions["live"].prediction.home_win_probability == 0.7
    assert [record.play_id for record in replayed.plays("live")] == [4, 3]

    archive = tmp_path / "night.duckdb"
    assert archive_main(["import", str(path), "--archive", str(archive)]) == 0
    assert query(archive, "SELECT game_id FROM finished_games").game_id.tolist() == ["done"]


def test_a_recording_stopped_before_any_frame_still_holds_the_state(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """On a quiet night (every game over), starting and stopping a recording still writes the state it joined."""
    feed_server.publish([GameEnd(data=Game.model_validate(game("done", status="final", period=4, clock="00:00")))])
    feed = LiveFeed(feed_server.url).start()
    feeds.append(feed)
    wait_for(lambda: len(feed.games()) == 1, what="the finished game")
    feed.start_recording(tmp_path / "quiet.jsonl")
    assert feed.recording is not None
    assert feed.recording.lines == 0  # the state is taken when the first frame comes, or at the stop
    feed.stop_recording()
    (only,) = [json.loads(f.payload) for f in read_recording(tmp_path / "quiet.jsonl")]
    assert (only["type"], only["data"]["game_id"]) == ("game_end", "done")


def test_the_scorecard_is_scored_again_only_when_a_finished_game_changes(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live updates and repeated calls reuse the scorecard, a game ending scores again, a caller's edits stay theirs."""
    scored: list[int] = []
    real = live_module.score_finished_games
    monkeypatch.setattr(live_module, "score_finished_games", lambda *a, **k: scored.append(1) or real(*a, **k))
    feed = LiveFeed(feed_server.url, options=options())
    feeds.append(feed)
    feed.start()
    wait_for(lambda: feed.status().state is ConnectionState.CONNECTED, what="connected")
    batches = two_finished_games()
    for batch in batches[:5]:  # "w" played out and final; "l" under way
        feed_server.publish(batch)
    wait_for(lambda: len(feed.scorecard().games) == 1, what="the first final")
    calls = len(scored)
    first = feed.scorecard()
    first.games.loc[:, "brier"] = 99.0
    feed_server.publish(batches[5])  # the next game starts, with its prediction
    wait_for(lambda: len(feed.prediction_history("l")) == 1, what="the next game")
    assert feed.scorecard().games.brier.tolist() != [99.0]
    assert len(scored) == calls
    for batch in batches[6:]:
        feed_server.publish(batch)
    wait_for(lambda: len(feed.scorecard().games) == 2, what="the second final")
    assert len(scored) == calls + 1


def test_game_stats_of_a_game_met_mid_way_are_game_details_from_its_whole_plays(
    feed_server: ScriptedFeed, feeds: list[LiveFeed], tmp_path: Path
) -> None:
    """Connected mid-game, then only late score changes: game_stats() gives Game detail's figures, from the plays;
    so does the archive's account of the game."""
    sides = ("away", "home", "home", "away", "away", "away", "home", "home", "home")  # 0-2 ... 4-8 ... 10-8
    swings = [(side, 0.05 if side == "home" else -0.05, None, f"{side} basket") for side in sides]
    feed_server.publish(played_game("mid", swings=swings))
    feed = LiveFeed(feed_server.url, options=options(), archive=tmp_path / "nba.duckdb")
    feeds.append(feed)
    feed.start()
    wait_for(lambda: len(feed.plays("mid")) == len(sides) + 1, what="the game's plays, whole on connect")
    late = game("mid", **PLAYED, period=2, clock="06:00", home_score=14, away_score=8)
    feed_server.publish([ScoreUpdate(data=Game.model_validate(late))])
    wait_for(lambda: feed.games().set_index("game_id").loc["mid", "home_score"] == 14, what="the late score")
    board = BoardCache(feed.snapshot, feed.status, feed.store.game_plays, feed.store.game_histories).board(
        now=time.time(), clock=time.monotonic()
    )
    assert feed.game_summaries() == board.summaries()
    stats = feed.game_stats().set_index("game_id").loc["mid"]
    assert (stats.lead_changes, stats.biggest_away_lead, stats.biggest_home_lead) == (3, 4, 6)  # 14-8 now
    assert not stats.partial
    assert not feed.game_wpa("mid").partial
    archived_top = "SELECT coalesce(max(home_score), 0) AS top FROM games"
    wait_for(lambda: feed.query(archived_top).top[0] == 14, what="the late score archived")
    archived = feed.archived_game("mid")[0]
    live = next(summary for summary in feed.game_summaries() if summary.game_id == "mid")
    assert (archived.lead_changes, archived.partial) == (live.lead_changes, live.partial) == (3, False)
