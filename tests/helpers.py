"""Builders of frames, games and status records for the tests."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from lib.protocol import Game, GameEnd, Message, Prediction, PredictionUpdate, ScoreUpdate, SourceStatus
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


def play_data(game_id: str = "g1", play_id: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid play payload, with any field overridden."""
    data: dict[str, Any] = {
        "game_id": game_id,
        "play_id": play_id,
        "period": 3,
        "clock": "07:12",
        "team": "Boston Celtics",
        "player": "Jayson Tatum",
        "description": "Tatum 26' 3PT Jump Shot (3 PTS)",
        "kind": "made_shot",
        "home_score": 53,
        "away_score": 48,
        "home_win_probability": 0.7,
    }
    data.update(overrides)
    return data


def play(game_id: str = "g1", play_id: int = 1, *, ts: float | None = None, **fields: Any) -> str:
    """A ``play`` frame."""
    envelope = {} if ts is None else {"ts": ts}
    return frame("play", play_data(game_id, play_id, **fields), **envelope)


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


def two_finished_games() -> list[list[Message]]:
    """Two games played out with a prediction after every score, one a home win, one an away win: batches to publish."""
    flows = {"w": [(0, 0, 0.55), (2, 0, 0.6), (2, 5, 0.35), (9, 5, 0.8)], "l": [(0, 0, 0.5), (0, 3, 0.3)]}
    batches: list[list[Message]] = []
    for game_id, points in flows.items():
        teams = {"home_team": f"Home {game_id}", "away_team": f"Away {game_id}"}
        for home, away, probability in points:
            state = Game.model_validate(game(game_id, **teams, home_score=home, away_score=away))
            batches.append(
                [
                    ScoreUpdate(data=state),
                    PredictionUpdate(data=Prediction(game_id=game_id, home_win_probability=probability)),
                ]
            )
        home, away, _ = points[-1]
        final = game(game_id, **teams, home_score=home, away_score=away, status="final", period=4, clock="00:00")
        batches.append([GameEnd(data=Game.model_validate(final))])
    return batches
