"""The dashboard's wording of numbers, states and times. Pure: no Streamlit, testable on its own."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Final, Literal
from urllib.parse import urlsplit

from lib.feed.sources.nba import NbaOptions
from lib.protocol import REGULATION_PERIODS, REPLAY_SOURCES, Game, clock_seconds
from lib.status import FeedStatus
from lib.store import CloseCause, ConnectionInfo, ConnectionState, GameRecord, PredictionRecord, SourceRecord

FINAL_SHOWN_FOR: Final = 30 * 60
"""Seconds a finished game stays on the board after its last update, so old slates clear away."""
CLOSE_GAME_MARGIN: Final = 5
CLOSE_GAME_SECONDS: Final = 5 * 60

Tone = Literal["green", "orange", "red", "grey"]


@dataclass(frozen=True)
class Connection:
    """Where the page's data stands, said once for the header and the board: a coloured dot and words.

    The words cover the connection to the feed and, while connected, the source the feed serves
    from: a page connected to a feed whose NBA data is unreachable is not "Live".
    """

    tone: Tone
    words: str
    can_reconnect: bool
    detail: str | None = None
    """Why it is not live: the last connection error or the source's fault, when there is one."""
    problem: str | None = None
    """What is wrong and since when, in a sentence for the board; ``None`` while all is well."""
    upstream: str | None = None
    """The source's health while it is well (``NBA live · updated 3 s ago``); ``None`` without a report."""


def connection_indicator(
    status: FeedStatus, now: float, source: SourceRecord | None = None, tz: tzinfo = UTC
) -> Connection:
    """How the header and the board describe where the data stands.

    Args:
        status: The feed's status.
        now: Epoch seconds.
        source: The feed's last report on its source, if it sends any; it counts only while
            connected (a report from before a disconnection is stale).
        tz: The viewer's time zone, for the time a problem began.
    """
    state = status.state
    if state is ConnectionState.CONNECTED:
        return _connected(source, now, tz)
    if state is ConnectionState.CONNECTING:
        return Connection("orange", "Connecting…", False, problem="Connecting to live data…  \nPlease wait…")
    detail = status.last_error
    lost = f"No connection to the feed since {_moment(_down_since(status.connection), now, tz)}"
    lost += f": {detail}." if detail else "."
    if state is ConnectionState.RECONNECTING:
        limit = status.max_reconnect_attempts
        attempt = status.reconnect_attempts + 1
        of = f"attempt {attempt} of {limit}" if limit is not None else f"attempt {attempt}"
        if status.next_retry_at is not None:
            words = f"Reconnecting in {max(0, round(status.next_retry_at - now))} s ({of})"
        else:
            words = f"Reconnecting… ({of})"
        return Connection("orange", words, True, detail, f"{lost} {words}.")
    if state is ConnectionState.GIVEN_UP:
        words = f"Gave up after {plural(status.reconnect_attempts, 'attempt')}"
        return Connection("red", words, True, detail, f"{lost} {words}: press Reconnect to try again.")
    if status.connection.cause is CloseCause.SERVER_CLOSED:
        closed = f"The feed server closed the connection at {_moment(status.connection.since, now, tz)}."
        again = f"{closed} Press Reconnect to connect again."
        return Connection("red", "Disconnected (server closed)", True, problem=again)
    return Connection("grey", "Disconnected", True, detail, f"{lost} Press Reconnect to connect again.")


def _connected(source: SourceRecord | None, now: float, tz: tzinfo) -> Connection:
    health = source_health(source, now)
    if source is None or health is None:
        return Connection("green", "Live", False)
    if health.tone == "green":
        words = "Replay" if is_replay(source.status.source) else "Live"
        return Connection("green", words, False, upstream=health.words)
    if health.tone == "orange":
        return Connection("orange", health.words, False, problem=f"Connected to the feed; {health.words}…")
    since = "" if health.since is None else f" since {_moment(health.since, now, tz)}"
    label = source_label(source.status.source)
    return Connection("red", health.words, False, health.detail, f"{label} unreachable{since}: {health.detail}.")


def _down_since(connection: ConnectionInfo) -> float:
    """When the feed was last connected; never connected: when the client first tried (the oldest transition kept)."""
    left = [t.at for t in connection.transitions if t.from_state is ConnectionState.CONNECTED]
    if left:
        return left[-1]
    return connection.transitions[0].at if connection.transitions else connection.since


