"""A simulated night applied to a store as the feed client applies it: the accepted frames an archive is offered."""

from __future__ import annotations

from lib.feed.sources.night import NightSimulator
from lib.protocol import encode
from lib.store import Store
from tests.helpers import NOW, score

STEP = 0.25
"""Seconds of the night between looks at it, as the feed server's pushes."""


def seeded_night(seed: int = 7, games: int = 6) -> NightSimulator:
    """A fast night: at speed 900 a game takes about ten seconds of its clock, so 40 s finish two slates."""
    return NightSimulator(games=games, seed=seed, speed=900.0, start=NOW)


def play_night(
    store: Store, night: NightSimulator, *, seconds: float = 40.0, connection: int = 0
) -> list[tuple[bytes, float]]:
    """Play ``night`` into ``store`` for ``seconds``; the frames the store applied, with receive times, in order."""
    accepted: list[tuple[bytes, float]] = []
    for step in range(int(seconds / STEP)):
        now = NOW + step * STEP
        for index, message in enumerate(night.advance(now)):
            received_at = now + index * 1e-4
            frame = encode(message.model_copy(update={"ts": received_at})).encode()
            if store.ingest(frame, received_at=received_at, connection=connection).status == "applied":
                accepted.append((frame, received_at))
    return accepted


def score_frame(number: int) -> bytes:
    """A distinct game state for each ``number``: fifty scores of one game, then the next game."""
    return score(f"g{number // 50}", ts=NOW + number, home_score=number % 50).encode()
