"""Formatting for the page: connection words, clocks, plurals, sorting, filters, escaping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final
from zoneinfo import ZoneInfo

import pytest

from lib.feed.sources.nba import NbaOptions
from lib.protocol import Game, Prediction
from lib.store import CloseCause, ConnectionState, GameRecord, PredictionRecord
from lib.views.format import (
    FINAL_SHOWN_FOR,
    ago,
    board_note,
    board_notice,
    build_cards,
    connection_indicator,
    escape_markdown,
    game_clock,
    is_close_game,
    known_from,
    plural,
    predicted_final,
    sort_cards,
    source_caption,
    source_health,
    span,
    win_chance,
)
from tests.helpers import NOW, feed_status, game, source_report


def g(game_id: str = "g", **fields: Any) -> Game:
    return Game.model_validate_json(json.dumps(game(game_id, **fields)))


@pytest.mark.parametrize(
    ("changes", "tone", "words"),
    [
        ({}, "green", "Live"),
        ({"state": ConnectionState.CONNECTING}, "orange", "Connecting…"),
        (
            {"state": ConnectionState.RECONNECTING, "reconnect_attempts": 2, "next_retry_at": NOW + 4.2},
            "orange",
            "Reconnecting in 4 s (attempt 3 of 10)",
        ),
        (
            {"state": ConnectionState.RECONNECTING, "max_reconnect_attempts": None},
            "orange",
            "Reconnecting… (attempt 1)",
        ),
        (
            {
                "state": ConnectionState.CLOSED,
                "close_code": 1000,
                "reason": "server closed the connection",
                "cause": CloseCause.SERVER_CLOSED,
            },
            "red",
            "Disconnected (server closed)",
        ),
        ({"state": ConnectionState.GIVEN_UP, "reconnect_attempts": 10}, "red", "Gave up after 10 attempts"),
        ({"state": ConnectionState.GIVEN_UP, "reconnect_attempts": 1}, "red", "Gave up after 1 attempt"),
        ({"state": ConnectionState.CLOSED, "reason": "stopped"}, "grey", "Disconnected"),
    ],
)
def test_connection_indicator_words(changes: dict[str, Any], tone: str, words: str) -> None:
    """Each connection state reads in words, with the retry countdown and attempts."""
    indicator = connection_indicator(feed_status(**changes), NOW)
    assert (indicator.tone, indicator.words) == (tone, words)
    assert indicator.can_reconnect == (tone != "green" and "Connecting" not in words)


@pytest.mark.parametrize(("count", "text"), [(0, "0 games"), (1, "1 game"), (2, "2 games")])
def test_plural(count: int, text: str) -> None:
    """Counts read naturally in the singular and the plural."""
    assert plural(count, "game") == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.5, "just now"), (12.9, "12 s ago"), (125, "2 min ago"), (7300, "2 h ago")]
)
def test_ago(seconds: float, text: str) -> None:
    """Ages read in the largest sensible unit."""
    assert ago(seconds) == text


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"period": 3, "clock": "07:12"}, "Q3 07:12"),
        ({"period": 1, "clock": "00:00"}, "End of Q1"),
        ({"period": 5, "clock": "03:00"}, "OT 03:00"),
        ({"period": 7, "clock": "00:30.5"}, "3OT 00:30.5"),
        ({"status": "halftime", "period": 2, "clock": "00:00"}, "Halftime"),
        ({"status": "final", "period": 4, "clock": "00:00"}, "Final"),
        ({"status": "final", "period": 6, "clock": "00:00"}, "Final/2OT"),
        ({"status": "scheduled", "period": 0, "clock": "12:00"}, "Scheduled"),
        (
            {"status": "scheduled", "period": 0, "clock": "12:00", "start_time": "2027-01-15T08:00:00Z"},
            "Tip-off in 10 min",
        ),
        (
            {"status": "scheduled", "period": 0, "clock": "12:00", "start_time": "2027-01-15T09:30:00Z"},
            "Tip-off 9:30 AM UTC",
        ),
    ],
)
def test_game_clock(fields: dict[str, Any], text: str) -> None:
    """Period and clock read like a scoreboard, overtime as OT, 2OT, 3OT."""
    assert game_clock(g(**fields), datetime.fromisoformat("2027-01-15T07:50:00+00:00").timestamp()) == text


def test_a_later_tip_off_is_a_time_in_the_viewers_time_zone() -> None:
    """A tip-off hours away reads in the viewer's zone: 00:30 UTC is 7:30 PM in New York, in January."""
    scheduled = g(status="scheduled", period=0, clock="12:00", start_time="2027-01-16T00:30:00Z")
    now = datetime.fromisoformat("2027-01-15T20:00:00+00:00").timestamp()
    assert game_clock(scheduled, now, ZoneInfo("America/New_York")) == "Tip-off 7:30 PM EST"


