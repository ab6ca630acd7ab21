"""Fixtures shared across the suite: a real feed server on loopback and clients that clean up."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lib.client import FeedClient
from lib.feed.server import FeedServer
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
def feed_server() -> Iterator[FeedServer]:
    """A real feed server with no source of its own, on a free loopback port."""
    server = FeedServer().start()
    yield server
    server.stop()


ClientFactory = Callable[..., FeedClient]


@pytest.fixture
def make_client() -> Iterator[ClientFactory]:
    """Build clients with fast reconnect settings; all are stopped, and must leave no thread, at the end."""
    made: list[FeedClient] = []

    def make(url: str, store: Store | None = None, **options: Any) -> FeedClient:
        client = FeedClient(url, store or Store(), **{**FAST, **options})
        made.append(client)
        return client

    yield make
    for client in made:
        client.stop()
    assert _client_threads() == [], "a client thread outlived stop()"
