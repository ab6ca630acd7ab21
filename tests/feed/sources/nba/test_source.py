"""The NBA source polling a stand-in CDN over real HTTP: one request per file per poll, faults kept upstream."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from harness.cdn import (
    CELTICS,
    CLIPPERS,
    KINGS,
    KNICKS,
    LAKERS,
    WARRIORS,
    CdnNight,
    CdnStandIn,
    Hostile,
    gzip_layers,
    tiny_entries,
)
from lib.feed.sources.nba import MIN_POLL
from lib.feed.sources.nba.bridge import BOX_FAILURES
from lib.feed.sources.nba.source import ODDS_EVERY, SCHEDULE_EVERY, NbaSource
from lib.model import MODEL_NAME
from lib.protocol import Game, GameStart, Message, PredictionUpdate, ScoreUpdate

LIVE, LIVE_TOO, SCHEDULED = "0022600301", "0022600302", "0022600303"
T0 = 1_800_000_000.0


@pytest.fixture
def night() -> CdnNight:
    night = CdnNight()
    night.add(LIVE, CELTICS, KNICKS)
    night.add(LIVE_TOO, CLIPPERS, KINGS)
    night.add(SCHEDULED, LAKERS, WARRIORS)
    night.start(LIVE)
    night.start(LIVE_TOO)
    night.score(LIVE, "home", 2, "11:30")
    return night


@pytest.fixture
def cdn(night: CdnNight) -> Iterator[CdnStandIn]:
    with CdnStandIn(night, stall=10.0) as stand_in:
        yield stand_in


@pytest.fixture
def source(cdn: CdnStandIn) -> Iterator[NbaSource]:
    source = NbaSource(cdn.base_url, poll=5.0, timeout=1.0)
    yield source
    source.close()


def game_states(messages: list[Message]) -> dict[str, Game]:
    """The last state sent per game."""
    return {m.data.game_id: m.data for m in messages if isinstance(m, ScoreUpdate | GameStart)}


def test_a_poll_fetches_each_file_once_and_the_play_by_play_of_games_in_progress(
    cdn: CdnStandIn, source: NbaSource
) -> None:
    """Scoreboard, schedule, odds, the play-by-play of the two games in progress: one request each, none for others."""
    messages = source.advance(T0)
    assert dict(cdn.requests) == {
        "scoreboard": 1,
        "schedule": 1,
        "odds": 1,
        f"playbyplay_{LIVE}": 1,
        f"playbyplay_{LIVE_TOO}": 1,
    }
    states = game_states(messages)
    assert (states[LIVE].home_score, states[LIVE].status) == (2, "live")
    assert states[SCHEDULED].status == "scheduled"
    assert source.next_due() == T0 + 5.0


def test_nothing_is_fetched_before_the_next_poll_is_due(cdn: CdnStandIn, source: NbaSource) -> None:
    """advance() between polls returns nothing and asks the CDN nothing."""
    source.advance(T0)
    before = cdn.total_requests()
    assert source.advance(T0 + 4.9) == []
    assert cdn.total_requests() == before


def test_the_odds_are_fetched_once_a_minute_while_a_game_waits_for_its_line(cdn: CdnStandIn, source: NbaSource) -> None:
    """Polls every 5 s fetch the odds on the first poll and again a minute later, not on every poll."""
    for step in range(13):
        source.advance(T0 + step * 5.0)
    assert cdn.requests["scoreboard"] == 13
    assert cdn.requests["odds"] == 1 + int(12 * 5.0 // ODDS_EVERY)


@pytest.mark.parametrize(
    ("fault", "kind", "words"),
    [
        ("403", "http_403", "HTTP 403"),
        ("429", "http_429", "HTTP 429"),
        ("503", "http_503", "HTTP 503"),
        ("timeout", "timeout", "timed out"),
        ("truncated", "truncated", "cut off"),
        ("cut_json", "invalid_json", "not JSON"),
        ("wrong_shape", "invalid_shape", "wrong shape"),
    ],
)
def test_a_failed_scoreboard_keeps_the_last_state_counts_the_fault_and_recovers(
    night: CdnNight, cdn: CdnStandIn, source: NbaSource, fault: str, kind: str, words: str
) -> None:
    """A failed poll sends nothing, reports failing with the reason, backs off; the next good poll catches up."""
    source.advance(T0)
    cdn.fail("scoreboard", fault)
    night.score(LIVE, "away", 3, "11:00")
    assert source.advance(T0 + 5.0) == []
    status = source.status()
    assert (status.state, status.failing_since, status.last_success, status.faults) == (
        "failing",
        T0 + 5.0,
        T0,
        {kind: 1},
    )
    assert words in (status.error or "")
    due = source.next_due()
    assert due is not None
    assert due >= T0 + 5.0 + 0.8 * 5.0
    caught_up = game_states(source.advance(due))
    assert (caught_up[LIVE].home_score, caught_up[LIVE].away_score) == (2, 3)
    assert source.status().state == "ok"


def test_repeated_failures_never_wait_more_than_15_seconds(cdn: CdnStandIn, source: NbaSource) -> None:
    """Ten failed polls in a row: the waits grow to the 15 s cap and no further."""
    cdn.fail("scoreboard", "503", times=10)
    now, waits = T0, []
    for _ in range(10):
        source.advance(now)
        due = source.next_due()
        assert due is not None
        waits.append(due - now)
        now = due
    assert max(waits) <= 15.0
    assert waits[-1] > 10.0
    assert source.status().faults == {"http_503": 10}


def test_a_failed_play_by_play_leaves_that_game_to_the_scoreboard(
    night: CdnNight, cdn: CdnStandIn, source: NbaSource
) -> None:
    """A 403 on one game's play-by-play: that game moves by the scoreboard; the poll is a success."""
    source.advance(T0)
    cdn.fail(f"playbyplay_{LIVE}", "403")
    night.score(LIVE, "home", 3, "10:45")
    states = game_states(source.advance(T0 + 5.0))
    assert (states[LIVE].home_score, states[LIVE].clock) == (5, "10:45")
    status = source.status()
    assert (status.state, status.faults) == ("ok", {"http_403": 1})
    assert source.next_due() == T0 + 10.0