@pytest.mark.parametrize(
    ("fields", "close"),
    [
        ({"period": 4, "clock": "04:59", "home_score": 100, "away_score": 96}, True),
        ({"period": 4, "clock": "05:00", "home_score": 100, "away_score": 95}, True),
        ({"period": 4, "clock": "05:01", "home_score": 100, "away_score": 99}, False),
        ({"period": 4, "clock": "01:00", "home_score": 100, "away_score": 94}, False),
        ({"period": 3, "clock": "01:00", "home_score": 80, "away_score": 80}, False),
        ({"period": 5, "clock": "02:00", "home_score": 110, "away_score": 110}, True),
        ({"period": 4, "clock": "00:00", "home_score": 100, "away_score": 99, "status": "final"}, False),
    ],
)
def test_close_game_badge(fields: dict[str, Any], close: bool) -> None:
    """Close game: within five points, last five minutes of the fourth or overtime, still live."""
    assert is_close_game(g(**fields)) is close


def records(*games: Game, updated_at: float = NOW) -> dict[str, GameRecord]:
    return {x.game_id: GameRecord(x, updated_at, updated_at, None, None, 1) for x in games}


def test_sorting_orders() -> None:
    """Each sort key orders the cards as labelled; the default is the biggest lead."""
    games = records(
        g("a", home_score=50, away_score=49, start_time="2027-01-15T01:00:00Z"),
        g("b", home_score=40, away_score=70, start_time="2027-01-15T00:00:00Z"),
        g("c", home_score=60, away_score=50),
    )
    predictions = {
        "c": PredictionRecord(Prediction(game_id="c", home_win_probability=0.9), NOW, None, None, 1),
        "a": PredictionRecord(Prediction(game_id="a", home_win_probability=0.5), NOW, None, None, 1),
    }
    cards = build_cards(games, predictions, now=NOW)
    order = {
        key: [c.game.game_id for c in sort_cards(cards, key)]
        for key in ("Biggest lead", "Closest game", "Tip-off time", "Home win probability")
    }
    assert order == {
        "Biggest lead": ["b", "c", "a"],
        "Closest game": ["a", "c", "b"],
        "Tip-off time": ["b", "a", "c"],
        "Home win probability": ["c", "a", "b"],
    }


OTHERS: Final = {"home_team": "Denver Nuggets", "away_team": "Miami Heat"}


def test_filters_by_team_and_hides_old_finals() -> None:
    """The team filter keeps games with either team; finals leave the board after 30 minutes."""
    games = {
        **records(g("x", home_team="Boston Celtics"), g("y", away_team="Boston Celtics", home_team="Utah Jazz")),
        **records(g("old", status="final", **OTHERS), updated_at=NOW - FINAL_SHOWN_FOR - 1),
        **records(g("new", status="final", **OTHERS), updated_at=NOW - 60),
    }
    assert {c.game.game_id for c in build_cards(games, {}, now=NOW, team_filter=["Utah Jazz"])} == {"y"}
    assert {c.game.game_id for c in build_cards(games, {}, now=NOW)} == {"x", "y", "new"}
    assert {c.game.game_id for c in build_cards(games, {}, now=NOW, show_final=False)} == {"x", "y"}


def test_a_team_is_on_the_board_once_in_its_latest_game() -> None:
    """A final leaves the board when one of its teams has a newer game: one in progress or to come, or a later final."""
    games = {
        **records(g("earlier", status="final"), updated_at=NOW - 600),  # Knicks @ Celtics
        **records(g("tonight", home_team="Utah Jazz", status="scheduled"), updated_at=NOW - 900),  # Knicks @ Jazz
        **records(g("theirs", status="final", **OTHERS), updated_at=NOW - 300),
        **records(g("then", status="final", home_team="Denver Nuggets"), updated_at=NOW - 400),  # Knicks @ Nuggets
        **records(g("later", status="final", away_team="Miami Heat", home_team="Orlando Magic"), updated_at=NOW - 60),
    }
    assert [c.game.game_id for c in build_cards(games, {}, now=NOW)] == ["tonight", "later"]


