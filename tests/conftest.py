"""Fixtures shared across the suite: a feed server on loopback, clients that clean up, real NBA games."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from harness.feed import ScriptedFeed
from lib.backoff import Backoff
from lib.client import FeedClient
from lib.feed.flows import GameFlow
from lib.feed.sources.games_csv import game_forms, read_games_csv
from lib.feed.sources.plays_csv import GamePlays, plays_file_for, read_plays_csv
from lib.model import TeamForm
from lib.options import FeedOptions
from lib.protocol import record_text
from lib.store import Store

FAST: dict[str, Any] = {
    "reconnect_base_delay": 0.05,
    "reconnect_max_delay": 0.2,
    "ping_interval": 1.0,
    "ping_timeout": 1.0,
    "connect_timeout": 2.0,
}
"""Client settings that keep reconnect tests quick; tests override what they examine."""


def _client_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "nba-feed-client" and t.is_alive()]


@pytest.fixture
def feed_server() -> Iterator[ScriptedFeed]:
    """A real feed server with no source of its own, on a free loopback port."""
    server = ScriptedFeed().start()
    yield server
    server.stop()


ClientFactory = Callable[..., FeedClient]

_SCHEDULE = {
    "reconnect_base_delay": "base_delay",
    "reconnect_max_delay": "max_delay",
    "max_reconnect_attempts": "max_attempts",
}


def options(**settings: Any) -> FeedOptions:
    """FeedOptions from the flat names the tests use: FAST, then ``settings`` over it.

    ``reconnect_base_delay``, ``reconnect_max_delay`` and ``max_reconnect_attempts`` go to the
    reconnect schedule; a plain ``token`` becomes a secret.
    """
    merged = {**FAST, **settings}
    schedule = {field: merged.pop(name) for name, field in _SCHEDULE.items() if name in merged}
    token = merged.pop("token", None)
    return FeedOptions(token=None if token is None else SecretStr(token), reconnect=Backoff(**schedule), **merged)


@pytest.fixture
def make_client() -> Iterator[ClientFactory]:
    """Build clients with fast reconnect settings; all are stopped, and must leave no thread, at the end."""
    made: list[FeedClient] = []

    def make(url: str, store: Store | None = None, on_frame: Any = None, **settings: Any) -> FeedClient:
        client = FeedClient(url, store or Store(), options(**settings), on_frame=on_frame)
        made.append(client)
        return client

    yield make
    for client in made:
        client.stop()
    assert _client_threads() == [], "a client thread outlived stop()"


REAL_GAMES_CSV = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nba_real_games.csv.gz"
"""The real NBA flows (README beside it), in the ``shared`` folder next to the repository."""


REAL_PLAYS_CSV = plays_file_for(REAL_GAMES_CSV)
"""Every play of the same games (README beside it)."""


@pytest.fixture(scope="session")
def real_games() -> list[GameFlow]:
    """Every game of the real NBA file; the test is skipped when the file is not there."""
    if not REAL_GAMES_CSV.is_file():
        pytest.skip(f"the real NBA data is absent: {REAL_GAMES_CSV}")
    return read_games_csv(REAL_GAMES_CSV)


@pytest.fixture(scope="session")
def real_plays(real_games: list[GameFlow]) -> dict[str, GamePlays]:
    """Every play of the real NBA games, by game; the test is skipped when the file is not there."""
    if not REAL_PLAYS_CSV.is_file():
        pytest.skip(f"the real NBA plays are absent: {REAL_PLAYS_CSV}")
    return read_plays_csv(REAL_PLAYS_CSV, real_games)


@pytest.fixture(scope="session")
def real_forms(real_games: list[GameFlow]) -> dict[str, tuple[TeamForm, TeamForm]]:
    """Each real game's home and away form before it, by game, as the feed's sources predict and label it."""
    return game_forms(real_games)


@pytest.fixture(scope="session")
def real_records(real_forms: dict[str, tuple[TeamForm, TeamForm]]) -> dict[str, tuple[str, str]]:
    """Each real game's home and away records before it, by game, as the feed's sources send them."""
    return {
        game_id: (record_text(home.wins, home.losses), record_text(away.wins, away.losses))
        for game_id, (home, away) in real_forms.items()
    }
