"""Accepted messages, in the order they were accepted, as the rows the archive stores.

A game message becomes a :class:`StateRow`; a prediction becomes a :class:`PredictionRow` filed
under the game's state when it arrived, which the builder remembers from the game messages
before it (as the store does). Each row carries its natural key, so the same state or the same
prediction seen again (a reconnect's snapshot, a replayed recording, a second import) is the
same row to the database, and the receive time of its first sighting is the one kept.

Pure: no files, no clocks, no threads.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from lib.protocol import (
    Game,
    GameEnd,
    GameStart,
    Message,
    PredictionUpdate,
    ScoreUpdate,
    clock_seconds,
    elapsed_seconds,
)
from lib.urls import redact_url

MAX_SOURCE_LENGTH: Final = 200
REMEMBERED_GAMES: Final = 1000
"""Games whose latest state the builder keeps, most recently updated first: four full stores' worth."""


class StateRow(NamedTuple):
    """One accepted state of a game; the key is ``(game_id, home_score, away_score, period, clock, status)``.

    Times are epoch seconds; ``arrival`` orders every row of an archive as it was received.
    """

    game_id: str
    home_score: int
    away_score: int
    period: int
    clock: str
    status: str
    home_team: str
    away_team: str
    start_time: float | None
    type: str
    game_seconds: float
    received_at: float
    ts: float | None
    source: str
    arrival: int


class PredictionRow(NamedTuple):
    """One accepted prediction with the state it was made at; the key is that state, the probability and the model.

    ``model`` is ``""`` when the feed named none: a key column cannot be NULL.
    """

    game_id: str
    home_score: int
    away_score: int
    period: int
    clock: str
    status: str
    home_win_probability: float
    model: str
    predicted_home_score: float | None
    predicted_away_score: float | None
    game_seconds: float
    received_at: float
    ts: float | None
    source: str
    arrival: int


@dataclass
class Batch:
    """Rows on their way into the archive, in arrival order."""

    states: list[StateRow] = field(default_factory=list)
    predictions: list[PredictionRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.states) + len(self.predictions)

    def extend(self, other: Batch) -> None:
        """Append ``other``'s rows after these."""
        self.states += other.states
        self.predictions += other.predictions


def source_label(source: str) -> str:
    """What the archive records as a row's source: a short name, or a feed URL without its credentials.

    Args:
        source: ``demo``, ``nba``, ``import:night.jsonl``, or the feed's URL.

    Returns:
        The label; a ``ws://`` or ``wss://`` URL loses its ``user:password@`` and its query values.

    Raises:
        ValueError: If the label is empty or longer than :data:`MAX_SOURCE_LENGTH` characters.
    """
    label = redact_url(source) if source.startswith(("ws://", "wss://")) else source.strip()
    if not 1 <= len(label) <= MAX_SOURCE_LENGTH:
        raise ValueError(f"an archive source must be 1-{MAX_SOURCE_LENGTH} characters, got {len(label)}")
    return label


class RowBuilder:
    """Turns accepted messages, in order, into rows.

    Args:
        source: The rows' source, from :func:`source_label`.
        first_arrival: The ``arrival`` number of the first row; the archive's next free one.

    Attributes:
        orphans: Predictions dropped because no state of their game had been seen (its game
            message was lost before the archive, say): filing one under a made-up state would
            corrupt the key.
    """

    def __init__(self, source: str, first_arrival: int) -> None:
        self.source = source
        self.orphans = 0
        self._arrival = first_arrival
        self._states: OrderedDict[str, Game] = OrderedDict()

    def add(self, message: Message, received_at: float, batch: Batch) -> None:
        """Append the rows of one accepted message to ``batch``; other message types add none."""
        if isinstance(message, ScoreUpdate | GameStart | GameEnd):
            game = message.data
            self._remember(game)
            batch.states.append(
                StateRow(
                    game.game_id,
                    game.home_score,
                    game.away_score,
                    game.period,
                    game.clock,
                    game.status,
                    game.home_team,
                    game.away_team,
                    None if game.start_time is None else game.start_time.timestamp(),
                    message.type,
                    _game_seconds(game),
                    received_at,
                    message.ts,
                    self.source,
                    self._next_arrival(),
                )
            )
        elif isinstance(message, PredictionUpdate):
            prediction = message.data
            state = self._states.get(prediction.game_id)
            if state is None:
                self.orphans += 1
                return
            batch.predictions.append(
                PredictionRow(
                    prediction.game_id,
                    state.home_score,
                    state.away_score,
                    state.period,
                    state.clock,
                    state.status,
                    prediction.home_win_probability,
                    prediction.model or "",
                    prediction.predicted_home_score,
                    prediction.predicted_away_score,
                    _game_seconds(state),
                    received_at,
                    message.ts,
                    self.source,
                    self._next_arrival(),
                )
            )

    def _remember(self, game: Game) -> None:
        self._states[game.game_id] = game
        self._states.move_to_end(game.game_id)
        if len(self._states) > REMEMBERED_GAMES:
            self._states.popitem(last=False)

    def _next_arrival(self) -> int:
        arrival = self._arrival
        self._arrival += 1
        return arrival


def _game_seconds(game: Game) -> float:
    return elapsed_seconds(game.period, clock_seconds(game.clock))
