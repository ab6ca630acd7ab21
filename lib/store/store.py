"""The thread-safe store every reader shares: the latest state, bounded history, latency, counters.

One writer (the client thread) and many readers (Streamlit sessions, notebooks). One lock
guards everything; it is held only to look up and replace a few references, never while
parsing, logging or calling back. What the frames mean is decided by :mod:`lib.store.rules`;
readers get immutable :class:`~lib.store.records.Snapshot` objects.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from types import MappingProxyType
from typing import Final, Literal, NamedTuple, TypeVar

from lib.protocol import (
    GameEnd,
    GameStart,
    Message,
    PlayUpdate,
    PongMessage,
    PredictionUpdate,
    Rejection,
    RejectReason,
    ScoreUpdate,
    SourceStatusUpdate,
    parse,
)
from lib.store import rules
from lib.store.connection import CloseCause, ConnectionInfo, ConnectionState, next_connection
from lib.store.plays import DEFAULT_PLAYS_PER_GAME, GamePlays
from lib.store.records import (
    Counters,
    FeedEvent,
    GameRecord,
    HistoryPoint,
    LatencySample,
    PlayRecord,
    PongRecord,
    PredictionPoint,
    PredictionRecord,
    RejectionRecord,
    Snapshot,
    SourceRecord,
)

DEFAULT_MAX_GAMES: Final = 250
"""Games the store keeps at most; past it, the oldest final game makes room or a new game is refused."""
DEFAULT_HISTORY_PER_GAME: Final = 2000
DEFAULT_LATENCY_SAMPLES: Final = 5000
RATE_WINDOW_SECONDS: Final = 600
_RECENT_EVENTS: Final = 100
_RECENT_REJECTIONS: Final = 50
_RECENT_PONGS: Final = 20
HANDSHAKE_SLACK_S: Final = 1.0
"""How long before the client saw its connection open the server may have accepted it and stamped
the first frames sent on it: frames stamped earlier than that are history, not this delivery."""


_GAME_MESSAGES: Final = (ScoreUpdate, GameStart, GameEnd)
_new = tuple.__new__
"""Builds the records of every frame: a named tuple's own constructor is a Python function, and
four such calls were a fifth of the store's work on a frame."""

_Point = TypeVar("_Point", HistoryPoint, PredictionPoint)

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


