"""The thread-safe store every reader shares: latest state, bounded history, latency, counters.

One writer (the client thread) and many readers (Streamlit sessions, notebooks). One lock
guards everything; it is held only to look up and replace a few references, never while
parsing, logging or calling back. Readers get :class:`Snapshot` objects that are immutable:
the records are frozen, the mappings are read-only copies, so a reader can take its time
without holding anything up.

Pure apart from the lock: no sockets, no Streamlit.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal, NamedTuple

from lib.protocol import (
    Game,
    GameEnd,
    GameStart,
    Message,
    PongMessage,
    Prediction,
    PredictionUpdate,
    Rejection,
    RejectReason,
    ScoreUpdate,
    SourceStatus,
    SourceStatusUpdate,
    parse,
)

DEFAULT_MAX_GAMES: Final = 250
"""Games the store keeps at most; past it, the oldest final game makes room or a new game is refused."""
DEFAULT_HISTORY_PER_GAME: Final = 2000
DEFAULT_LATENCY_SAMPLES: Final = 5000
RATE_WINDOW_SECONDS: Final = 600
_RECENT_EVENTS: Final = 100
_RECENT_REJECTIONS: Final = 50
_TRANSITIONS: Final = 100
_RECENT_PONGS: Final = 20


class ConnectionState(enum.StrEnum):
    """The client's connection lifecycle. The values are the strings the API reports."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    GIVEN_UP = "given_up"


class GameRecord(NamedTuple):
    """The latest accepted state of one game.

    Attributes:
        game: The game as last received.
        updated_at: Receive time (epoch seconds) of the last update that changed the game's
            visible state; a repeat of the same state (as sent on every reconnect) leaves it.
        received_at: Receive time of the last accepted update, changed or not.
        ts: The server's send time of that update, if it gave one.
        seq: Its sequence number on its connection, if given.
        connection: The number of the connection it came on (sequence numbers restart with each).
    """

    game: Game
    updated_at: float
    received_at: float
    ts: float | None
    seq: int | None
    connection: int


class PredictionRecord(NamedTuple):
    """The latest accepted prediction for one game, with when it arrived."""

    prediction: Prediction
    received_at: float
    ts: float | None
    seq: int | None
    connection: int


class SourceRecord(NamedTuple):
    """The latest health report of the server's source (the NBA bridge), with when it arrived.

    Attributes:
        status: The report.
        received_at: Receive time, epoch seconds (this machine's clock).
        ts: The server's send time, if given; with ``received_at`` it turns the report's
            server-clock times into ages without trusting the two clocks to agree.
    """

    status: SourceStatus
    received_at: float
    ts: float | None

    def age(self, at: float, now: float) -> float:
        """Seconds from the server-clock time ``at`` to ``now`` (this machine's clock)."""
        sent = self.ts if self.ts is not None else self.received_at
        return max(0.0, sent - at) + max(0.0, now - self.received_at)


class HistoryPoint(NamedTuple):
    """One accepted score update, kept in the game's bounded history."""

    game_id: str
    received_at: float
    ts: float | None
    type: str
    home_score: int
    away_score: int
    period: int
    clock: str
    status: str


class PredictionPoint(NamedTuple):
    """One accepted prediction, with the game's period, clock, score and status when it arrived."""

    game_id: str
    received_at: float
    ts: float | None
    home_win_probability: float
    period: int
    clock: str
    home_score: int
    away_score: int
    status: str


class LatencySample(NamedTuple):
    """Latency of one accepted message.

    Attributes:
        received_at: Receive time, epoch seconds.
        e2e_ms: Receive time minus the server's ``ts``; ``None`` when the frame had no ``ts``.
        apply_ms: Parse, validate and store, in milliseconds (the seed's ``updateLatency``).
        type: The message type.
    """

    received_at: float
    e2e_ms: float | None
    apply_ms: float
    type: str


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """A game tipping off or going final, for toasts and the event log.

    ``id`` increases by one with each event so a reader can tell which ones it has shown.
    """

    id: int
    at: float
    kind: Literal["game_start", "game_end"]
    game: Game


