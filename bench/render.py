"""Render time of the live section, for 15 to 100 games.

The page measures its own live fragment (``st.session_state["render_ms"]``, the figure the
performance monitor shows); this script runs the real ``dashboard.py`` under Streamlit's
AppTest against a real feed server pushing N live games with predictions (ten updates each, so
the latency charts have data), reruns it, and reports p50/p95. Goals: p95 ≤ 50 ms for 15 games and ≤ 150 ms
for 100.

Run: ``python bench/render.py [--runs 60]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st
from streamlit.testing.v1 import AppTest

from bench.common import command, machine, percentile
from harness.feed import ScriptedFeed
from lib.protocol import Game, Prediction, PredictionUpdate, ScoreUpdate

DASHBOARD = str(Path(__file__).resolve().parents[1] / "dashboard.py")
GOALS = {15: 50.0, 100: 150.0}


def night(games: int, updates: int = 10) -> list[ScoreUpdate | PredictionUpdate]:
    """``games`` live games, each updated ``updates`` times with a prediction, as a busy night has."""
    messages: list[ScoreUpdate | PredictionUpdate] = []
    for i in [i for _ in range(updates) for i in range(games)]:
        points = len(messages) // (2 * games)
        game = Game(
            game_id=f"bench-{i:03d}", home_team=f"Home Team Number {i}", away_team=f"Away Team Number {i}",
            home_score=60 + i % 30 + points, away_score=55 + i % 25 + points, period=3,
            clock=f"{i % 12:02d}:{i % 60:02d}", status="live",
        )
        messages.append(ScoreUpdate(data=game))
        messages.append(PredictionUpdate(data=Prediction(
            game_id=game.game_id, home_win_probability=(i % 100) / 100, predicted_home_score=110.0,
            predicted_away_score=104.0, model="stern-1994",
        )))
    return messages


def measure(games: int, runs: int) -> list[float]:
    """Render times (ms) of ``runs`` reruns of the page showing ``games`` games."""
    with ScriptedFeed() as server:
        server.publish(night(games))
        os.environ["FEED_URL"] = server.url
        st.cache_resource.clear()
        app = AppTest.from_file(DASHBOARD, default_timeout=60)
        app.run()
        deadline = time.monotonic() + 30
        while f"{games} games" not in "".join(h.value for h in app.html):
            if time.monotonic() > deadline:
                raise RuntimeError("the page never showed the games")
            app.run()
        for _ in range(5):  # warm up: imports, caches, first-render work
            app.run()
        app.session_state["render_ms"].clear()
        for _ in range(runs):
            app.run()
        times = list(app.session_state["render_ms"])
        st.cache_resource.clear()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description="Render time of the dashboard's live section")
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    print(f"# render: live fragment of dashboard.py, {args.runs} reruns each")
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print("| games | p50 | p95 | goal (p95) | met |")
    print("|---:|---:|---:|---:|---|")
    for games, goal in GOALS.items():
        times = measure(games, args.runs)
        p95 = percentile(times, 95)
        print(f"| {games} | {percentile(times, 50):.1f} ms | {p95:.1f} ms | ≤ {goal:.0f} ms | "
              f"{'yes' if p95 <= goal else 'NO'} |")


if __name__ == "__main__":
    main()