def test_escape_markdown_neutralises_markup() -> None:
    """Markdown and HTML in feed text are backslash-escaped so they show as typed."""
    assert escape_markdown("**x** [a](javascript:b) <i>") == "\\*\\*x\\*\\* \\[a\\]\\(javascript\\:b\\) \\<i\\>"


def test_source_health_says_when_the_nba_was_last_reached() -> None:
    """All well: "NBA live · updated 3 s ago", counted on the server's clock up to the report's sending."""
    record = source_report(received_at=NOW, ts=NOW + 500.0, last_success=NOW + 498.0)
    health = source_health(record, NOW + 1.0)
    assert health is not None
    assert (health.tone, health.words) == ("green", "NBA live · updated 3 s ago")


def test_source_health_says_how_long_the_nba_has_been_unreachable_and_why() -> None:
    """Failing: red, "NBA live unreachable for 40 s", because of "HTTP 403", since 40 s ago."""
    record = source_report(state="failing", last_success=NOW - 45.0, failing_since=NOW - 40.0, error="HTTP 403")
    health = source_health(record, NOW)
    assert health is not None
    assert (health.tone, health.words, health.detail, health.since) == (
        "red",
        "NBA live unreachable for 40 s",
        "HTTP 403",
        NOW - 40.0,
    )


def test_source_health_before_the_first_poll_and_without_a_source_report() -> None:
    """No good poll yet: waiting, in orange; no report at all (the demo): nothing to show."""
    health = source_health(source_report(), NOW)
    assert health is not None
    assert (health.tone, health.words) == ("orange", "NBA live · waiting for the first poll")
    assert source_health(None, NOW) is None


@pytest.mark.parametrize(
    ("url", "demo", "nba", "text"),
    [
        ("ws://x:1/ws/live", True, None, "Source: the embedded demo, a simulated night"),
        (
            "ws://x:1/ws/live",
            False,
            NbaOptions(),
            "Source: NBA live, tonight's real games from cdn.nba.com, polled every 5 s",
        ),
        ("wss://feed.example.com/ws/live", False, None, "Feed: wss://feed.example.com/ws/live"),
    ],
)
def test_source_caption_names_what_the_page_shows(url: str, demo: bool, nba: NbaOptions | None, text: str) -> None:
    """The sidebar names the demo, the NBA's live data (host and pace), or the feed's URL."""
    assert source_caption(url, demo=demo, nba=nba) == text


def record_of(**fields: Any) -> GameRecord:
    return GameRecord(Game.model_validate(game(**fields)), NOW, NOW, None, None, 0)


def test_board_note_names_the_next_tip_off_in_the_viewers_time_zone() -> None:
    """No game in progress: the earliest scheduled game, its local time and how long until it."""
    soon = datetime.fromtimestamp(NOW, UTC) + timedelta(hours=2, minutes=5)
    later = soon + timedelta(hours=1)
    games = {
        "a": record_of(game_id="a", status="scheduled", period=0, clock="12:00", start_time=later),
        "b": record_of(game_id="b", status="scheduled", period=0, clock="12:00", start_time=soon),
        "c": record_of(game_id="c", status="final"),
    }
    eastern = timezone(timedelta(hours=-5))
    note = board_note(games, NOW, eastern)
    expected_clock = soon.astimezone(eastern).strftime("%I:%M %p").lstrip("0") + " UTC-05:00"
    assert note == (
        f"No game is on right now. Next tip-off: New York Knicks at Boston Celtics, {expected_clock} (in 2 h 5 min)."
    )


def test_board_note_is_silent_while_a_game_is_on_and_says_when_the_night_is_over() -> None:
    """A live game: no note; only finals: the night is over; a late tip-off: any moment now."""
    assert board_note({"a": record_of(game_id="a")}, NOW, UTC) is None
    assert board_note({}, NOW, UTC) is None
    assert board_note({"a": record_of(game_id="a", status="final")}, NOW, UTC) == (
        "No game is on right now: every game on the board is over."
    )
    late = datetime.fromtimestamp(NOW - 120, UTC)
    waiting = {"a": record_of(game_id="a", status="scheduled", period=0, clock="12:00", start_time=late)}
    assert "(any moment now)" in (board_note(waiting, NOW, UTC) or "")


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0 s"), (40.9, "40 s"), (60, "1 min"), (3600, "1 h"), (7500, "2 h 5 min")]
)
def test_span(seconds: float, text: str) -> None:
    """Durations in a few words."""
    assert span(seconds) == text


