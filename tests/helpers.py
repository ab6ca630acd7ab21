"""Builders of frames, games and status records for the tests."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from lib.protocol import (
    Game,
    GameEnd,
    Message,
    Play,
    PlayUpdate,
    Prediction,
    PredictionUpdate,
    ScoreUpdate,
    SourceStatus,
)
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


HOSTILE = "<img src=x onerror=alert(1)>"
"""Markup from the feed, which the page must show as these characters."""
PLAYED = {"home_team": "Plays Home", "away_team": "Plays Away"}
LONG_PLAY = "Home Star " + "driving " * 60 + "layup"
"""A description near the protocol's 512 characters."""
SWINGS: list[tuple[str, float, str | None, str]] = [
    ("home", 0.03, "Home Star", "Home Star 2' Layup"),
    ("away", -0.05, HOSTILE, HOSTILE),
    ("home", 0.08, "Home Star", LONG_PLAY),
    ("home", -0.02, "Home Guard", "Home Guard Bad Pass Turnover"),
    ("away", -0.12, "Away Ace", "Away Ace 26' 3PT Jump Shot"),
    ("home", 0.07, None, "Plays Home Team Rebound"),
    ("away", -0.04, "Away Ace", "Away Ace Free Throw 1 of 2"),
    ("home", -0.10, "Home Guard", "Home Guard Offensive Foul"),
    ("away", -0.06, "Away Big", "Away Big Dunk"),
    ("home", 0.01, "Home Star", "Home Star Free Throw 1 of 1"),
]
"""A played game's plays after its start: side, change in the home win probability, player, description."""


def play_update(game_id: str, play_id: int, probability: float, **fields: Any) -> PlayUpdate:
    """A ``play`` message: :func:`play_data` with this home win probability after it."""
    return PlayUpdate(data=Play.model_validate(play_data(game_id, play_id, home_win_probability=probability, **fields)))


def played_game(
    game_id: str = "played-7f3a",
    *,
    teams: dict[str, str] = PLAYED,
    swings: list[tuple[str, float, str | None, str]] = SWINGS,
) -> list[Message]:
    """A live game with its plays from the start (pregame 50 %), one every 30 s of the first quarter, each
    changing the home chance as ``swings`` say and scoring two for its side."""
    start = {"team": None, "player": None, "description": None, "kind": "period", "home_score": 0, "away_score": 0}
    plays: list[Message] = [play_update(game_id, 0, 0.5, period=1, clock="12:00", **start)]
    probability, home, away, clock = 0.5, 0, 0, "12:00"
    for n, (side, swing, player, description) in enumerate(swings, start=1):
        probability += swing
        home, away = (home + 2, away) if side == "home" else (home, away + 2)
        clock = f"{(720 - 30 * n) // 60:02d}:{(720 - 30 * n) % 60:02d}"
        plays.append(
            play_update(
                game_id,
                n,
                probability,
                team=teams[f"{side}_team"],
                player=player,
                description=description,
                period=1,
                clock=clock,
                home_score=home,
                away_score=away,
            )
        )
    state = game(game_id, **teams, period=1, clock=clock, home_score=home, away_score=away)
    return [ScoreUpdate(data=Game.model_validate(state)), *plays]
