"""Live NBA scores with win predictions over a WebSocket, for dashboards or notebooks.

Start with :class:`LiveFeed`::

    from lib import LiveFeed
    feed = LiveFeed().start()      # no URL: the embedded demo feed
    feed.games()                   # a pandas DataFrame, one row per game
    LiveFeed(source=NbaOptions())  # tonight's real NBA games instead
    LiveFeed(archive="nba.duckdb").start().query("SELECT * FROM finished_games")  # kept across nights
"""

from __future__ import annotations

from lib.archive import ArchiveError
from lib.backoff import Backoff
from lib.feed.sources.nba import NbaOptions
from lib.live import ArchiveOptions, ArchiveState, DemoOptions, LiveFeed
from lib.options import FeedOptions
from lib.protocol import (
    Game,
    GameEnd,
    GameStart,
    Message,
    Play,
    PlayUpdate,
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
from lib.status import FeedStatus
from lib.store import ConnectionState, Snapshot

__all__ = [
    "ArchiveError",
    "ArchiveOptions",
    "ArchiveState",
    "Backoff",
    "ConnectionState",
    "DemoOptions",
    "FeedOptions",
    "FeedStatus",
    "Game",
    "GameEnd",
    "GameStart",
    "LiveFeed",
    "Message",
    "NbaOptions",
    "Play",
    "PlayUpdate",
    "PongMessage",
    "Prediction",
    "PredictionUpdate",
    "RejectReason",
    "Rejection",
    "ScoreUpdate",
    "Snapshot",
    "SourceStatus",
    "SourceStatusUpdate",
    "parse",
]