class Store:
    """Thread-safe home of everything the feed has delivered.

    Args:
        max_games: Games kept at most. When a new game would pass it, the final game updated
            longest ago is evicted; if no game is final, the new game is rejected
            (``too_many_games``).
        history_per_game: Score changes and predictions kept per game (oldest dropped first).
        plays_per_game: Plays kept per game; past it the earliest in game order is dropped
            (counted as the warning ``plays_dropped``).
        latency_samples: Size of the latency ring.
    """

    def __init__(
        self,
        *,
        max_games: int = DEFAULT_MAX_GAMES,
        history_per_game: int = DEFAULT_HISTORY_PER_GAME,
        plays_per_game: int = DEFAULT_PLAYS_PER_GAME,
        latency_samples: int = DEFAULT_LATENCY_SAMPLES,
    ) -> None:
        if max_games < 1 or history_per_game < 1 or plays_per_game < 1 or latency_samples < 1:
            raise ValueError("store limits must be at least 1")
        self.max_games = max_games
        self.history_per_game = history_per_game
        self.plays_per_game = plays_per_game
        self._lock = threading.Lock()
        self._version = 0
        self._games: dict[str, GameRecord] = {}
        self._predictions: dict[str, PredictionRecord] = {}
        self._history: dict[str, deque[HistoryPoint]] = {}
        self._prediction_history: dict[str, deque[PredictionPoint]] = {}
        self._plays: dict[str, GamePlays] = {}
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
                kind = parsed.type
                if isinstance(parsed, PredictionUpdate):
                    result = self._apply_prediction(parsed, received_at, connection)
                elif isinstance(parsed, _GAME_MESSAGES):
                    result = self._apply_game(parsed, received_at, connection)
                elif isinstance(parsed, PlayUpdate):
                    result = self._apply_play(parsed, received_at, connection)
                else:
                    result = self._apply(parsed, received_at)
                if result.status in ("applied", "pong"):
                    ts = parsed.ts
                    opened = self._connection.connected_since
                    # A frame stamped before this connection opened is history the server sends on
                    # connect (a replay's held frames): its age is not this delivery's latency.
                    e2e = None
                    if ts is not None and (opened is None or ts >= opened - HANDSHAKE_SLACK_S):
                        e2e = (received_at - ts) * 1000.0
                    sample = (received_at, e2e, (time.perf_counter() - started) * 1000.0, kind)
                    self._latency.append(_new(LatencySample, sample))
            self._version += 1
        return result

    def reject(self, rejection: Rejection, *, received_at: float) -> IngestResult:
        """Count a frame rejected before parsing (one too large to even keep, say)."""
        with self._lock:
            self._count_frame(received_at)
            result = self._reject(rejection, received_at)
            self._version += 1
        return result

    def _apply(self, message: PongMessage | SourceStatusUpdate, received_at: float) -> IngestResult:
        """Apply a message that is neither a game message nor a prediction."""
        if isinstance(message, PongMessage):
            self._pongs.append(PongRecord(message.data.timestamp, received_at))
            self._accepted += 1
            self._by_type[message.type] += 1
            return IngestResult("pong", message)
        return self._apply_source(message, received_at)

    def _apply_source(self, message: SourceStatusUpdate, received_at: float) -> IngestResult:
        self._accepted += 1
        old = self._source
        if old is not None and rules.is_stale(old.ts, None, 0, message, 0):
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
        if old is not None and rules.is_stale(old.ts, old.seq, old.connection, message, connection):
            self._accepted += 1
            self._stale += 1
            return IngestResult("stale", message)
        rejection = self._make_room() if old is None else rules.score_decrease(old.game, game)
        if rejection is not None:
            return self._reject(rejection, received_at)
        self._accepted += 1
        kind, ts = message.type, message.ts
        self._by_type[kind] += 1
        home_score, away_score, status = game.home_score, game.away_score, game.status
        if game.differential is not None and game.differential != home_score - away_score:
            self._warnings["differential_mismatch"] += 1
        changed = old is None or rules.changed(old.game, game)
        updated_at = received_at if changed or old is None else old.updated_at
        game_id = game.game_id
        self._games[game_id] = _new(GameRecord, (game, updated_at, received_at, ts, message.seq, connection))
        history = self._history.get(game_id)
        if history is None:
            history = self._history[game_id] = deque(maxlen=self.history_per_game)
        if rules.score_changed(None if old is None else old.game, game):
            point = (game_id, received_at, ts, kind, home_score, away_score, game.period, game.clock, status)
            history.append(_new(HistoryPoint, point))
        self._last_update_at = received_at
        # Most updates leave the status as it was, and only a status change can be an event.
        event = None if old is not None and old.game.status == status else self._event_for(old, message, received_at)
        return _new(IngestResult, ("applied", message, None, event))

    def _make_room(self) -> Rejection | None:
        """Room for a new game: evict the final game updated longest ago when full, or say why not."""
        if len(self._games) < self.max_games:
            return None
        victim = rules.eviction_victim(self._games)
        if victim is None:
            return Rejection(RejectReason.TOO_MANY_GAMES, f"the store holds {self.max_games} games, none final")
        for table in (self._games, self._predictions, self._history, self._prediction_history, self._plays):
            table.pop(victim, None)
        self._evicted += 1
        return None

    def _event_for(
        self, old: GameRecord | None, message: ScoreUpdate | GameStart | GameEnd, at: float
    ) -> FeedEvent | None:
        kind = rules.event_kind(None if old is None else old.game, message)
        if kind is None:
            return None
        self._event_id += 1
        event = FeedEvent(self._event_id, at, kind, message.data)
        self._events.append(event)
        return event

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
        if old is not None and rules.is_stale(old.ts, old.seq, old.connection, message, connection):
            self._stale += 1
            return IngestResult("stale", message)
        self._by_type["prediction"] += 1
        game_id, ts = prediction.game_id, message.ts
        self._predictions[game_id] = _new(PredictionRecord, (prediction, received_at, ts, message.seq, connection))
        history = self._prediction_history.get(game_id)
        if history is None:
            history = self._prediction_history[game_id] = deque(maxlen=self.history_per_game)
        state = game.game
        point = (
            game_id,
            received_at,
            ts,
            prediction.home_win_probability,
            state.period,
            state.clock,
            state.home_score,
            state.away_score,
            state.status,
        )
        history.append(_new(PredictionPoint, point))
        self._last_update_at = received_at
        return _new(IngestResult, ("applied", message, None, None))

    def _apply_play(self, message: PlayUpdate, received_at: float, connection: int) -> IngestResult:
        play = message.data
        game_id = play.game_id
        if game_id not in self._games:
            # As for predictions: plays only of known games keep memory bounded by the game limit.
            return self._reject(Rejection(RejectReason.UNKNOWN_GAME, "a play of a game not yet received"), received_at)
        self._accepted += 1
        plays = self._plays.get(game_id)
        if plays is None:
            plays = self._plays[game_id] = GamePlays(self.plays_per_game)
        old = plays.get(play.play_id)
        if old is not None and rules.is_stale(old.ts, old.seq, old.connection, message, connection):
            self._stale += 1
            return IngestResult("stale", message)
        self._by_type["play"] += 1
        record = (
            game_id,
            play.play_id,
            play.period,
            play.clock,
            play.team,
            play.player,
            play.description,
            play.kind,
            play.home_score,
            play.away_score,
            play.home_win_probability,
            received_at,
            message.ts,
            message.seq,
            connection,
        )
        if not plays.put(_new(PlayRecord, record)):
            self._warnings["plays_dropped"] += 1
        self._last_update_at = received_at
        return _new(IngestResult, ("applied", message, None, None))

    def set_connection(
        self,
        state: ConnectionState,
        *,
        reason: str,
        at: float | None = None,
        cause: CloseCause | None = None,
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
            cause: Why there is no connection, for code to tell apart; ``None`` while connecting
                or connected.
            at: When, epoch seconds; now by default.
            close_code: The WebSocket close code behind this state, if any.
            error: The error behind it, if any; it stays as ``last_error`` until the next one.
            reconnect_attempts: Failed connection attempts in a row so far.
            max_reconnect_attempts: The give-up limit in force (``None`` = never).
            next_retry_at: When the next attempt is due, while waiting to reconnect.
        """
        now = time.time() if at is None else at
        with self._lock:
            self._connection = next_connection(
                self._connection,
                state,
                reason=reason,
                at=now,
                cause=cause,
                close_code=close_code,
                error=error,
                reconnect_attempts=reconnect_attempts,
                max_reconnect_attempts=max_reconnect_attempts,
                next_retry_at=next_retry_at,
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
        """Accepted score changes, for one game or all, in the order they were received."""
        return self._points(self._history, game_id)

    def game_histories(self) -> dict[str, tuple[tuple[HistoryPoint, ...], tuple[PredictionPoint, ...]]]:
        """Every game's score changes and predictions, copied under one lock."""
        with self._lock:
            return {
                game_id: (tuple(self._history.get(game_id, ())), tuple(self._prediction_history.get(game_id, ())))
                for game_id in self._games
            }

    def plays(self, game_id: str) -> tuple[PlayRecord, ...]:
        """One game's accepted plays, in game order (see :mod:`lib.store.plays`)."""
        with self._lock:
            plays = self._plays.get(game_id)
            return () if plays is None else plays.plays()

    def game_plays(self) -> dict[str, tuple[PlayRecord, ...]]:
        """Every game's plays in game order, copied under one lock (a game without plays has none here)."""
        with self._lock:
            return {game_id: plays.plays() for game_id, plays in self._plays.items()}

    def prediction_history(self, game_id: str | None = None) -> tuple[PredictionPoint, ...]:
        """Accepted predictions, for one game or all, in the order they were received."""
        return self._points(self._prediction_history, game_id)

    def _points(self, histories: dict[str, deque[_Point]], game_id: str | None) -> tuple[_Point, ...]:
        with self._lock:
            if game_id is not None:
                return tuple(histories.get(game_id, ()))
            points = [point for history in histories.values() for point in history]
        points.sort(key=lambda point: point.received_at)
        return tuple(points)