def _moment(at: float, now: float, tz: tzinfo) -> str:
    """``2:10 AM EST (40 s ago)``."""
    return f"{local_time(datetime.fromtimestamp(at, UTC), tz)} ({ago(now - at)})"


SOURCE_LABELS: Final = {
    "nba": "NBA live",
    "nba-replay": "NBA replay",
    "replay": "Recording replay",
    "games-csv": "Real games replay",
}
"""How the page names a source that reports its health; any other source goes by its own name."""


def source_label(name: str) -> str:
    """The page's name for a source: ``NBA live``, ``NBA replay``, or the source's own name."""
    return SOURCE_LABELS.get(name, name)


def is_replay(name: str) -> bool:
    """Whether a source plays finished games again (``nba-replay``, a recording): the page never calls it live."""
    return name in REPLAY_SOURCES


@dataclass(frozen=True)
class SourceHealth:
    """The feed's source (the NBA's live data, a replay) in words."""

    tone: Tone
    words: str
    detail: str | None = None
    """The fault, while failing (``HTTP 403``)."""
    since: float | None = None
    """When it began failing, epoch seconds on this machine's clock."""


def source_health(record: SourceRecord | None, now: float) -> SourceHealth | None:
    """ "NBA live · updated 3 s ago", or "NBA live unreachable for 40 s" (``HTTP 403``); ``None`` without a report."""
    if record is None:
        return None
    status = record.status
    label = source_label(status.source)
    if status.state == "failing" and status.failing_since is not None:
        down = record.age(status.failing_since, now)
        return SourceHealth("red", f"{label} unreachable for {span(down)}", status.error or "no answer", now - down)
    if status.last_success is None:
        if is_replay(status.source):  # nothing upstream to poll: its games come as they are played again
            return SourceHealth("green", label)
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


def win_chance(probability: float, *, final: bool) -> str:
    """A win probability as the page shows it, ``64 %``; before the final ``>99 %`` and ``<1 %``, never 100 or 0.

    Args:
        probability: From 0 to 1.
        final: Whether the game is over: only then is a result certain.
    """
    shown = round(100.0 * probability)
    if not final and shown >= 100:
        return ">99 %"
    if not final and shown <= 0:
        return "<1 %"
    return f"{shown} %"


def predicted_final(away: float, home: float) -> tuple[int, int]:
    """A predicted final score in whole points, ``(away, home)``: each within a point of the model's, the team it
    expects ahead shown ahead.

    Rounded alone, an expected 109.7 to 110.2 reads as a tie ("110–110") beside a chance that
    favours one team; it shows as 109–110 instead: the leader goes up a point or the trailer down
    one, whichever is nearer the model's. A margin expected to be exactly 0 stays a tie.
    """
    shown_away, shown_home = round(away), round(home)
    if shown_away != shown_home or away == home:
        return shown_away, shown_home
    tie, ahead, behind = shown_home, max(away, home), min(away, home)
    # The leader up to the next point or the trailer down to the one below, whichever is nearer:
    # the nearer is always within a point, as both were within half a point of the tie.
    if tie == 0 or tie + 1 - ahead <= behind - (tie - 1):
        lead_shown, trail_shown = tie + 1, tie
    else:
        lead_shown, trail_shown = tie, tie - 1
    return (trail_shown, lead_shown) if home > away else (lead_shown, trail_shown)


PRIORS: Final = {
    "+spread": "Betting line",
    "+odds": "Betting line",
    "+form": "Team form",
    "+record": "Records",
    "+home-edge": "Home edge",
}
"""What a prediction knew of the teams before tip-off, by its model name's suffix (``lib.model.prior_name``;
``+odds`` is an older bridge's name for the line)."""


def model_and_prior(model: str) -> tuple[str, str | None]:
    """A prediction's model name split for a table: ``form-1996-2024+record`` → ``("form-1996-2024", "Records")``.

    A suffix the page does not know is shown as it is; a name without one has no prior to show.
    """
    base, plus, prior = model.partition("+")
    if not plus:
        return model, None
    return base, PRIORS.get(f"+{prior}", prior)


@dataclass(frozen=True)
class Notice:
    """What the board says over its cards (or instead of them): the header's state in a sentence."""

    kind: Literal["info", "warning", "error"]
    text: str


