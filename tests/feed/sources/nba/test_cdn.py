"""The NBA's live files validated from their published samples, clocks with odds put in the protocol's terms."""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest

from harness.cdn import sample
from lib.feed.sources.nba.cdn import (
    MAX_ACTIONS,
    MAX_GAMES,
    PLAYBYPLAY_LIMITS,
    SCOREBOARD,
    CdnShapeError,
    JsonLimits,
    JsonMeter,
    boxscore_file,
    clock_from_duration,
    load_json,
    parse_boxscore,
    parse_odds,
    parse_playbyplay,
    parse_scoreboard,
    playbyplay_file,
)
from lib.model import home_spread_from_chance


def test_the_published_scheduled_scoreboard_validates() -> None:
    """The 2023-02-24 sample: date, ids, status 1, period 0, empty clock, teams and tip-off time."""
    board = parse_scoreboard(sample("scoreboard_scheduled.json"))
    assert board.game_date == date(2023, 2, 24)
    assert board.skipped == 0
    first = board.games[0]
    assert (first.game_id, first.game_status, first.period, first.game_clock) == ("0022200895", 1, 0, "")
    assert first.game_time_utc == datetime(2023, 2, 25, 0, 0, tzinfo=UTC)
    assert (first.home_team.full_name, first.away_team.team_tricode) == ("Washington Wizards", "NYK")


def test_the_published_final_scoreboard_validates() -> None:
    """The 2021-01-15 sample: a final, 106-103, its odd "None" strings ignored."""
    game = parse_scoreboard(sample("scoreboard_final.json")).games[0]
    assert (game.game_status, game.home_team.score, game.away_team.score) == (3, 106, 103)


def test_the_published_play_by_play_validates_with_string_scores() -> None:
    """Actions carry scores as strings ("2"); they are read as numbers."""
    plays = parse_playbyplay(sample("playbyplay.json"))
    assert plays.game_id == "0022000180"
    assert [(a.action_type, a.score_home, a.score_away) for a in plays.actions] == [
        ("period", 0, 0),
        ("jumpball", 0, 0),
        ("2pt", 2, 0),
    ]


def test_the_published_box_score_gives_the_game_state() -> None:
    """A box score's game has the scoreboard's fields: a final, 124-97, Boston at home."""
    game = parse_boxscore(sample("boxscore.json"))
    assert (game.game_id, game.game_status, game.home_team.full_name, game.home_team.score) == (
        "0022000180",
        3,
        "Boston Celtics",
        124,
    )


def test_the_published_odds_give_the_median_spread_as_the_margin() -> None:
    """Spreads of -6.5, -7.5 and -7 across books: the home team is 7 points better."""
    assert parse_odds(sample("odds.json"), spread_of_chance=home_spread_from_chance) == {"0022400913": 7.0}


def test_without_a_spread_the_moneyline_gives_the_margin() -> None:
    """Decimal odds about 1.37 / 3.22 (vig removed): the home team about a 70% favourite, the model's line for it."""
    odds = sample("odds.json")
    odds["games"][0]["markets"] = odds["games"][0]["markets"][:1]
    margin = parse_odds(odds, spread_of_chance=home_spread_from_chance)["0022400913"]
    assert home_spread_from_chance(0.69) < margin < home_spread_from_chance(0.71)


def test_bad_books_are_ignored_not_fatal() -> None:
    """A spread of 99 or no outcomes moves nothing; a game whose only book says "abc" is left out."""
    odds = sample("odds.json")
    spread_books = odds["games"][0]["markets"][1]["books"]
    spread_books[0]["outcomes"][0]["spread"] = "99"
    spread_books[1]["outcomes"] = None
    other = copy.deepcopy(odds["games"][0])
    other["gameId"] = "0022400914"
    other["markets"] = [{"name": "2way", "books": [{"outcomes": [{"type": "home", "odds": "abc"}]}]}]
    odds["games"].append(other)
    assert parse_odds(odds, spread_of_chance=home_spread_from_chance) == {"0022400913": 7.0}


@pytest.mark.parametrize(
    ("duration", "clock"),
    [
        ("PT12M00.00S", "12:00"),
        ("PT05M32.00S", "05:32"),
        ("PT01M00.00S", "01:00"),
        ("PT00M59.00S", "00:59"),
        ("PT00M04.70S", "00:04.7"),
        ("PT00M00.30S", "00:00.3"),
        ("PT00M00.00S", "00:00"),
        ("PT11M43S", "11:43"),
        ("PT12M00S", "12:00"),
    ],
)
def test_iso_durations_become_the_protocols_clock(duration: str, clock: str) -> None:
    """The CDN's duration as "MM:SS", with tenths only in the last minute."""
    assert clock_from_duration(duration) == clock


