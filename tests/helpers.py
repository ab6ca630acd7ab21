"""Builders of frames, games and status records for the tests."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from lib.protocol import SourceStatus
from lib.status import FeedStatus
from lib.store import ConnectionInfo, ConnectionState, Counters, SourceRecord

NOW = 1_800_000_000.0
"""A fixed "now" for tests of what the page shows."""


def game(game_id: str = "g1", **overrides: Any) -> dict[str, Any]:
    """A valid game payload, with any field overridden."""
    data: dict[str, Any] = {
        "game_id": game_id,
        "home_team": "Boston Celtics",
        "away_team": "New York Knicks",
        "home_score": 50,
        "away_score": 48,
        "period": 3,
        "clock": "07:12",
        "status": "live",
    }
    data.update(overrides)
    return data


def frame(type_: str, data: Any, **envelope: Any) -> str:
    """A frame's JSON text: ``{"type": type_, "data": data, **envelope}``."""
    return json.dumps({"type": type_, "data": data, **envelope})


def score(game_id: str = "g1", *, ts: float | None = None, seq: int | None = None, **fields: Any) -> str:
    """A ``score_update`` frame."""
    envelope = {k: v for k, v in (("ts", ts), ("seq", seq)) if v is not None}
    return frame("score_update", game(game_id, **fields), **envelope)


def prediction(game_id: str = "g1", p: float = 0.6, *, ts: float | None = None, **fields: Any) -> str:
    """A ``prediction`` frame."""
    envelope = {} if ts is None else {"ts": ts}
    return frame("prediction", {"game_id": game_id, "home_win_probability": p, **fields}, **envelope)


def feed_status(**connection: Any) -> FeedStatus:
    """A connected feed's status, with some of its connection record's fields changed."""
    live = ConnectionInfo(state=ConnectionState.CONNECTED, reason="", max_reconnect_attempts=10)
    return FeedStatus(replace(live, **connection), Counters(), "ws://x", False, 0, None)


def source_report(received_at: float = NOW, ts: float | None = NOW, **fields: Any) -> SourceRecord:
    """A source health report (``source`` nba, ``state`` ok unless given) as the store keeps it."""
    return SourceRecord(SourceStatus.model_validate({"source": "nba", "state": "ok", **fields}), received_at, ts)