_NOTICE_KINDS: Final[dict[Tone, Literal["info", "warning", "error"]]] = {
    "green": "info",
    "orange": "warning",
    "grey": "warning",
    "red": "error",
}


def board_notice(connection: Connection, games: bool) -> Notice | None:
    """The board's notice: what is wrong and since when, as the header has it; ``None`` while all is well with games on.

    Args:
        connection: The page's state, as the header shows it.
        games: Whether the board has games: they stay, marked as their last known state.
    """
    if connection.problem is None:
        return (
            None if games else Notice("info", "No live games at the moment  \nGames will appear here when they start")
        )
    kind = _NOTICE_KINDS[connection.tone] if connection.detail or connection.tone != "orange" else "info"
    if games:
        return Notice(kind, f"{connection.problem}  \nThe games below show their last known state.")
    return Notice(kind, connection.problem)


def apply_time(latency_ms: float | None) -> str:
    """How long the last update took to apply (parse, validate, store): ``7 µs``, ``3.5 ms``, ``–`` for none."""
    if latency_ms is None:
        return "–"
    if latency_ms < 1:
        return f"{latency_ms * 1000:.0f} µs"
    return f"{latency_ms:.1f} ms"


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


def known_from(period: int | None, clock: str | None) -> str:
    """From when a game's figures are known: ``tip-off``, or where a partial game was first seen (``Q2 05:12``)."""
    if period is None or clock is None:
        return "tip-off"
    if clock_seconds(clock) == 0:
        return f"end of {period_name(period)}"
    return f"{period_name(period)} {clock}"


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


def status_rank(status: str) -> int:
    """Games in progress first, then those to come, finals last, whatever else orders them."""
    return _STATUS_ORDER.get(status, 1)


def sort_cards(cards: Sequence[CardData], key: SortKey) -> list[CardData]:
    """Cards in progress first, scheduled next, finals last; within each, in the chosen order, ties by game id.

    "Biggest lead" (absolute differential, biggest first) is the default: the games most decided first.
    """
    orders: dict[SortKey, Callable[[CardData], tuple[object, ...]]] = {
        "Biggest lead": lambda c: (-abs(c.game.score_differential),),
        "Closest game": lambda c: (abs(c.game.score_differential),),
        "Tip-off time": lambda c: (c.game.start_time.timestamp() if c.game.start_time is not None else math.inf,),
        "Home win probability": lambda c: (
            c.prediction is None,
            -(c.prediction.prediction.home_win_probability if c.prediction else 0.0),
        ),
    }
    order = orders[key]
    return sorted(cards, key=lambda c: (status_rank(c.game.status), *order(c), c.game.game_id))


def build_cards(
    games: Mapping[str, GameRecord],
    predictions: Mapping[str, PredictionRecord],
    *,
    now: float,
    team_filter: Sequence[str] = (),
    show_final: bool = True,
) -> list[CardData]:
    """The cards to show: one per game, filtered by team; finished games for 30 minutes, if wanted.

    A finished game also leaves as soon as one of its teams has a newer game on the board: a team
    is on the board once, in its latest game (a new slate's, or tomorrow's).
    """
    wanted = set(team_filter)
    newest = _newest_games(games.values())
    cards = []
    for record in games.values():
        game = record.game
        if wanted and game.home_team not in wanted and game.away_team not in wanted:
            continue
        if game.status == "final" and (
            not show_final
            or now - record.updated_at > FINAL_SHOWN_FOR
            or record is not newest[game.home_team]
            or record is not newest[game.away_team]
        ):
            continue
        cards.append(CardData(game, predictions.get(game.game_id), record.updated_at))
    return cards


def _newest_games(records: Iterable[GameRecord]) -> dict[str, GameRecord]:
    """Each team's latest game: one in progress or to come before any final, else the final updated last."""
    newest: dict[str, GameRecord] = {}
    for record in records:
        rank = (record.game.status != "final", record.updated_at)
        for team in (record.game.home_team, record.game.away_team):
            kept = newest.get(team)
            if kept is None or rank > (kept.game.status != "final", kept.updated_at):
                newest[team] = record
    return newest


_MARKDOWN_SPECIAL: Final = frozenset("\\`*_{}[]()<>#+-.!|~$:&")


def escape_markdown(text: str) -> str:
    """Text that Streamlit's markdown (toasts, captions, labels) shows as typed, never as markup or links."""
    return "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text)