def test_known_from_names_the_first_state_seen_of_a_partial_game() -> None:
    """Whole figures are known from tip-off; partial ones from a period and clock, or a period's end."""
    assert known_from(None, None) == "tip-off"
    assert known_from(2, "05:12") == "Q2 05:12"
    assert known_from(2, "00:00") == "end of Q2"
    assert known_from(6, "03:00") == "2OT 03:00"


@pytest.mark.parametrize(
    ("probability", "final", "text"),
    [
        (0.64, False, "64 %"),
        (0.995, False, ">99 %"),
        (0.9949, False, "99 %"),
        (0.004, False, "<1 %"),
        (0.0, False, "<1 %"),
        (1.0, True, "100 %"),
        (0.0, True, "0 %"),
    ],
)
def test_win_chance_is_never_certain_before_the_final(probability: float, final: bool, text: str) -> None:
    """Rounded to whole percent; only a final reads 100 % or 0 %."""
    assert win_chance(probability, final=final) == text


def test_the_board_says_what_the_header_says() -> None:
    """All well: nothing over the cards, "No live games" without; trouble: the header's state, with since when."""
    assert board_notice(connection_indicator(feed_status(), NOW), games=True) is None
    quiet = board_notice(connection_indicator(feed_status(), NOW), games=False)
    assert quiet is not None
    assert quiet.text.startswith("No live games at the moment")
    failing = source_report(state="failing", failing_since=NOW - 40.0, error="HTTP 403")
    outage = connection_indicator(feed_status(), NOW, failing, UTC)
    assert (outage.tone, outage.words, outage.detail) == ("red", "NBA live unreachable for 40 s", "HTTP 403")
    notice = board_notice(outage, games=True)
    assert notice is not None
    assert notice.kind == "error"
    assert notice.text.startswith("NBA live unreachable since ")
    assert "(40 s ago): HTTP 403." in notice.text
    assert "last known state" in notice.text


def test_a_stale_source_report_is_not_shown_while_disconnected() -> None:
    """Reconnecting: the connection's words only; the source's last report is from before and says nothing now."""
    failing = source_report(state="failing", failing_since=NOW - 40.0, error="HTTP 403")
    down = feed_status(state=ConnectionState.RECONNECTING, last_error="connection refused", next_retry_at=NOW + 3)
    indicator = connection_indicator(down, NOW, failing)
    assert indicator.words == "Reconnecting in 3 s (attempt 1 of 10)"
    assert "NBA" not in (indicator.problem or "") + (indicator.upstream or "")


@pytest.mark.parametrize(
    ("away", "home", "shown"),
    [
        (104.4, 110.3, (104, 110)),  # apart once rounded: rounded
        (109.7, 110.2, (109, 110)),  # a tie once rounded: the trailer down (0.7) is nearer than the leader up (0.8)
        (109.6, 110.0, (109, 110)),  # the trailer down (0.6) is nearer than the leader up (1.0)
        (110.0, 110.4, (110, 111)),  # the leader up (0.6) is nearer than the trailer down (1.0)
        (110.4, 109.9, (111, 110)),  # the away team expected ahead stays ahead (up 0.6, not down 0.9)
        (112.0, 112.0, (112, 112)),  # a tie expected is shown as one
        (0.3, 0.1, (1, 0)),  # no score below 0
    ],
)
def test_a_predicted_final_never_shows_a_tie_the_model_does_not_expect(
    away: float, home: float, shown: tuple[int, int]
) -> None:
    """Whole points, each within a point of the model's, the team expected ahead shown ahead."""
    assert predicted_final(away, home) == shown
    assert all(abs(whole - exact) < 1 for whole, exact in zip(shown, (away, home), strict=True))


def test_a_predicted_final_orders_the_teams_as_the_expectation_does_for_any_scores() -> None:
    """Over a grid of expected scores the shown winner is the expected one, and each score within a point."""
    for tenths in range(-30, 31):
        for base in (0.0, 99.5, 110.0, 110.45):
            away, home = base, base + tenths / 10
            if home < 0:
                continue
            shown_away, shown_home = predicted_final(away, home)
            assert (shown_home > shown_away) == (home > away)
            assert (shown_home == shown_away) == (home == away)
            assert abs(shown_away - away) < 1
            assert abs(shown_home - home) < 1