@pytest.mark.parametrize("duration", ["", "Q1 12:34", "PT13M00.00S", "12:00", "PT-1M00S", "PT1H00M00S"])
def test_anything_else_is_no_clock(duration: str) -> None:
    """Empty, free text, over 12 minutes or another form: no clock."""
    assert clock_from_duration(duration) is None


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "x",
        {},
        {"scoreboard": []},
        {"scoreboard": {"gameDate": "soon", "games": []}},
        {"scoreboard": {"gameDate": "2026-12-01"}},
    ],
)
def test_a_scoreboard_of_the_wrong_shape_is_a_clear_error(payload: Any) -> None:
    """No scoreboard object, no date or no games list: CdnShapeError, not a crash."""
    with pytest.raises(CdnShapeError, match="scoreboard"):
        parse_scoreboard(payload)


def test_one_bad_game_is_skipped_and_counted_not_the_board() -> None:
    """A game with a score of "lots", one with status 7 and one with no teams are skipped; the good one stays."""
    board = sample("scoreboard_scheduled.json")
    good = board["scoreboard"]["games"][0]
    bad_score = copy.deepcopy(good)
    bad_score["homeTeam"]["score"] = "lots"
    bad_status = copy.deepcopy(good)
    bad_status["gameStatus"] = 7
    no_teams = {k: v for k, v in good.items() if k not in ("homeTeam", "awayTeam")}
    board["scoreboard"]["games"] = [bad_score, good, bad_status, no_teams]
    parsed = parse_scoreboard(board)
    assert (len(parsed.games), parsed.skipped) == (1, 3)


def test_a_game_with_a_tip_off_the_protocol_refuses_is_skipped_and_counted() -> None:
    """A tip-off in the year 10000 UTC, or without its offset, is checked as the protocol checks start_time."""
    board = sample("scoreboard_scheduled.json")
    good = board["scoreboard"]["games"][0]
    far = copy.deepcopy(good) | {"gameTimeUTC": "9999-12-31T23:59:59-05:00"}
    naive = copy.deepcopy(good) | {"gameTimeUTC": "2023-02-25T00:00:00"}
    board["scoreboard"]["games"] = [far, good, naive]
    parsed = parse_scoreboard(board)
    assert (len(parsed.games), parsed.skipped) == (1, 2)


def test_an_action_with_a_score_over_the_protocols_limit_is_skipped() -> None:
    """A running score of 4000 is not an NBA score: the action is skipped and counted."""
    plays = sample("playbyplay.json")
    plays["game"]["actions"][2]["scoreHome"] = "4000"
    parsed = parse_playbyplay(plays)
    assert (len(parsed.actions), parsed.skipped) == (2, 1)


@pytest.mark.parametrize("payload", [{}, {"game": {"actions": []}}, {"game": {"gameId": "1", "actions": {}}}])
def test_a_play_by_play_of_the_wrong_shape_is_a_clear_error(payload: Any) -> None:
    """No game, no id or no actions list: CdnShapeError."""
    with pytest.raises(CdnShapeError, match="play-by-play"):
        parse_playbyplay(payload)


def test_a_box_score_of_the_wrong_shape_is_a_clear_error() -> None:
    """A box score whose game has no status: CdnShapeError naming the field."""
    box = sample("boxscore.json")
    del box["game"]["gameStatus"]
    with pytest.raises(CdnShapeError, match="gameStatus"):
        parse_boxscore(box)


def test_odds_of_the_wrong_shape_are_a_clear_error() -> None:
    """An odds file without a games list: CdnShapeError."""
    with pytest.raises(CdnShapeError, match="odds"):
        parse_odds({"games": "none"}, spread_of_chance=home_spread_from_chance)


# -- limits checked on the text ----------------------------------------------------------------

LIMITS = JsonLimits(max_bytes=10_000, max_entries=100, max_depth=4)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (b"[" + b",".join([b"{}"] * 200) + b"]", "too_many_entries"),
        (b"[[[[[0]]]]]", "too_deep"),
        (b" " * 10_001, "too_large"),
        (b'{"a": [1, 2', "invalid_json"),
        (b"1" * 5000, "invalid_json"),  # an integer of 5,000 digits: Python refuses to build it
    ],
)
def test_text_over_a_limit_is_refused_before_it_is_parsed(text: bytes, kind: str) -> None:
    """Too many entries, too deep, too long, not JSON: a CdnShapeError of that kind."""
    with pytest.raises(CdnShapeError) as caught:
        load_json(text, LIMITS)
    assert caught.value.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": "' + b",[{" * 2000 + b'"}',  # commas and brackets inside a string count for nothing
        b'{"a": "\\"[[[[[[\\\\", "b": [[[1]]]}',  # escaped quotes and backslashes do not end a string early
    ],
)
def test_what_is_inside_strings_is_not_counted(text: bytes) -> None:
    """Brackets, commas, escaped quotes and backslashes in strings neither add entries nor nesting."""
    assert isinstance(load_json(text, LIMITS), dict)