def test_a_429_on_a_play_by_play_slows_the_next_poll(cdn: CdnStandIn, source: NbaSource) -> None:
    """The CDN asking to slow down anywhere pushes the next poll back; the state stays ok."""
    cdn.fail(f"playbyplay_{LIVE_TOO}", "429")
    source.advance(T0)
    due = source.next_due()
    assert due is not None
    assert due > T0 + 5.0 * 0.8
    assert source.status().state == "ok"


def test_the_poll_interval_is_at_least_one_second() -> None:
    """A poll under a second is refused: the CDN's files change every few seconds at most."""
    with pytest.raises(ValueError, match="at least 1"):
        NbaSource("http://127.0.0.1:1/static/json/liveData", poll=MIN_POLL / 2)


# -- hostile answers ---------------------------------------------------------------------------

MIB = 1024 * 1024


def traced_peak(call: Callable[[], object]) -> int:
    """Bytes Python allocated at most while ``call`` ran (every thread: the fetches and the stand-in's)."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def live_night(games: int) -> CdnNight:
    """``games`` games in progress, one basket each."""
    night = CdnNight()
    teams = [CELTICS, KNICKS, CLIPPERS, KINGS, LAKERS, WARRIORS]
    for index in range(games):
        game_id = f"00226{index:05d}"
        night.add(game_id, teams[index % 6], teams[(index + 1) % 6])
        night.start(game_id)
        night.score(game_id, "home", 2, "11:30")
    return night


@pytest.mark.parametrize(
    ("size", "entry", "kind", "words"),
    [
        (16 * MIB, b"{}", "too_large", "more than 1,048,576"),  # the attack as reported: 5.6 M entries
        (MIB - 1024, b"{}", "too_many_entries", "entries in one answer"),  # under the byte cap
        (4096, b"[[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]]", "too_deep", "nested more than 16 deep"),
    ],
)
def test_a_scoreboard_of_tiny_entries_fails_the_poll_before_they_are_built(
    cdn: CdnStandIn, source: NbaSource, size: int, entry: bytes, kind: str, words: str
) -> None:
    """A scoreboard of hundreds of thousands of ``{}``: refused from its text, the header says why, the games stay."""
    source.advance(T0)
    cdn.fail("scoreboard", Hostile(tiny_entries("scoreboard", size, entry)))
    peak = traced_peak(lambda: source.advance(T0 + 5.0))
    status = source.status()
    assert (status.state, status.faults) == ("failing", {kind: 1})
    assert words in (status.error or "")
    assert peak < 4 * MIB  # what was read before the breach, counted in pieces: no objects built
    assert {g.game_id for g in source.games} == {LIVE, LIVE_TOO, SCHEDULED}


def test_a_scoreboard_of_more_games_than_a_night_has_fails_the_poll(cdn: CdnStandIn, source: NbaSource) -> None:
    """5,000 real-shaped games are over the byte cap; 31 are over the 30 a scoreboard may list: both refused."""
    many = live_night(5000)
    cdn.fail("scoreboard", Hostile(json.dumps(many.scoreboard()).encode()))
    assert source.advance(T0) == []
    assert source.status().faults == {"too_large": 1}
    for game_id in list(many.games)[31:]:
        del many.games[game_id]
    cdn.fail("scoreboard", Hostile(json.dumps(many.scoreboard()).encode()))
    assert source.advance(source.next_due() or T0) == []
    status = source.status()
    assert (status.state, status.faults["too_many_games"]) == ("failing", 1)
    assert "31 games, more than 30" in (status.error or "")
    assert source.games == []


@pytest.mark.parametrize(
    ("size", "entry", "kind"),
    [
        (16 * MIB, b"[]", "too_large"),  # the attack as reported
        (4 * MIB - 1024, b"[]", "too_many_entries"),  # under the byte cap
        (64 * 1024, b"{}", "too_many_actions"),  # under both: 21,000 actions, ten times a game's
    ],
)
def test_play_by_play_files_of_tiny_entries_are_refused_and_counted_while_the_games_go_on(
    size: int, entry: bytes, kind: str
) -> None:
    """Eight games whose play-by-play is a list of ``[]``: each refused and counted; the scoreboard moves the games."""
    night = live_night(8)
    with CdnStandIn(night, stall=10.0) as cdn:
        source = NbaSource(cdn.base_url, poll=5.0, timeout=5.0)
        try:
            for game_id in night.games:
                cdn.fail(f"playbyplay_{game_id}", Hostile(tiny_entries(f"playbyplay_{game_id}", size, entry)))
                night.score(game_id, "away", 3, "11:00")
            messages: list[Message] = []
            peak = traced_peak(lambda: messages.extend(source.advance(T0)))
            status = source.status()
        finally:
            source.close()
    assert (status.state, status.faults) == ("ok", {kind: 8})
    assert {(g.home_score, g.away_score) for g in game_states(messages).values()} == {(2, 3)}
    assert peak < 16 * MIB  # each refused after its first megabyte or two, never 1.8 GB of lists


def test_a_trickling_scoreboard_fails_the_poll_at_its_deadline(
    night: CdnNight, cdn: CdnStandIn, source: NbaSource
) -> None:
    """A byte every 0.5 s, each read under the 1 s timeout: the poll still ends, failing, "timed out"."""
    source.advance(T0)
    cdn.fail("scoreboard", Hostile(json.dumps(night.scoreboard()).encode(), trickle=0.5))
    started = time.monotonic()
    assert source.advance(T0 + 5.0) == []
    assert time.monotonic() - started < 30  # the answer would have taken half an hour
    status = source.status()
    assert (status.state, status.faults) == ("failing", {"timeout": 1})
    assert "timed out" in (status.error or "")


def test_the_files_of_a_poll_share_one_timeout() -> None:
    """Twelve trickling play-by-play files, four at once: the first four use up the poll, the rest are never sent."""
    night = live_night(12)
    with CdnStandIn(night, stall=10.0) as cdn:
        source = NbaSource(cdn.base_url, poll=5.0, timeout=1.0)
        try:
            for game_id in night.games:
                cdn.fail(f"playbyplay_{game_id}", Hostile(json.dumps(night.playbyplay(game_id)).encode(), trickle=0.5))
            source.advance(T0)
            status = source.status()
            sent = sum(count for file, count in cdn.requests.items() if file.startswith("playbyplay_"))
        finally:
            source.close()
    assert (status.state, status.faults) == ("ok", {"timeout": 12})
    assert sent <= 4


def test_a_box_score_of_another_game_is_refused(night: CdnNight, cdn: CdnStandIn, source: NbaSource) -> None:
    """A game the board lost, whose box score answers with another game's: invalid_shape, nothing taken from it."""
    source.advance(T0)
    night.games[LIVE].on_board = False
    cdn.fail(f"boxscore_{LIVE}", Hostile(json.dumps(night.boxscore(LIVE_TOO)).encode()))
    messages = source.advance(T0 + 5.0)
    assert source.status().faults == {"invalid_shape": 1, "missing_game": 1}
    assert LIVE not in game_states(messages)


