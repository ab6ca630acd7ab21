"""The wire protocol: message models, with the one function that turns a frame into a message.

Every message field is defined here once. The demo feed server builds its frames with these
models and the client validates incoming frames with the same models, so the two can never
disagree about what a field means. ``docs/protocol.md`` is the prose version of this module.

This module is pure: no sockets, no threads, no Streamlit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Final, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError

MAX_FRAME_BYTES: Final = 1024 * 1024
"""Frames larger than this are rejected without being parsed (1 MiB)."""

MAX_CLIENT_MESSAGE_BYTES: Final = 4 * 1024
"""The largest message a client sends, in bytes of UTF-8 (4 KiB). The protocol's one client
message is a small ``ping``; a client refuses to send more, and a server may refuse more by
closing with 1009 (message too big)."""

CLIENT_FRAMES_PER_SECOND: Final = 10.0
"""Frames a client may send a server per second, sustained: messages, WebSocket pings and pongs
alike. A server may close a client over it with 1008 (policy violation)."""

CLIENT_FRAME_BURST: Final = 1_100
"""Frames a client may send at once above :data:`CLIENT_FRAMES_PER_SECOND`: room for the queue of
messages a client wrote while it was disconnected, sent together on reconnect."""

MAX_SCORE: Final = 400
MAX_PERIOD: Final = 20
REGULATION_PERIODS: Final = 4
PERIOD_SECONDS: Final = 12 * 60
OVERTIME_SECONDS: Final = 5 * 60

GameStatus = Literal["scheduled", "live", "halftime", "final"]
GAME_STATUSES: Final[tuple[str, ...]] = ("scheduled", "live", "halftime", "final")

# "MM:SS" left in the period, at most 12:00, optionally with tenths as real feeds give in the
# last minute. A pattern rather than a Python validator: it is checked in pydantic's Rust core,
# which matters at tens of thousands of messages a second.
CLOCK_PATTERN: Final = r"^(?:(?:0?\d|1[01]):[0-5]\d(?:\.\d)?|12:00(?:\.0)?)$"

# Strict JSON typing: a string, a boolean or a fraction where an integer is due is ill-typed.
# Unknown extra fields are kept so that a newer server can add fields without breaking us.
_STRICT: Final = ConfigDict(strict=True, extra="allow", frozen=True)

EARLIEST_START: Final = datetime(1946, 1, 1, tzinfo=UTC)
"""The earliest tip-off a game may have: the year the league's first game was played."""
LATEST_TIME: Final = datetime(2101, 1, 1, tzinfo=UTC)
"""Every time the protocol carries is before this (the end of 2100, UTC).

Far enough ahead for any real schedule, and far inside what every reader can hold: Python's
``datetime`` ends with the year 9999, pandas' timestamps in 2262, DuckDB's in the year 294247.
A time outside would pass through the store and break whatever shows or stores it later.
"""
LATEST_TIMESTAMP: Final = LATEST_TIME.timestamp()
""":data:`LATEST_TIME` in epoch seconds: a feed that stamps milliseconds or microseconds is past it."""

LEAGUE_TIMEZONE: Final = ZoneInfo("America/New_York")
"""The league's clock: a game's day is the date of its tip-off here, as schedules and box scores
name it (a 7:30 PM tip-off in New York is that day's game in Paris too, where it is already the
next morning)."""

BIDI_CONTROLS: Final = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Unicode's bidirectional embeddings, overrides and isolates: one in a team's name would reverse
the text around it wherever the name is shown (a card, a table, a toast)."""
_NO_BIDI: Final = r"[^\x{202A}-\x{202E}\x{2066}-\x{2069}]"
TEXT_PATTERN: Final = rf"^{_NO_BIDI}*[^\s\x{{202A}}-\x{{202E}}\x{{2066}}-\x{{2069}}]{_NO_BIDI}*$"
"""What a name or a description must be: something besides whitespace, and no
:data:`BIDI_CONTROLS`. A pattern, checked in pydantic's Rust core, so it costs a frame nothing."""


