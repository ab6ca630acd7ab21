"""The immutable records the store hands out: games, predictions, history, latency.

Readers get these and nothing mutable: named tuples and frozen dataclasses, and a
:class:`Snapshot` that bundles them at one instant. Pure: no locks, no sockets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from lib.protocol import Game, Prediction, RejectReason, SourceStatus
from lib.store.connection import ConnectionInfo


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
    """One accepted score change, kept in the game's bounded history.

    A score change is a state whose score differs from the state before it, or from 0-0 for
    the first state seen; clock ticks and status changes at an unchanged score are not kept.
    """

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


class PlayRecord(NamedTuple):
    """One accepted play, as the latest message with its ``play_id`` carried it (see :class:`lib.protocol.Play`).

    Attributes:
        received_at: Receive time of that message, epoch seconds.
        ts: The server's send time of it, if given.
        seq: Its sequence number on its connection, if given.
        connection: The number of the connection it came on.
    """

    game_id: str
    play_id: int
    period: int
    clock: str
    team: str | None
    player: str | None
    description: str | None
    kind: str | None
    home_score: int
    away_score: int
    home_win_probability: float
    received_at: float
    ts: float | None
    seq: int | None
    connection: int


class LatencySample(NamedTuple):
    """Latency of one accepted message.

    Attributes:
        received_at: Receive time, epoch seconds.
        e2e_ms: Receive time minus the server's ``ts``; ``None`` when the frame had no ``ts``.
        apply_ms: Parse, validate and store, in milliseconds: the "update" latency the page shows.
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
class PongRecord:
    """The last ``pong``: the echoed ping timestamp (ms) and when it came back."""

    timestamp_ms: float
    received_at: float

    @property
    def rtt_ms(self) -> float:
        """Round trip, for a ping whose timestamp was the epoch time in ms when it was sent."""
        return self.received_at * 1000.0 - self.timestamp_ms


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