def test_a_garbage_clock_is_an_invalid_entry_not_halftime(night: CdnNight, cdn: CdnStandIn, source: NbaSource) -> None:
    """A second-period clock of "PT99M99.00S" is no clock: the entry is skipped and counted, the game stays live."""
    night.clock(LIVE, 2, "06:00")
    source.advance(T0)
    with night.lock:
        night.games[LIVE].clock = "PT99M99.00S"
    source.advance(T0 + 5.0)
    game = next(g for g in source.games if g.game_id == LIVE)
    assert (game.status, game.period, game.clock) == ("live", 2, "06:00")
    assert source.status().faults["invalid_entry"] == 1


def test_a_scoring_play_recorded_late_never_moves_the_clock_back(
    night: CdnNight, cdn: CdnStandIn, source: NbaSource
) -> None:
    """A basket entered after the fact with a second-period clock, while the game is in the third: sent in the third."""
    night.clock(LIVE, 3, "10:00")
    source.advance(T0)
    with night.lock:
        game = night.games[LIVE]
        game.home_score += 2
        game.period = 2
        game.action(night.games[LIVE].actions[-1], actionType="2pt", clock="PT03M00.00S")
        game.period = 3
    states = [m.data for m in source.advance(T0 + 5.0) if isinstance(m, ScoreUpdate)]
    assert [(g.home_score, g.period, g.clock) for g in states if g.game_id == LIVE] == [(4, 3, "10:00")]