def clean_text(text: str) -> str:
    """Upstream text (the NBA's, a CSV's) as the protocol takes it: without bidirectional controls, trimmed.

    A source calls it on names and descriptions before building a message; what is left may still be
    empty (then the source has no name to send).
    """
    return text.translate(_WITHOUT_BIDI).strip()


_WITHOUT_BIDI: Final = dict.fromkeys(map(ord, BIDI_CONTROLS))

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=TEXT_PATTERN)]
Score = Annotated[int, Field(ge=0, le=MAX_SCORE)]
Timestamp = Annotated[float, Field(ge=0, lt=LATEST_TIMESTAMP, allow_inf_nan=False)]
"""Epoch seconds on a server's clock, from 1970 to the end of 2100."""
StartTime = Annotated[AwareDatetime, Field(ge=EARLIEST_START, lt=LATEST_TIME)]
"""A tip-off: an ISO 8601 time with its UTC offset (a time without one means nothing to a viewer
elsewhere, and cannot be compared with one that has it), from 1946 to the end of 2100, UTC."""


RECORD_PATTERN: Final = r"^(0|[1-9][0-9]{0,2})-(0|[1-9][0-9]{0,2})$"
"""A team's regular-season record as wins and losses, ``"10-5"``: whole numbers without leading zeros."""
Record = Annotated[str, Field(max_length=7, pattern=RECORD_PATTERN)]


def record_text(wins: int, losses: int) -> str:
    """A record as the protocol carries it: ``record_text(10, 5) == "10-5"``."""
    return f"{wins}-{losses}"


def _only_true(value: object) -> Literal[True] | None:
    # Only JSON true marks a correction; anything else (false, "true", 1) means no correction,
    # so a frame with it is judged like one without the field.
    return True if value is True else None


class Game(BaseModel):
    """The state of one game, as carried by ``score_update``, ``game_start`` and ``game_end``."""

    model_config = _STRICT

    game_id: Name
    home_team: Name
    away_team: Name
    home_score: Score
    away_score: Score
    period: Annotated[int, Field(ge=0, le=MAX_PERIOD)]
    clock: Annotated[str, Field(pattern=CLOCK_PATTERN)]
    status: GameStatus
    differential: Annotated[int, Field(ge=-MAX_SCORE, le=MAX_SCORE)] | None = None
    start_time: StartTime | None = None
    correction: Annotated[Literal[True] | None, BeforeValidator(_only_true)] = None
    """``True`` lets a score go down (a scorer's correction); any other value counts as absent."""
    home_record: Record | None = None
    """The home team's regular-season record this season before this game, ``"wins-losses"``."""
    away_record: Record | None = None
    """The away team's, likewise."""

    @property
    def score_differential(self) -> int:
        """Home minus away, derived from the scores (the sent ``differential`` is only checked)."""
        return self.home_score - self.away_score


def clock_seconds(clock: str) -> float:
    """Seconds left in the period, from a validated ``"MM:SS"`` (or ``"MM:SS.t"``) clock."""
    minutes, _, seconds = clock.partition(":")
    return 60 * int(minutes) + float(seconds)


def clock_text(seconds: int) -> str:
    """Whole seconds left in a period as the protocol's ``"MM:SS"`` (the inverse of :func:`clock_seconds`)."""
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def period_seconds(period: int) -> int:
    """The length of a period in seconds: 12 minutes in regulation, 5 in overtime."""
    return PERIOD_SECONDS if period <= REGULATION_PERIODS else OVERTIME_SECONDS


def elapsed_seconds(period: int, seconds_left: float) -> float:
    """Game time played, in seconds, at ``seconds_left`` in ``period`` (0 before tip-off)."""
    if period <= 0:
        return 0.0
    regulation = min(period - 1, REGULATION_PERIODS) * PERIOD_SECONDS
    overtime = max(0, period - 1 - REGULATION_PERIODS) * OVERTIME_SECONDS
    return regulation + overtime + period_seconds(period) - seconds_left


