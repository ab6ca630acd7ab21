"""The wire protocol: every message type parses, every kind of bad frame is rejected with its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from lib.protocol import (
    LATEST_TIMESTAMP,
    MAX_FRAME_BYTES,
    PLAY_KINDS,
    GameEnd,
    GameStart,
    PlayUpdate,
    PongMessage,
    PredictionUpdate,
    Rejection,
    RejectReason,
    ScoreUpdate,
    clean_text,
    encode,
    parse,
    parse_ping,
)
from tests.helpers import frame, game, play_data


def test_score_update_parses_to_typed_message() -> None:
    """A valid score_update becomes a ScoreUpdate with typed fields and its envelope."""
    message = parse(frame("score_update", game(differential=2), ts=1700000000.5, seq=7))
    assert isinstance(message, ScoreUpdate)
    assert message.data.home_score == 50
    assert message.data.score_differential == 2
    assert message.ts == 1700000000.5
    assert message.seq == 7


@pytest.mark.parametrize(("kind", "model"), [("game_start", GameStart), ("game_end", GameEnd)])
def test_game_start_and_end_parse(kind: str, model: type) -> None:
    """game_start and game_end carry a game like score_update does."""
    assert isinstance(parse(frame(kind, game())), model)


def test_prediction_parses_with_optional_fields() -> None:
    """A prediction with predicted scores and a model name parses."""
    message = parse(
        frame(
            "prediction",
            {"game_id": "g1", "home_win_probability": 1, "predicted_home_score": 101.5, "model": "m"},
        )
    )
    assert isinstance(message, PredictionUpdate)
    assert message.data.home_win_probability == 1.0
    assert message.data.predicted_away_score is None


def test_play_parses_with_every_field() -> None:
    """A play carries its id, clock, team, player, description, kind, the score and the probability after it."""
    message = parse(frame("play", play_data(play_id=412), ts=1700000000.5, seq=3))
    assert isinstance(message, PlayUpdate)
    assert (message.data.play_id, message.data.kind, message.data.player) == (412, "made_shot", "Jayson Tatum")
    assert (message.data.home_score, message.data.away_score, message.data.home_win_probability) == (53, 48, 0.7)
    assert parse(encode(message)) == message


def test_play_needs_only_its_place_score_and_probability() -> None:
    """team, player, description and kind are optional: a period's start has none of them."""
    bare = {k: v for k, v in play_data().items() if k not in ("team", "player", "description", "kind")}
    message = parse(frame("play", bare))
    assert isinstance(message, PlayUpdate)
    assert (message.data.team, message.data.player, message.data.description, message.data.kind) == (None,) * 4


@pytest.mark.parametrize("kind", PLAY_KINDS)
def test_every_documented_play_kind_parses(kind: str) -> None:
    """Each kind of the documented set is a valid play kind."""
    message = parse(frame("play", play_data(kind=kind)))
    assert isinstance(message, PlayUpdate)
    assert message.data.kind == kind


def test_pong_echoes_the_timestamp() -> None:
    """A pong carries the ping's timestamp back."""
    message = parse(frame("pong", {"timestamp": 1700000000123}, ts=1.0))
    assert isinstance(message, PongMessage)
    assert message.data.timestamp == 1700000000123


def test_bytes_are_parsed_as_utf8_text() -> None:
    """Undecoded text-frame bytes parse the same as text."""
    assert isinstance(parse(frame("score_update", game(home_team="Équipe")).encode()), ScoreUpdate)


def test_unknown_extra_fields_are_kept() -> None:
    """Forward compatibility: unknown fields at every level are accepted and kept."""
    message = parse(frame("score_update", game(arena="TD Garden"), region="east"))
    assert isinstance(message, ScoreUpdate)
    assert message.data.model_extra == {"arena": "TD Garden"}
    assert message.model_extra == {"region": "east"}