@dataclass(frozen=True, slots=True)
class RejectionRecord:
    """A rejected frame: when, and why."""

    at: float
    reason: RejectReason
    detail: str


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of connection state, with its reason and the close code that caused it."""

    at: float
    from_state: ConnectionState
    to_state: ConnectionState
    reason: str
    close_code: int | None


@dataclass(frozen=True, slots=True)
class PongRecord:
    """The last ``pong``: the echoed ping timestamp (ms) and when it came back."""

    timestamp_ms: float
    received_at: float

    @property
    def rtt_ms(self) -> float:
        """Round trip, for a ping whose timestamp was the epoch time in ms when it was sent."""
        return self.received_at * 1000.0 - self.timestamp_ms


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """Where the connection stands, as the client last reported it."""

    state: ConnectionState = ConnectionState.CLOSED
    since: float = 0.0
    reason: str = "not started"
    close_code: int | None = None
    last_error: str | None = None
    connected_since: float | None = None
    reconnect_attempts: int = 0
    max_reconnect_attempts: int | None = None
    next_retry_at: float | None = None
    connections: int = 0
    transitions: tuple[Transition, ...] = ()


@dataclass(frozen=True, slots=True)
class Counters:
    """Everything counted since the store was created.

    Attributes:
        received: Data frames received (text or binary; not pings, pongs or close frames).
        accepted: Frames accepted as messages, stale ones included.
        by_type: Accepted messages per type.
        rejected: Rejected frames per reason.
        stale_dropped: Updates older than the stored state, dropped unapplied.
        warnings: Data-quality warnings per kind (accepted, but something was off).
        evicted_games: Final games dropped to make room under the game limit.
        queue_dropped: Outgoing messages dropped: the oldest when the send queue was full, or
            one the server refused as too big.
    """

    received: int = 0
    accepted: int = 0
    by_type: Mapping[str, int] = field(default_factory=dict)
    rejected: Mapping[str, int] = field(default_factory=dict)
    stale_dropped: int = 0
    warnings: Mapping[str, int] = field(default_factory=dict)
    evicted_games: int = 0
    queue_dropped: int = 0

    @property
    def rejected_total(self) -> int:
        """All rejected frames, whatever the reason."""
        return sum(self.rejected.values())


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An immutable view of the store at one instant; what every reader works from.

    Attributes:
        taken_at: When the snapshot was taken (epoch seconds).
        version: Increases with every change to the store; equal versions mean equal contents.
        games: Latest record per game id.
        predictions: Latest prediction record per game id.
        latency: Recent latency samples, oldest first.
        rate: Frames received per whole epoch second over the last minutes, oldest first.
        events: Recent game starts and ends, oldest first.
        rejections: Recent rejections, oldest first.
        counters: Totals.
        connection: The connection state.
        last_update_at: Receive time of the last accepted game or prediction update.
        pongs: The most recent pongs, oldest first (one connection may serve many viewers,
            each waiting for the pong of its own ping).
        source: The latest health report of the server's source, for a source that sends one.
    """

    taken_at: float
    version: int
    games: Mapping[str, GameRecord]
    predictions: Mapping[str, PredictionRecord]
    latency: tuple[LatencySample, ...]
    rate: tuple[tuple[int, int], ...]
    events: tuple[FeedEvent, ...]
    rejections: tuple[RejectionRecord, ...]
    counters: Counters
    connection: ConnectionInfo
    last_update_at: float | None
    pongs: tuple[PongRecord, ...]
    source: SourceRecord | None


IngestStatus = Literal["applied", "stale", "rejected", "pong"]


class IngestResult(NamedTuple):
    """What became of one frame, so the client can call the right callbacks after the lock.

    Attributes:
        status: ``applied``, ``stale`` (well-formed but older than what is stored),
            ``rejected`` or ``pong``.
        message: The parsed message, unless the frame was rejected by the parser.
        rejection: Why it was rejected, when it was.
        event: A game start or end this frame caused, if any.
    """

    status: IngestStatus
    message: Message | None = None
    rejection: Rejection | None = None
    event: FeedEvent | None = None


def _is_stale(old: GameRecord | PredictionRecord, message: Message, connection: int) -> bool:
    # Equal counts as fresh: a server may legitimately send two updates in the same instant.
    if message.ts is not None and old.ts is not None:
        return message.ts < old.ts
    if message.seq is not None and old.seq is not None and connection == old.connection:
        return message.seq < old.seq
    return False


def _changed(old: Game, new: Game) -> bool:
    # What a viewer sees change; the order puts the fields that change most first.
    return (
        old.clock != new.clock
        or old.home_score != new.home_score
        or old.away_score != new.away_score
        or old.period != new.period
        or old.status != new.status
        or old.home_team != new.home_team
        or old.away_team != new.away_team
    )