class Prediction(BaseModel):
    """A live win prediction for one game."""

    model_config = _STRICT

    game_id: Name
    home_win_probability: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    predicted_home_score: Annotated[float, Field(ge=0, le=MAX_SCORE, allow_inf_nan=False)] | None = None
    predicted_away_score: Annotated[float, Field(ge=0, le=MAX_SCORE, allow_inf_nan=False)] | None = None
    model: Name | None = None


PlayKind = Literal[
    "made_shot",
    "missed_shot",
    "free_throw",
    "rebound",
    "turnover",
    "foul",
    "timeout",
    "substitution",
    "period",
    "other",
]
PLAY_KINDS: Final[tuple[str, ...]] = get_args(PlayKind)
"""What a play is, in words a page can group by: a free throw made or missed alike, a period's
start or end alike; anything else (a violation, a jump ball, a replay review) is ``other``."""
MAX_PLAY_ID: Final = 2**31 - 1
"""The largest ``play_id``: a source's action numbers are small, and this fits every reader's integer."""
PLAYS_PER_GAME: Final = 1000
"""Plays a client keeps of a game, and a server sends of each game on connect: twice a real game's
(about 500; the longest of 632 real games of 2015-16 had 707)."""
MAX_DESCRIPTION: Final = 512
"""The longest play description, in characters: the NBA's own are under 100."""


class Play(BaseModel):
    """One play of a game (a shot, a rebound, a foul, a period's start), with the score and the home win
    probability just after it.

    ``play_id`` is the source's action number: unique and stable within a game, so a play sent
    again with the same id replaces the one held (a correction, or a reconnect's snapshot).
    """

    model_config = _STRICT

    game_id: Name
    play_id: Annotated[int, Field(ge=0, le=MAX_PLAY_ID)]
    period: Annotated[int, Field(ge=1, le=MAX_PERIOD)]
    clock: Annotated[str, Field(pattern=CLOCK_PATTERN)]
    team: Name | None = None
    """The name of the play's team as its game names it (``home_team`` or ``away_team``); ``None``
    for a play of neither (a period's start, an official's timeout)."""
    player: Name | None = None
    description: Annotated[str, Field(min_length=1, max_length=MAX_DESCRIPTION, pattern=TEXT_PATTERN)] | None = None
    kind: PlayKind | None = None
    home_score: Score
    away_score: Score
    home_win_probability: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    """After the play, from the source's model; a game's first play (its tip-off state) carries the
    pregame probability, and the play that ends it the result (1 or 0)."""


MAX_FAULT_KINDS: Final = 32


REPLAY_SOURCES: Final = frozenset({"replay", "games-csv", "nba-replay"})
"""The names of the sources that play past games again: a recording, real games from a CSV, finished
NBA games. Such a source has no upstream to poll: it says once that it is a replay, so that no page
calls it live."""


class SourceStatus(BaseModel):
    """The health of what the feed server serves from, such as the NBA's live data.

    A source with an upstream (the NBA bridge) reports it whenever it changes, so a page can
    say "NBA live · updated 3 s ago" or "NBA live unreachable for 40 s: HTTP 403".
    """

    model_config = _STRICT

    source: Name
    """Which source: ``nba`` (the live bridge), or one of :data:`REPLAY_SOURCES`."""
    state: Literal["ok", "failing"]
    """``failing`` from the first failed poll after a good one until the next good one."""
    last_success: Timestamp | None = None
    """Epoch seconds (server clock) of the last poll that reached the upstream; none yet: ``None``."""
    failing_since: Timestamp | None = None
    """Epoch seconds of the first failed poll in the current failing run."""
    error: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    """The last fault, in words (``HTTP 403``, ``timed out``)."""
    faults: Annotated[
        dict[Annotated[str, Field(min_length=1, max_length=32)], Annotated[int, Field(ge=0)]],
        Field(max_length=MAX_FAULT_KINDS),
    ] = Field(default_factory=dict)
    """Faults since the source started, by kind (``timeout``, ``http_403``, ``invalid_json``, ...)."""
    poll_seconds: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)] | None = None
    """How often the source polls its upstream when all is well."""