@pytest.mark.parametrize(
    ("sent", "utc"),
    [
        ("1946-01-01T00:00:00Z", datetime(1946, 1, 1, tzinfo=UTC)),
        ("2100-12-31T23:59:59.999999Z", datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2026-11-26T19:30:00-05:00", datetime(2026, 11, 27, 0, 30, tzinfo=UTC)),
    ],
)
def test_start_time_is_accepted_within_its_range(sent: str, utc: datetime) -> None:
    """The range's ends, as UTC instants, are inside it; an offset is kept and means the same instant."""
    message = parse(frame("score_update", game(start_time=sent)))
    assert isinstance(message, ScoreUpdate), message
    assert message.data.start_time == utc


def test_ts_is_accepted_up_to_the_end_of_2100() -> None:
    """ts from 0 to just before 2101 UTC: epoch seconds, as a server stamps them."""
    for ts in (0.0, LATEST_TIMESTAMP - 1):
        assert isinstance(parse(frame("score_update", game(), ts=ts)), ScoreUpdate)
    assert isinstance(parse(frame("score_update", game(), ts=LATEST_TIMESTAMP)), Rejection)


def test_start_time_is_iso8601() -> None:
    """start_time is parsed as an ISO 8601 timestamp."""
    message = parse(frame("score_update", game(start_time="2026-11-26T19:30:00Z")))
    assert isinstance(message, ScoreUpdate)
    assert message.data.start_time is not None
    assert message.data.start_time.hour == 19


def test_encode_round_trips() -> None:
    """A message encoded by the server parses back to an equal message on the client."""
    original = parse(frame("score_update", game(), ts=5.0, seq=1))
    assert isinstance(original, ScoreUpdate)
    assert parse(encode(original)) == original


def _bad(**overrides: Any) -> str:
    return frame("score_update", game(**overrides))


REJECTIONS: list[tuple[str, str | bytes, RejectReason, bool]] = [
    ("invalid JSON", "{not json", RejectReason.INVALID_JSON, False),
    ("truncated JSON", '{"type": "score_update", "data": {', RejectReason.INVALID_JSON, False),
    ("empty frame", "", RejectReason.INVALID_JSON, False),
    ("a JSON array", "[1, 2]", RejectReason.NOT_AN_OBJECT, False),
    ("a JSON string", '"score_update"', RejectReason.NOT_AN_OBJECT, False),
    ("null", "null", RejectReason.NOT_AN_OBJECT, False),
    ("binary frame", b'{"type":"pong","data":{"timestamp":1}}', RejectReason.BINARY_FRAME, True),
    ("no type", json.dumps({"data": game()}), RejectReason.MISSING_TYPE, False),
    ("unknown type", frame("substitution", game()), RejectReason.UNKNOWN_TYPE, False),
    ("no data", json.dumps({"type": "score_update"}), RejectReason.MISSING_FIELD, False),
    (
        "missing game_id",
        frame("score_update", {k: v for k, v in game().items() if k != "game_id"}),
        RejectReason.MISSING_FIELD,
        False,
    ),
    ("string score", _bad(home_score="50"), RejectReason.WRONG_TYPE, False),
    ("boolean score", _bad(home_score=True), RejectReason.WRONG_TYPE, False),
    ("fractional score", _bad(home_score=50.5), RejectReason.WRONG_TYPE, False),
    ("float-valued integer", _bad(period=3.0), RejectReason.WRONG_TYPE, False),
    ("numeric team", _bad(home_team=7), RejectReason.WRONG_TYPE, False),
    ("negative score", _bad(away_score=-1), RejectReason.OUT_OF_RANGE, False),
    ("score over 400", _bad(away_score=401), RejectReason.OUT_OF_RANGE, False),
    ("period over 20", _bad(period=21), RejectReason.OUT_OF_RANGE, False),
    ("empty game_id", _bad(game_id=""), RejectReason.OUT_OF_RANGE, False),
    ("game_id over 64 chars", _bad(game_id="x" * 65), RejectReason.OUT_OF_RANGE, False),
    ("blank team name", _bad(home_team="   "), RejectReason.INVALID_VALUE, False),
    ("team name of a no-break space", _bad(away_team="\u00a0"), RejectReason.INVALID_VALUE, False),
    ("right-to-left override in a name", _bad(home_team="Boston \u202eCeltics"), RejectReason.INVALID_VALUE, False),
    ("directional isolate in a name", _bad(away_team="\u2067Knicks\u2069"), RejectReason.INVALID_VALUE, False),
    (
        "right-to-left override in a description",
        frame("play", play_data(description="Tatum \u202e3PT")),
        RejectReason.INVALID_VALUE,
        False,
    ),
    ("bad clock", _bad(clock="7 minutes"), RejectReason.INVALID_VALUE, False),
    ("clock past 12:00", _bad(clock="12:01"), RejectReason.INVALID_VALUE, False),
    ("unknown status", _bad(status="paused"), RejectReason.INVALID_VALUE, False),
    ("bad start_time", _bad(start_time="tonight"), RejectReason.INVALID_VALUE, False),
    ("start_time without its offset", _bad(start_time="2026-11-26T19:30:00"), RejectReason.INVALID_VALUE, False),
    ("start_time in year 10000 UTC", _bad(start_time="9999-12-31T23:59:59-05:00"), RejectReason.OUT_OF_RANGE, False),
    ("start_time before year 1 UTC", _bad(start_time="0001-01-01T00:00:00+05:00"), RejectReason.OUT_OF_RANGE, False),
    ("start_time before 1946", _bad(start_time="1945-12-31T23:59:59Z"), RejectReason.OUT_OF_RANGE, False),
    ("start_time after 2100", _bad(start_time="2100-12-31T23:59:59-05:00"), RejectReason.OUT_OF_RANGE, False),
    ("play kind not in the set", frame("play", play_data(kind="dunk")), RejectReason.INVALID_VALUE, False),
    ("play kind in other words", frame("play", play_data(kind="Made Shot")), RejectReason.INVALID_VALUE, False),
    ("play_id a string", frame("play", play_data(play_id="7")), RejectReason.WRONG_TYPE, False),
    ("negative play_id", frame("play", play_data(play_id=-1)), RejectReason.OUT_OF_RANGE, False),
    ("play_id past 2^31 - 1", frame("play", play_data(play_id=2**31)), RejectReason.OUT_OF_RANGE, False),
    ("play in period 0", frame("play", play_data(period=0)), RejectReason.OUT_OF_RANGE, False),
    ("play's bad clock", frame("play", play_data(clock="7:12 left")), RejectReason.INVALID_VALUE, False),
    ("description over 512", frame("play", play_data(description="x" * 513)), RejectReason.OUT_OF_RANGE, False),
    ("empty description", frame("play", play_data(description="")), RejectReason.OUT_OF_RANGE, False),
    ("player over 64", frame("play", play_data(player="x" * 65)), RejectReason.OUT_OF_RANGE, False),
    ("play probability over 1", frame("play", play_data(home_win_probability=1.5)), RejectReason.OUT_OF_RANGE, False),
    (
        "play without its probability",
        frame("play", {k: v for k, v in play_data().items() if k != "home_win_probability"}),
        RejectReason.MISSING_FIELD,
        False,
    ),
    (
        "play without its score",
        frame("play", {k: v for k, v in play_data().items() if k != "home_score"}),
        RejectReason.MISSING_FIELD,
        False,
    ),
    (
        "probability over 1",
        frame("prediction", {"game_id": "g", "home_win_probability": 1.01}),
        RejectReason.OUT_OF_RANGE,
        False,
    ),
    (
        "probability below 0",
        frame("prediction", {"game_id": "g", "home_win_probability": -0.1}),
        RejectReason.OUT_OF_RANGE,
        False,
    ),
    (
        "NaN probability",
        '{"type":"prediction","data":{"game_id":"g","home_win_probability":NaN}}',
        RejectReason.OUT_OF_RANGE,
        False,
    ),
    ("infinite ts", '{"type":"pong","data":{"timestamp":1},"ts":Infinity}', RejectReason.OUT_OF_RANGE, False),
    ("string ts", frame("pong", {"timestamp": 1}, ts="now"), RejectReason.WRONG_TYPE, False),
    ("ts in milliseconds", frame("score_update", game(), ts=1764186000125.0), RejectReason.OUT_OF_RANGE, False),
    ("ts of 1e13", frame("score_update", game(), ts=1e13), RejectReason.OUT_OF_RANGE, False),
    ("negative ts", frame("score_update", game(), ts=-1.0), RejectReason.OUT_OF_RANGE, False),
    (
        "source_status time in microseconds",
        frame("source_status", {"source": "nba", "state": "ok", "last_success": 1764186000125000.0}),
        RejectReason.OUT_OF_RANGE,
        False,
    ),
    ("negative seq", frame("pong", {"timestamp": 1}, seq=-1), RejectReason.OUT_OF_RANGE, False),
    ("data not an object", frame("score_update", [1, 2]), RejectReason.WRONG_TYPE, False),
    ("invalid UTF-8", b'{"type":"score_update","data":{"game_id":"\xff"}}', RejectReason.INVALID_UTF8, False),
    ("frame over 1 MiB", _bad(padding="x" * MAX_FRAME_BYTES), RejectReason.TOO_LARGE, False),
]


@pytest.mark.parametrize(("case", "payload", "reason", "binary"), REJECTIONS, ids=[c[0] for c in REJECTIONS])
def test_bad_frames_are_rejected_with_their_reason(
    case: str, payload: str | bytes, reason: RejectReason, binary: bool
) -> None:
    """Each kind of bad frame becomes a Rejection with the right reason, never an exception."""
    result = parse(payload, binary=binary)
    assert isinstance(result, Rejection), case
    assert result.reason == reason, (case, result.detail)
    assert result.detail


def test_a_rejected_name_or_clock_says_its_rule_in_words() -> None:
    """A blank or bidi-laden name and a bad clock name the field and the rule, not a regular expression."""
    name = parse(_bad(home_team="A\u202eB"))
    clock = parse(_bad(clock="99:00"))
    assert isinstance(name, Rejection)
    assert isinstance(clock, Rejection)
    assert name.detail == "data.home_team: blank, or holds a bidirectional control character"
    assert clock.detail == 'data.clock: not a clock: "MM:SS" left in the period, at most 12:00'


def test_names_in_any_script_are_accepted() -> None:
    """Names in Hebrew, Arabic or with accents pass: only blank names and the direction controls are refused."""
    for name in ("\u05de\u05db\u05d1\u05d9", "\u0627\u0644\u0646\u062c\u0648\u0645", "Nikola Joki\u0107"):
        assert isinstance(parse(_bad(home_team=name)), ScoreUpdate)


def test_clean_text_strips_direction_controls_and_whitespace() -> None:
    """Upstream names lose their bidirectional controls and surrounding spaces; an all-control name is empty."""
    assert clean_text("  Boston \u202eCeltics\u202c ") == "Boston Celtics"
    assert clean_text("\u2066\u2069 ") == ""


def test_deeply_nested_json_is_rejected_not_crashing() -> None:
    """A nesting bomb is rejected as invalid JSON without a RecursionError."""
    result = parse("[" * 100_000 + "]" * 100_000)
    assert isinstance(result, Rejection)
    assert result.reason == RejectReason.INVALID_JSON


def test_frame_of_exactly_1_mib_is_not_too_large() -> None:
    """The limit is inclusive: a frame of exactly 1 MiB is parsed (and here fails only as JSON)."""
    result = parse(b" " * MAX_FRAME_BYTES)
    assert isinstance(result, Rejection)
    assert result.reason == RejectReason.INVALID_JSON


def test_client_ping_parses_and_junk_does_not() -> None:
    """The server recognises the test ping and ignores anything else."""
    ping = parse_ping('{"type": "ping", "timestamp": 1700000000000}')
    assert ping is not None
    assert ping.timestamp == 1700000000000
    assert parse_ping("{}") is None
    assert parse_ping(b"\xff") is None


def test_records_are_wins_dash_losses() -> None:
    """home_record and away_record take "10-5" and "0-0"; another string is an invalid_value naming the field."""
    message = parse(frame("score_update", game(home_record="10-5", away_record="0-0")))
    assert isinstance(message, ScoreUpdate), message
    assert (message.data.home_record, message.data.away_record) == ("10-5", "0-0")
    for bad in ("10–5", "10-05", "-1-5", "10", "10-5-1", "1000-1", " 10-5"):
        rejection = parse(frame("score_update", game(away_record=bad)))
        assert isinstance(rejection, Rejection), bad
        assert rejection.reason is RejectReason.INVALID_VALUE, (bad, rejection)
        assert "away_record" in rejection.detail
    number = parse(frame("score_update", game(home_record=105)))
    assert isinstance(number, Rejection)
    assert number.reason is RejectReason.WRONG_TYPE