def test_hostile_escapes_are_counted_in_linear_time() -> None:
    """Eight MiB of escaped quotes with no closing quote (quadratic for a naive string pattern): refused at once."""
    started = time.monotonic()
    with pytest.raises(CdnShapeError):
        load_json(b'"' + b'\\"' * (4 * 1024 * 1024), PLAYBYPLAY_LIMITS)
    assert time.monotonic() - started < 10  # a naive pattern takes hours


def test_each_file_takes_its_real_samples_and_refuses_another_games() -> None:
    """The published samples pass their file's limits; a box score or play-by-play of another game does not."""
    assert SCOREBOARD.read(json.dumps(sample("scoreboard_scheduled.json")).encode()).games
    assert playbyplay_file("0022000180").read(json.dumps(sample("playbyplay.json")).encode()).actions
    assert boxscore_file("0022000180").read(json.dumps(sample("boxscore.json")).encode()).game_status == 3
    with pytest.raises(CdnShapeError, match="another game"):
        boxscore_file("0022000181").read(json.dumps(sample("boxscore.json")).encode())
    with pytest.raises(CdnShapeError, match="another game"):
        playbyplay_file("0022000181").read(json.dumps(sample("playbyplay.json")).encode())
    with pytest.raises(ValueError, match="game id"):
        boxscore_file("../odds/odds_todaysGames")


def test_lists_longer_than_a_night_or_a_game_are_refused_before_validation() -> None:
    """31 games on a board, 2,001 actions in a live play-by-play: too_many_games, too_many_actions."""
    board = sample("scoreboard_scheduled.json")
    board["scoreboard"]["games"] = board["scoreboard"]["games"][:1] * (MAX_GAMES + 1)
    with pytest.raises(CdnShapeError, match="31 games") as caught:
        parse_scoreboard(board)
    assert caught.value.kind == "too_many_games"
    plays = sample("playbyplay.json")
    plays["game"]["actions"] = plays["game"]["actions"][2:] * (MAX_ACTIONS + 1)
    with pytest.raises(CdnShapeError) as caught:
        playbyplay_file("0022000180").read(json.dumps(plays).encode())
    assert caught.value.kind == "too_many_actions"
    replayed = playbyplay_file("0022000180", finished=True).read(json.dumps(plays).encode())
    assert len(replayed.actions) == MAX_ACTIONS + 1  # a finished game fetched once for a replay may be longer


@pytest.mark.parametrize(("period", "clock"), [(2, "PT99M99.00S"), (2, "banana"), (5, "PT07M00.00S"), (1, "PT-1M")])
def test_a_clock_that_is_not_one_of_its_period_makes_the_entry_invalid(period: int, clock: str) -> None:
    """A game or action whose clock is garbage or longer than its period is skipped and counted."""
    board = sample("scoreboard_scheduled.json")
    game = board["scoreboard"]["games"][0]
    game.update(gameStatus=2, period=period, gameClock=clock)
    assert parse_scoreboard(board).skipped == 1
    plays = sample("playbyplay.json")
    plays["game"]["actions"][2].update(period=period, clock=clock)
    assert parse_playbyplay(plays).skipped == 1


TRICKY = [
    json.dumps(sample("playbyplay.json")).encode(),
    json.dumps(sample("odds.json"), separators=(",", ":")).encode(),
    rb'{"a": "x\\\"y,[{", "b": ["\\\\", "\\\"", "", 1, [2, {"c": "]}\\\\"}]], "d": "\\u0022,"}',
]


@pytest.mark.parametrize("text", TRICKY, ids=["playbyplay", "odds", "escapes"])
def test_text_measured_in_pieces_counts_as_the_whole(text: bytes) -> None:
    """Cut anywhere (inside a string, between a backslash and what it escapes), the counts are the same."""
    assert isinstance(json.loads(text), dict)
    roomy = JsonLimits(max_bytes=len(text), max_entries=10**6, max_depth=_depth(json.loads(text)))
    shallow = JsonLimits(max_bytes=len(text), max_entries=10**6, max_depth=roomy.max_depth - 1)
    whole = JsonMeter(roomy)
    whole.feed(text)
    for size in (1, 2, 3, 5, 7, 64):
        pieces = [text[start : start + size] for start in range(0, len(text), size)]
        assert _measured(pieces, roomy).entries == whole.entries
        with pytest.raises(CdnShapeError, match="nested"):
            _measured(pieces, shallow)


def _measured(pieces: list[bytes], limits: JsonLimits) -> JsonMeter:
    meter = JsonMeter(limits)
    for piece in pieces:
        meter.feed(piece)
    return meter


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0
