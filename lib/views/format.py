"""The dashboard's wording of numbers, states and times. Pure: no Streamlit, testable on its own."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Final, Literal
from urllib.parse import urlsplit

from lib.feed.sources.nba import NbaOptions
from lib.protocol import REGULATION_PERIODS, Game, clock_seconds
from lib.status import FeedStatus
from lib.store import CloseCause, ConnectionState, GameRecord, PredictionRecord, SourceRecord

FINAL_SHOWN_FOR: Final = 30 * 60
"""Seconds a finished game stays on the board after its last update, so old slates clear away."""
CLOSE_GAME_MARGIN: Final = 5
CLOSE_GAME_SECONDS: Final = 5 * 60

Tone = Literal["green", "orange", "red", "grey"]


@dataclass(frozen=True)
class Connection:
    """The header's connection indicator: a coloured dot and words."""

    tone: Tone
    words: str
    can_reconnect: bool
    detail: str | None = None
    """Why it is not live: the last connection error, when there is one."""


def connection_indicator(status: FeedStatus, now: float) -> Connection:
    """How the header describes the connection: a coloured dot, and the state and its reasons in words."""
    state = status.state
    if state is ConnectionState.CONNECTED:
        return Connection("green", "Live", False)
    detail = status.last_error
    if state is ConnectionState.CONNECTING:
        return Connection("orange", "Connecting…", False)
    if state is ConnectionState.RECONNECTING:
        limit = status.max_reconnect_attempts
        attempt = status.reconnect_attempts + 1
        of = f"attempt {attempt} of {limit}" if limit is not None else f"attempt {attempt}"
        if status.next_retry_at is not None:
            wait = max(0, round(status.next_retry_at - now))
            return Connection("orange", f"Reconnecting in {wait} s ({of})", True, detail)
        return Connection("orange", f"Reconnecting… ({of})", True, detail)
    if state is ConnectionState.GIVEN_UP:
        return Connection("red", f"Gave up after {plural(status.reconnect_attempts, 'attempt')}", True, detail)
    if status.connection.cause is CloseCause.SERVER_CLOSED:
        return Connection("red", "Disconnected (server closed)", True)
    return Connection("grey", "Disconnected", True)


SOURCE_LABELS: Final = {"nba": "NBA live", "nba-replay": "NBA replay"}
"""How the header names a source that reports its health."""


@dataclass(frozen=True)
class SourceHealth:
    """The header's words on the feed server's upstream (the NBA's live data)."""

    tone: Tone
    words: str


def source_health(record: SourceRecord | None, now: float) -> SourceHealth | None:
    """"NBA live · updated 3 s ago", or "NBA live unreachable for 40 s: HTTP 403"; ``None`` without a report."""
    if record is None:
        return None
    status = record.status
    label = SOURCE_LABELS.get(status.source, status.source)
    if status.state == "failing" and status.failing_since is not None:
        down = span(record.age(status.failing_since, now))
        return SourceHealth("red", f"{label} unreachable for {down}: {status.error or 'no answer'}")
    if status.last_success is None:
        return SourceHealth("orange", f"{label} · waiting for the first poll")
    return SourceHealth("green", f"{label} · updated {ago(record.age(status.last_success, now))}")


def source_caption(url: str, *, demo: bool, nba: NbaOptions | None) -> str:
    """What the sidebar says the page shows: the demo, the NBA's live data, or a feed at a URL."""
    if nba is not None:
        host = urlsplit(nba.shown_url).netloc or nba.shown_url
        return f"Source: NBA live, tonight's real games from {host}, polled every {nba.poll:g} s"
    if demo:
        return "Source: the embedded demo, a simulated night"
    return f"Feed: {url}"


def board_note(games: Mapping[str, GameRecord], now: float, tz: tzinfo) -> str | None:
    """What the board says when no game is on: when the next one tips off, or that the night is over.

    Args:
        games: The games held.
        now: Epoch seconds.
        tz: The viewer's time zone, for the tip-off time.

    Returns:
        ``None`` while a game is in progress, or when there are no games at all.
    """
    states = [record.game for record in games.values()]
    if not states or any(game.status in ("live", "halftime") for game in states):
        return None
    waiting = [(g.start_time, g.game_id, g) for g in states if g.status == "scheduled" and g.start_time is not None]
    if not waiting:
        if any(game.status == "scheduled" for game in states):
            return "No game is on right now."
        return "No game is on right now: every game on the board is over."
    start, _, game = min(waiting)
    wait = start.timestamp() - now
    when = "any moment now" if wait < 60 else f"in {span(wait)}"
    return (
        f"No game is on right now. Next tip-off: {game.away_team} at {game.home_team}, "
        f"{local_time(start, tz)} ({when})."
    )