def test_games_the_scoreboard_loses_are_dropped_and_polled_no_more(night: CdnNight, cdn: CdnStandIn) -> None:
    """25 games shown live for one poll, then gone with no box score: dropped after six polls, then never asked for."""
    for index in range(25):
        night.add(f"00227{index:05d}", LAKERS, WARRIORS)
        night.start(f"00227{index:05d}")
    source = NbaSource(cdn.base_url, poll=5.0, timeout=1.0)
    try:
        source.advance(T0)
        assert len(source.games) == 28
        for index in range(25):
            del night.games[f"00227{index:05d}"]
        polls = [T0 + 5.0 * step for step in range(1, 10)]
        for now in polls:
            source.advance(now)
        boxes = sum(count for file, count in cdn.requests.items() if file.startswith("boxscore_"))
    finally:
        source.close()
    assert {g.game_id for g in source.games} == {LIVE, LIVE_TOO, SCHEDULED}
    assert source.status().faults["dropped_game"] == 25
    assert boxes == 25 * BOX_FAILURES  # then no more requests for them


# -- the season's schedule ----------------------------------------------------------------------


@pytest.fixture
def season_night() -> CdnNight:
    """A game to tip off with the teams' records on the board, and their games before it in the schedule."""
    night = CdnNight()
    night.add(SCHEDULED, LAKERS, WARRIORS, records=((1, 0), (0, 1)))
    night.played("0022600001", "2026-11-28", LAKERS, WARRIORS, 120, 110)
    return night


def models(messages: list[Message]) -> set[str | None]:
    return {m.data.model for m in messages if isinstance(m, PredictionUpdate)}


def test_the_schedule_is_fetched_at_the_first_poll_then_hourly_and_gives_the_teams_points(
    season_night: CdnNight,
) -> None:
    """Polls every 5 s for an hour: the schedule is asked for at the first and again an hour on, never per poll;
    its points make the prediction "+form"."""
    with CdnStandIn(season_night) as cdn:
        source = NbaSource(cdn.base_url, poll=5.0, timeout=1.0)
        try:
            assert models(source.advance(T0)) == {f"{MODEL_NAME}+form"}
            for now in (T0 + 5.0, T0 + 10.0, T0 + SCHEDULE_EVERY - 5.0):
                source.advance(now)
            assert cdn.requests["schedule"] == 1
            source.advance(T0 + SCHEDULE_EVERY)
            assert (cdn.requests["schedule"], cdn.requests["scoreboard"]) == (2, 5)
        finally:
            source.close()


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("503", "http_503"),
        ("timeout", "timeout"),
        ("garbage", "invalid_json"),
        ("wrong_shape", "invalid_shape"),
        (Hostile(tiny_entries("schedule", 4 * 1024 * 1024)), "too_many_entries"),
        (Hostile(gzip_layers(40 * 1024 * 1024, 1), headers=(("Content-Encoding", "gzip"),)), "too_large"),
    ],
    ids=["503", "timeout", "garbage", "wrong_shape", "tiny_entries", "gzip_bomb"],
)
def test_a_schedule_that_cannot_be_read_leaves_the_records_alone_until_the_next_hour(
    season_night: CdnNight, fault: str | Hostile, kind: str
) -> None:
    """Unreachable, not JSON, the wrong shape, too many entries, a bomb: counted, "+record", the poll a success;
    not asked for again within the hour; the hour's try reads it and the game is priced "+form"."""
    with CdnStandIn(season_night, stall=3.0) as cdn:
        source = NbaSource(cdn.base_url, poll=5.0, timeout=1.0)
        try:
            cdn.fail("schedule", fault)
            assert models(source.advance(T0)) == {f"{MODEL_NAME}+record"}
            status = source.status()
            assert (status.state, status.faults) == ("ok", {kind: 1})
            source.advance(T0 + 60.0)
            assert cdn.requests["schedule"] == 1
            assert models(source.advance(T0 + SCHEDULE_EVERY)) == {f"{MODEL_NAME}+form"}
        finally:
            source.close()