class Pong(BaseModel):
    """The server's answer to a client ``ping``: the client's own timestamp, echoed."""

    model_config = _STRICT

    timestamp: Annotated[float, Field(allow_inf_nan=False)]


class _Envelope(BaseModel):
    model_config = _STRICT

    ts: Timestamp | None = None
    """Epoch seconds when the server sent the frame."""
    seq: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None
    """Increasing per connection; restarts with every connection."""


class ScoreUpdate(_Envelope):
    """A change in a game's score, clock or status."""

    type: Literal["score_update"] = "score_update"
    data: Game


class GameStart(_Envelope):
    """A game tipped off."""

    type: Literal["game_start"] = "game_start"
    data: Game


class GameEnd(_Envelope):
    """A game went final."""

    type: Literal["game_end"] = "game_end"
    data: Game


class PredictionUpdate(_Envelope):
    """A new win prediction for a game."""

    type: Literal["prediction"] = "prediction"
    data: Prediction


class SourceStatusUpdate(_Envelope):
    """The source's health changed."""

    type: Literal["source_status"] = "source_status"
    data: SourceStatus


class PlayUpdate(_Envelope):
    """A play of a game: new, or a play sent before again (corrected, or in a reconnect's snapshot)."""

    type: Literal["play"] = "play"
    data: Play


class PongMessage(_Envelope):
    """The answer to a client ``ping``."""

    type: Literal["pong"] = "pong"
    data: Pong


GameMessage = ScoreUpdate | GameStart | GameEnd
Message = ScoreUpdate | GameStart | GameEnd | PredictionUpdate | PlayUpdate | SourceStatusUpdate | PongMessage
MESSAGE_TYPES: Final[tuple[str, ...]] = (
    "score_update",
    "game_start",
    "game_end",
    "prediction",
    "play",
    "source_status",
    "pong",
)


def game_message(game: Game, previous: Game | None) -> GameMessage:
    """The message that carries a changed game: its end, its tip-off, or else a score update.

    Args:
        game: The game's new state.
        previous: The state sent before, ``None`` for a game not sent yet.
    """
    if game.status == "final":
        return GameEnd(data=game)
    if game.status != "scheduled" and (previous is None or previous.status == "scheduled"):
        return GameStart(data=game)
    return ScoreUpdate(data=game)


_MESSAGE: Final[TypeAdapter[Message]] = TypeAdapter(Annotated[Message, Field(discriminator="type")])
_VALIDATE_JSON: Final = _MESSAGE.validator.validate_json  # skips TypeAdapter's per-call wrapper


class Ping(BaseModel):
    """Client to server: the test ping, which a user sends to see the round trip. The server answers with a ``pong``."""

    model_config = _STRICT

    type: Literal["ping"] = "ping"
    timestamp: Annotated[float, Field(allow_inf_nan=False)]


