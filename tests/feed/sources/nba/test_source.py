"""The NBA source polling a stand-in CDN over real HTTP: one request per file per poll, faults kept upstream."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.cdn import CELTICS, CLIPPERS, KINGS, KNICKS, LAKERS, WARRIORS, CdnNight, CdnStandIn
from lib.feed.sources.nba import MIN_POLL
from lib.feed.sources.nba.source import ODDS_EVERY, NbaSource
from lib.protocol import Game, GameStart, Message, ScoreUpdate

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
    """Scoreboard, odds, and the play-by-play of the two games in progress: one request each, none for the other."""
    messages = source.advance(T0)
    assert dict(cdn.requests) == {
        "scoreboard": 1,
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