def span(seconds: float) -> str:
    """A duration in the few words a live page wants: ``40 s``, ``12 min``, ``2 h 5 min``."""
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    hours, minutes = divmod(int(seconds // 60), 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def plural(count: int, noun: str) -> str:
    """``1 game``, ``2 games``, ``0 games``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def ago(seconds: float) -> str:
    """How long ago, in the few words a live page wants."""
    if seconds < 2:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return f"{int(seconds // 3600)} h ago"


def period_name(period: int) -> str:
    """Q1–Q4, then OT, 2OT, 3OT… for overtimes."""
    if period <= REGULATION_PERIODS:
        return f"Q{period}"
    extra = period - REGULATION_PERIODS
    return "OT" if extra == 1 else f"{extra}OT"


def local_time(when: datetime, tz: tzinfo) -> str:
    """A time of day as a viewer reads it, in their time zone: ``7:30 PM EST``."""
    local = when.astimezone(tz)
    return f"{local.strftime('%I:%M %p').lstrip('0')} {local.tzname() or ''}".rstrip()


def local_date(when: datetime, tz: tzinfo) -> str:
    """A day as a viewer reads it, in their time zone: ``2026-11-30``."""
    return when.astimezone(tz).strftime("%Y-%m-%d")


def game_clock(game: Game, now: float, tz: tzinfo = UTC) -> str:
    """Where the game stands: ``Q3 07:12``, ``End of Q1``, ``Halftime``, ``Final/OT``, ``Tip-off in 3 min``.

    A tip-off more than an hour away is a time of day in ``tz``, the viewer's time zone.
    """
    if game.status == "final":
        return "Final" if game.period <= REGULATION_PERIODS else f"Final/{period_name(game.period)}"
    if game.status == "halftime":
        return "Halftime"
    if game.status == "scheduled" or game.period == 0:
        if game.start_time is None:
            return "Scheduled"
        wait = game.start_time.timestamp() - now
        if wait <= 60:
            return "Tip-off soon"
        if wait < 3600:
            return f"Tip-off in {int(wait // 60)} min"
        return f"Tip-off {local_time(game.start_time, tz)}"
    if clock_seconds(game.clock) == 0:
        return f"End of {period_name(game.period)}"
    return f"{period_name(game.period)} {game.clock}"


def is_close_game(game: Game) -> bool:
    """Within five points in the last five minutes of the fourth quarter or any overtime."""
    return (
        game.status == "live"
        and game.period >= REGULATION_PERIODS
        and clock_seconds(game.clock) <= CLOSE_GAME_SECONDS
        and abs(game.score_differential) <= CLOSE_GAME_MARGIN
    )


SortKey = Literal["Biggest lead", "Closest game", "Tip-off time", "Home win probability"]
SORT_KEYS: Final[tuple[SortKey, ...]] = ("Biggest lead", "Closest game", "Tip-off time", "Home win probability")


@dataclass(frozen=True)
class CardData:
    """Everything one game card shows, as plain values."""

    game: Game
    prediction: PredictionRecord | None
    updated_at: float


_STATUS_ORDER: Final = {"live": 0, "halftime": 0, "scheduled": 1, "final": 2}


def sort_cards(cards: Sequence[CardData], key: SortKey) -> list[CardData]:
    """Cards in the chosen order; ties keep a stable order by game id.

    "Biggest lead" (absolute differential, biggest first) is the default: the games most decided first.
    """
    orders: dict[SortKey, Callable[[CardData], tuple[object, ...]]] = {
        "Biggest lead": lambda c: (-abs(c.game.score_differential), c.game.game_id),
        "Closest game": lambda c: (
            _STATUS_ORDER[c.game.status],
            abs(c.game.score_differential),
            c.game.game_id,
        ),
        "Tip-off time": lambda c: (
            c.game.start_time.timestamp() if c.game.start_time is not None else math.inf,
            c.game.game_id,
        ),
        "Home win probability": lambda c: (
            c.prediction is None,
            -(c.prediction.prediction.home_win_probability if c.prediction else 0.0),
            c.game.game_id,
        ),
    }
    return sorted(cards, key=orders[key])


def build_cards(
    games: Mapping[str, GameRecord],
    predictions: Mapping[str, PredictionRecord],
    *,
    now: float,
    team_filter: Sequence[str] = (),
    show_final: bool = True,
) -> list[CardData]:
    """The cards to show: one per game, filtered by team; finished games for 30 minutes, if wanted."""
    wanted = set(team_filter)
    cards = []
    for record in games.values():
        game = record.game
        if wanted and game.home_team not in wanted and game.away_team not in wanted:
            continue
        if game.status == "final" and (not show_final or now - record.updated_at > FINAL_SHOWN_FOR):
            continue
        cards.append(CardData(game, predictions.get(game.game_id), record.updated_at))
    return cards


_MARKDOWN_SPECIAL: Final = frozenset("\\`*_{}[]()<>#+-.!|~$:&")


def escape_markdown(text: str) -> str:
    """Text that Streamlit's markdown (toasts, captions, labels) shows as typed, never as markup or links."""
    return "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text)