class RejectReason(enum.StrEnum):
    """Why a frame was rejected. The values are stable: they are counted and shown."""

    BINARY_FRAME = "binary_frame"
    TOO_LARGE = "too_large"
    INVALID_UTF8 = "invalid_utf8"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_TYPE = "missing_type"
    UNKNOWN_TYPE = "unknown_type"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    OUT_OF_RANGE = "out_of_range"
    INVALID_VALUE = "invalid_value"
    # Raised by the store, not the parser: the frame is well-formed but cannot be applied.
    SCORE_DECREASED = "score_decreased"
    TOO_MANY_GAMES = "too_many_games"
    UNKNOWN_GAME = "unknown_game"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A frame that was not accepted, and why.

    Attributes:
        reason: The category, one of :class:`RejectReason`.
        detail: A short human-readable explanation (the offending field and rule). It never
            echoes more than a few dozen characters of the frame itself.
    """

    reason: RejectReason
    detail: str


_OUT_OF_RANGE_ERRORS: Final = frozenset(
    {
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "finite_number",
        "too_short",
        "too_long",
        "string_too_short",
        "string_too_long",
    }
)


_PATTERN_WORDS: Final = {
    TEXT_PATTERN: "blank, or holds a bidirectional control character",
    CLOCK_PATTERN: 'not a clock: "MM:SS" left in the period, at most 12:00',
}
"""The patterns' rules in words, for a rejection's detail (the patterns themselves say nothing to a reader)."""


def _rejection_from(error: ValidationError) -> Rejection:
    first = error.errors(include_url=False, include_input=False)[0]
    kind: str = first["type"]
    where = ".".join(str(part) for part in first["loc"][1:]) or "frame"
    message = f"{where}: {first['msg']}"
    if kind == "json_invalid":
        return Rejection(RejectReason.INVALID_JSON, first["msg"])
    if kind in ("model_attributes_type", "dict_type", "model_type") and not first["loc"]:
        return Rejection(RejectReason.NOT_AN_OBJECT, "a frame must be a JSON object")
    if kind == "union_tag_not_found":
        return Rejection(RejectReason.MISSING_TYPE, 'the frame has no "type"')
    if kind == "union_tag_invalid":
        return Rejection(RejectReason.UNKNOWN_TYPE, first["msg"][:160])
    if kind == "missing":
        return Rejection(RejectReason.MISSING_FIELD, message)
    if kind in _OUT_OF_RANGE_ERRORS:
        return Rejection(RejectReason.OUT_OF_RANGE, message)
    if kind == "string_pattern_mismatch":
        rule = _PATTERN_WORDS.get(first.get("ctx", {}).get("pattern", ""))
        if rule is not None:
            return Rejection(RejectReason.INVALID_VALUE, f"{where}: {rule}")
    if kind.endswith("_type"):
        return Rejection(RejectReason.WRONG_TYPE, message)
    return Rejection(RejectReason.INVALID_VALUE, message)


def parse(frame: str | bytes, *, binary: bool = False) -> Message | Rejection:
    """Turn one received frame into a typed message, or say why not.

    This is the only way frames enter the library. It never raises: whatever arrives, the
    receive loop gets either a message or a :class:`Rejection` to count.

    Args:
        frame: The frame payload. ``bytes`` are the undecoded UTF-8 of a text frame.
        binary: True when the frame arrived as a WebSocket binary frame, which the protocol
            does not use.

    Returns:
        One of :data:`Message`, or a :class:`Rejection` with its reason.
    """
    if isinstance(frame, bytes) and len(frame) > MAX_FRAME_BYTES:
        # Size first, as on the wire, where an oversized frame is skipped before its kind matters.
        return Rejection(RejectReason.TOO_LARGE, f"frame of {len(frame)} bytes exceeds {MAX_FRAME_BYTES}")
    if binary:
        return Rejection(RejectReason.BINARY_FRAME, f"binary frame of {len(frame)} bytes")
    if isinstance(frame, str):
        try:
            frame = frame.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: not representable as UTF-8 at all
            return Rejection(RejectReason.INVALID_UTF8, "text is not valid Unicode")
    if len(frame) > MAX_FRAME_BYTES:
        return Rejection(RejectReason.TOO_LARGE, f"frame of {len(frame)} bytes exceeds {MAX_FRAME_BYTES}")
    try:
        # The JSON parser checks UTF-8 itself; decoding up front would cost every frame.
        return _VALIDATE_JSON(frame)  # type: ignore[no-any-return]
    except ValidationError as error:
        rejection = _rejection_from(error)
    except (ValueError, RecursionError) as error:  # defensive: the parser should only raise the above
        rejection = Rejection(RejectReason.INVALID_JSON, str(error)[:160])
    if rejection.reason is RejectReason.INVALID_JSON:
        try:
            frame.decode("utf-8")
        except UnicodeDecodeError as error:
            return Rejection(RejectReason.INVALID_UTF8, f"invalid UTF-8 at byte {error.start}")
    return rejection


def parse_ping(frame: str | bytes) -> Ping | None:
    """Parse a client-to-server frame; ``None`` for anything that is not a valid ``ping``."""
    try:
        return Ping.model_validate_json(frame)
    except ValidationError:
        return None


def encode(message: Message | Ping) -> str:
    """Serialise a message to the JSON text of one frame, leaving out absent optional fields."""
    return message.model_dump_json(exclude_none=True)
