"""A simulated night applied to a store as the feed client applies it: the accepted messages an archive is offered."""

from __future__ import annotations

from lib.feed.simulator import NightSimulator
from lib.protocol import Message, ScoreUpdate, encode
from lib.store import Store
from tests.helpers import NOW, game

STEP = 0.25
"""Seconds of the night between looks at it, as the feed server's pushes."""


def seeded_night(seed: int = 7, games: int = 6) -> NightSimulator:
    """A fast night: at speed 900 a game takes about ten seconds of its clock, so 40 s finish two slates."""
    return NightSimulator(games=games, seed=seed, speed=900.0, start=NOW)


def play_night(
    store: Store, night: NightSimulator, *, seconds: float = 40.0, connection: int = 0
) -> list[tuple[Message, float]]:
    """Play ``night`` into ``store`` for ``seconds``; what the store applied, with receive times, in order."""
    accepted: list[tuple[Message, float]] = []
    for step in range(int(seconds / STEP)):
        now = NOW + step * STEP
        for index, message in enumerate(night.advance(now)):
            received_at = now + index * 1e-4
            stamped = message.model_copy(update={"ts": received_at})
            result = store.ingest(encode(stamped), received_at=received_at, connection=connection)
            if result.status == "applied" and result.message is not None:
                accepted.append((result.message, received_at))
    return accepted


def score_message(number: int) -> ScoreUpdate:
    """A distinct game state for each ``number``: fifty scores of one game, then the next game."""
    return ScoreUpdate.model_validate(
        {"type": "score_update", "ts": NOW + number, "data": game(f"g{number // 50}", home_score=number % 50)}
    )
