"""The store: what the feed delivered, kept thread-safe, handed out as immutable snapshots.

``lib.store.store`` is the locked container, ``lib.store.records`` the records it hands out,
``lib.store.plays`` each game's plays, ``lib.store.rules`` the rules it applies and
``lib.store.connection`` the connection's lifecycle; this module gathers the names the rest of
the library uses.
"""

from __future__ import annotations

from lib.store.connection import CloseCause, ConnectionInfo, ConnectionState, Transition
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
from lib.store.store import DEFAULT_MAX_GAMES, IngestResult, Store

__all__ = [
    "DEFAULT_MAX_GAMES",
    "DEFAULT_PLAYS_PER_GAME",
    "CloseCause",
    "ConnectionInfo",
    "ConnectionState",
    "Counters",
    "FeedEvent",
    "GamePlays",
    "GameRecord",
    "HistoryPoint",
    "IngestResult",
    "LatencySample",
    "PlayRecord",
    "PongRecord",
    "PredictionPoint",
    "PredictionRecord",
    "RejectionRecord",
    "Snapshot",
    "SourceRecord",
    "Store",
    "Transition",
]