class Store:
    """Thread-safe home of everything the feed has delivered.

    Args:
        max_games: Games kept at most. When a new game would pass it, the final game updated
            longest ago is evicted; if no game is final, the new game is rejected
            (``too_many_games``).
        history_per_game: Score updates and predictions kept per game (oldest dropped first).
        latency_samples: Size of the latency ring.
    """

    def __init__(
        self,
        *,
        max_games: int = DEFAULT_MAX_GAMES,
        history_per_game: int = DEFAULT_HISTORY_PER_GAME,
        latency_samples: int = DEFAULT_LATENCY_SAMPLES,
    ) -> None:
        if max_games < 1 or history_per_game < 1 or latency_samples < 1:
            raise ValueError("store limits must be at least 1")
        self.max_games = max_games
        self.history_per_game = history_per_game
        self._lock = threading.Lock()
        self._version = 0
        self._games: dict[str, GameRecord] = {}
        self._predictions: dict[str, PredictionRecord] = {}
        self._history: dict[str, deque[HistoryPoint]] = {}
        self._prediction_history: dict[str, deque[PredictionPoint]] = {}
        self._latency: deque[LatencySample] = deque(maxlen=latency_samples)
        self._rate: deque[list[int]] = deque(maxlen=RATE_WINDOW_SECONDS)
        self._events: deque[FeedEvent] = deque(maxlen=_RECENT_EVENTS)
        self._event_id = 0
        self._rejections: deque[RejectionRecord] = deque(maxlen=_RECENT_REJECTIONS)
        self._received = 0
        self._accepted = 0
        self._by_type: Counter[str] = Counter()
        self._rejected: Counter[str] = Counter()
        self._warnings: Counter[str] = Counter()
        self._stale = 0
        self._evicted = 0
        self._queue_dropped = 0
        self._last_update_at: float | None = None
        self._pongs: deque[PongRecord] = deque(maxlen=_RECENT_PONGS)
        self._source: SourceRecord | None = None
        self._connection = ConnectionInfo(since=time.time())

    # -- writing -------------------------------------------------------------------------

    def ingest(
        self, frame: str | bytes, *, received_at: float, binary: bool = False, connection: int = 0
    ) -> IngestResult:
        """Parse one received frame and apply it.

        Args:
            frame: The frame payload (``bytes`` are undecoded UTF-8).
            received_at: When it was received, epoch seconds.
            binary: Whether it was a binary frame (always rejected).
            connection: The number of the connection it arrived on; sequence numbers are
                only compared within one connection.

        Returns:
            What became of the frame. Never raises for anything the frame contains.
        """
        started = time.perf_counter()
        parsed = parse(frame, binary=binary)
        with self._lock:
            self._count_frame(received_at)
            if isinstance(parsed, Rejection):
                result = self._reject(parsed, received_at)
            else:
                result = self._apply(parsed, received_at, connection)
                if result.status in ("applied", "pong"):
                    e2e = None if parsed.ts is None else (received_at - parsed.ts) * 1000.0
                    apply_ms = (time.perf_counter() - started) * 1000.0
                    self._latency.append(LatencySample(received_at, e2e, apply_ms, parsed.type))
            self._version += 1
        return result

    def reject(self, rejection: Rejection, *, received_at: float) -> IngestResult:
        """Count a frame rejected before parsing (one too large to even keep, say)."""
        with self._lock:
            self._count_frame(received_at)
            result = self._reject(rejection, received_at)
            self._version += 1
        return result

    def _apply(self, message: Message, received_at: float, connection: int) -> IngestResult:
        if isinstance(message, PongMessage):
            self._pongs.append(PongRecord(message.data.timestamp, received_at))
            self._accepted += 1
            self._by_type[message.type] += 1
            return IngestResult("pong", message)
        if isinstance(message, PredictionUpdate):
            return self._apply_prediction(message, received_at, connection)
        if isinstance(message, SourceStatusUpdate):
            return self._apply_source(message, received_at)
        return self._apply_game(message, received_at, connection)

    def _apply_source(self, message: SourceStatusUpdate, received_at: float) -> IngestResult:
        self._accepted += 1
        old = self._source
        if old is not None and message.ts is not None and old.ts is not None and message.ts < old.ts:
            self._stale += 1
            return IngestResult("stale", message)
        self._by_type[message.type] += 1
        self._source = SourceRecord(message.data, received_at, message.ts)
        return IngestResult("applied", message)

    def _count_frame(self, received_at: float) -> None:
        self._received += 1
        second = int(received_at)
        if self._rate and self._rate[-1][0] == second:
            self._rate[-1][1] += 1
        else:
            self._rate.append([second, 1])

    def _reject(self, rejection: Rejection, at: float) -> IngestResult:
        self._rejected[rejection.reason] += 1
        self._rejections.append(RejectionRecord(at, rejection.reason, rejection.detail))
        return IngestResult("rejected", rejection=rejection)

    def _apply_game(
        self, message: ScoreUpdate | GameStart | GameEnd, received_at: float, connection: int
    ) -> IngestResult:
        game = message.data
        old = self._games.get(game.game_id)
        if old is not None and _is_stale(old, message, connection):
            self._accepted += 1
            self._stale += 1
            return IngestResult("stale", message)
        if old is None or game.home_score < old.game.home_score or game.away_score < old.game.away_score:
            rejection = self._check_game(old, game)
            if rejection is not None:
                return self._reject(rejection, received_at)
        self._accepted += 1
        self._by_type[message.type] += 1
        if game.differential is not None and game.differential != game.home_score - game.away_score:
            self._warnings["differential_mismatch"] += 1
        changed = old is None or _changed(old.game, game)
        updated_at = received_at if changed or old is None else old.updated_at
        game_id = game.game_id
        self._games[game_id] = GameRecord(game, updated_at, received_at, message.ts, message.seq, connection)
        history = self._history.get(game_id)
        if history is None:
            history = self._history[game_id] = deque(maxlen=self.history_per_game)
        if changed:
            history.append(
                HistoryPoint(
                    game_id,
                    received_at,
                    message.ts,
                    message.type,
                    game.home_score,
                    game.away_score,
                    game.period,
                    game.clock,
                    game.status,
                )
            )
        self._last_update_at = received_at
        # Most updates leave the status as it was, and only a status change can be an event.
        event = (
            None if old is not None and old.game.status == game.status else self._event_for(old, message, received_at)
        )
        return IngestResult("applied", message, None, event)

    def _check_game(self, old: GameRecord | None, game: Game) -> Rejection | None:
        """Why a new or lower-scoring game update cannot be applied, if it cannot."""
        if old is not None:
            went_down = game.home_score < old.game.home_score or game.away_score < old.game.away_score
            if went_down and getattr(game, "correction", None) is not True:
                return Rejection(
                    RejectReason.SCORE_DECREASED,
                    f"{old.game.home_score}-{old.game.away_score} -> {game.home_score}-{game.away_score} "
                    'without "correction": true',
                )
            return None
        if len(self._games) >= self.max_games and not self._evict_one():
            return Rejection(RejectReason.TOO_MANY_GAMES, f"the store holds {self.max_games} games, none final")
        return None

    def _event_for(
        self, old: GameRecord | None, message: ScoreUpdate | GameStart | GameEnd, at: float
    ) -> FeedEvent | None:
        # Events follow state transitions, not message types: the snapshot a server sends on
        # every reconnect repeats game_end for finished games, and that is not news.
        kind: Literal["game_start", "game_end"]
        status = message.data.status
        if (
            status in ("live", "halftime")
            and (old is None or old.game.status == "scheduled")
            and (isinstance(message, GameStart) or old is not None)
        ):
            kind = "game_start"
        elif status == "final" and old is not None and old.game.status != "final":
            kind = "game_end"
        else:
            return None
        self._event_id += 1
        event = FeedEvent(self._event_id, at, kind, message.data)
        self._events.append(event)
        return event

    def _evict_one(self) -> bool:
        finals = [r for r in self._games.values() if r.game.status == "final"]
        if not finals:
            return False
        victim = min(finals, key=lambda r: r.updated_at).game.game_id
        for table in (self._games, self._predictions, self._history, self._prediction_history):
            table.pop(victim, None)
        self._evicted += 1
        return True

    def _apply_prediction(self, message: PredictionUpdate, received_at: float, connection: int) -> IngestResult:
        prediction = message.data
        game = self._games.get(prediction.game_id)
        if game is None:
            # Keeping predictions only for known games keeps memory bounded by the game limit.
            return self._reject(
                Rejection(RejectReason.UNKNOWN_GAME, "a prediction for a game not yet received"), received_at
            )
        self._accepted += 1
        old = self._predictions.get(prediction.game_id)
        if old is not None and _is_stale(old, message, connection):
            self._stale += 1
            return IngestResult("stale", message)
        self._by_type[message.type] += 1
        self._predictions[prediction.game_id] = PredictionRecord(
            prediction, received_at, message.ts, message.seq, connection
        )
        history = self._prediction_history.get(prediction.game_id)
        if history is None:
            history = self._prediction_history[prediction.game_id] = deque(maxlen=self.history_per_game)
        state = game.game
        history.append(
            PredictionPoint(
                prediction.game_id,
                received_at,
                message.ts,
                prediction.home_win_probability,
                state.period,
                state.clock,
                state.home_score,
                state.away_score,
                state.status,
            )
        )
        self._last_update_at = received_at
        return IngestResult("applied", message)

    def set_connection(
        self,
        state: ConnectionState,
        *,
        reason: str,
        at: float | None = None,
        close_code: int | None = None,
        error: str | None = None,
        reconnect_attempts: int = 0,
        max_reconnect_attempts: int | None = None,
        next_retry_at: float | None = None,
    ) -> None:
        """Record the client's connection state (a change, or a refresh of the same state).

        Args:
            state: The state now.
            reason: Why, in words; shown to users and kept in the transition log.
            at: When, epoch seconds; now by default.
            close_code: The WebSocket close code behind this state, if any.
            error: The error behind it, if any; it stays as ``last_error`` until the next one.
            reconnect_attempts: Failed connection attempts in a row so far.
            max_reconnect_attempts: The give-up limit in force (``None`` = never).
            next_retry_at: When the next attempt is due, while waiting to reconnect.
        """
        now = time.time() if at is None else at
        with self._lock:
            old = self._connection
            changed = old.state != state
            transitions = old.transitions
            if changed:
                transitions = (*transitions, Transition(now, old.state, state, reason, close_code))[-_TRANSITIONS:]
            connected = state is ConnectionState.CONNECTED
            self._connection = ConnectionInfo(
                state=state,
                since=now if changed else old.since,
                reason=reason,
                close_code=close_code,
                last_error=old.last_error if error is None else error,
                connected_since=(now if changed else old.connected_since) if connected else None,
                reconnect_attempts=reconnect_attempts,
                max_reconnect_attempts=max_reconnect_attempts,
                next_retry_at=next_retry_at,
                connections=old.connections + (1 if connected and changed else 0),
                transitions=transitions,
            )
            self._version += 1

    def count_queue_drop(self) -> None:
        """Count one outgoing message dropped: the send queue was full, or the server refused it."""
        with self._lock:
            self._queue_dropped += 1
            self._version += 1

    # -- reading -------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """An immutable copy of the current state; cheap enough to take on every render."""
        with self._lock:
            games = dict(self._games)
            predictions = dict(self._predictions)
            latency = tuple(self._latency)
            rate = tuple((s, n) for s, n in self._rate)
            events = tuple(self._events)
            rejections = tuple(self._rejections)
            counters = Counters(
                received=self._received,
                accepted=self._accepted,
                by_type=dict(self._by_type),
                rejected=dict(self._rejected),
                stale_dropped=self._stale,
                warnings=dict(self._warnings),
                evicted_games=self._evicted,
                queue_dropped=self._queue_dropped,
            )
            version, connection = self._version, self._connection
            last_update_at, pongs, source = self._last_update_at, tuple(self._pongs), self._source
        return Snapshot(
            taken_at=time.time(),
            version=version,
            games=MappingProxyType(games),
            predictions=MappingProxyType(predictions),
            latency=latency,
            rate=rate,
            events=events,
            rejections=rejections,
            counters=counters,
            connection=connection,
            last_update_at=last_update_at,
            pongs=pongs,
            source=source,
        )

    def history(self, game_id: str | None = None) -> tuple[HistoryPoint, ...]:
        """Accepted score updates, for one game or all, in the order they were received."""
        with self._lock:
            if game_id is not None:
                return tuple(self._history.get(game_id, ()))
            points = [p for h in self._history.values() for p in h]
        points.sort(key=lambda p: p.received_at)
        return tuple(points)

    def game_histories(self) -> dict[str, tuple[tuple[HistoryPoint, ...], tuple[PredictionPoint, ...]]]:
        """Every game's score history and prediction history, copied under one lock."""
        with self._lock:
            return {
                game_id: (tuple(self._history.get(game_id, ())), tuple(self._prediction_history.get(game_id, ())))
                for game_id in self._games
            }

    def prediction_history(self, game_id: str | None = None) -> tuple[PredictionPoint, ...]:
        """Accepted predictions, for one game or all, in the order they were received."""
        with self._lock:
            if game_id is not None:
                return tuple(self._prediction_history.get(game_id, ()))
            points = [p for h in self._prediction_history.values() for p in h]
        points.sort(key=lambda p: p.received_at)
        return tuple(points)
