"""Render time of the live section, for 15 to 100 games, and of the page's plays as they flow.

The page measures its own live fragment (``st.session_state["render_ms"]``, the figure the
performance monitor shows); this script runs the real ``dashboard.py`` under Streamlit's
AppTest against a real feed server pushing N live games with predictions (ten updates each, so
the latency charts have data), reruns it, and reports p50/p95. Goals: p95 ≤ 50 ms for 15 games and ≤ 150 ms
for 100.

The Game detail tab is measured on a real finished game with all its plays (the real game with
the most, from ``shared/data``): its charts, key moments and WPA by player, beside 14 real games in
progress whose plays keep arriving at the NBA's rate, or ten times it; then on one of those 14,
whose plays change as it is shown; and the live tab with tonight's biggest plays of those 15 games.
Its first render showing the plays (what a viewer who picks the game waits for: its plays' view is
built then) and its steady renders; with them, what the analyst API's play calls cost
(``LiveFeed``'s ``game_wpa``, ``plays``, ``player_wpa`` for that game, ``game_wpas`` for all 15).
Goals: the Game detail tab's p95 ≤ 150 ms; the live tab's as for 15 games, ≤ 50 ms.

Run: ``python bench/render.py [--runs 60] [--skip-live]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import threading
import time
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st
from streamlit.testing.v1 import AppTest

from bench.common import command, machine, percentile
from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib import LiveFeed
from lib.archive.sources import messages_of_plays
from lib.feed.sources.games_csv import game_forms, read_games_csv
from lib.feed.sources.plays_csv import plays_file_for, read_plays_csv
from lib.protocol import Game, Message, PlayUpdate, Prediction, PredictionUpdate, ScoreUpdate

DASHBOARD = str(Path(__file__).resolve().parents[1] / "dashboard.py")
GOALS = {15: 50.0, 100: 150.0}
DETAIL_GOAL = 150.0
GAMES_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "nba_real_games.csv.gz"
NBA_PLAYS_PER_SECOND = 500 / 8100
"""A real game's plays a second: about 500 in the 2¼ hours it lasts."""
LIVE_GAMES = 14


def night(games: int, updates: int = 10) -> list[ScoreUpdate | PredictionUpdate]:
    """``games`` live games, each updated ``updates`` times with a prediction, as a busy night has."""
    messages: list[ScoreUpdate | PredictionUpdate] = []
    for i in [i for _ in range(updates) for i in range(games)]:
        points = len(messages) // (2 * games)
        game = Game(
            game_id=f"bench-{i:03d}",
            home_team=f"Home Team Number {i}",
            away_team=f"Away Team Number {i}",
            home_score=60 + i % 30 + points,
            away_score=55 + i % 25 + points,
            period=3,
            clock=f"{i % 12:02d}:{i % 60:02d}",
            status="live",
        )
        messages.append(ScoreUpdate(data=game))
        messages.append(
            PredictionUpdate(
                data=Prediction(
                    game_id=game.game_id,
                    home_win_probability=(i % 100) / 100,
                    predicted_home_score=110.0,
                    predicted_away_score=104.0,
                    model="stern-1994",
                )
            )
        )
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


class Stream(threading.Thread):
    """Publishes the rest of the live games' messages, each play at its turn at ``rate`` times the NBA's pace."""

    def __init__(self, server: ScriptedFeed, games: list[list[Message]], rate: float) -> None:
        super().__init__(name="bench-plays", daemon=True)
        self.server, self.rate = server, rate
        # The games' messages taken in turn, each game's in its order.
        self.queue = [message for batch in itertools.zip_longest(*games) for message in batch if message is not None]
        self.stopping = threading.Event()
        self.sent = 0

    def run(self) -> None:
        gap = 1.0 / (NBA_PLAYS_PER_SECOND * LIVE_GAMES * self.rate)
        pending: list[Message] = []
        for message in self.queue:
            pending.append(message)
            if isinstance(message, PlayUpdate):
                self.server.publish(pending)
                self.sent += 1
                pending = []
                if self.stopping.wait(gap):
                    return


def detail_night() -> tuple[str, int, list[Message], list[list[Message]]]:
    """The real game with the most plays, finished, and 14 others half played: messages to publish now and later."""
    flows = read_games_csv(GAMES_CSV)
    plays = read_plays_csv(plays_file_for(GAMES_CSV), flows)
    forms = game_forms(flows)
    shown = max(flows, key=lambda flow: len(plays[flow.game_id]))
    finished = list(messages_of_plays(shown, plays[shown.game_id], forms[shown.game_id]))
    now, later = [], []
    for flow in [flow for flow in flows if flow is not shown][:LIVE_GAMES]:
        messages = list(messages_of_plays(flow, plays[flow.game_id], forms[flow.game_id]))
        now += messages[: len(messages) // 2]
        later.append(messages[len(messages) // 2 :])
    return shown.game_id, len(plays[shown.game_id]), finished + now, later


Shown = Literal["finished", "in progress", "live tab"]
"""What the page shows: Game detail on the finished game or on a game in progress, or the live tab."""


def showing_plays(app: AppTest, shown: Shown, game_id: str) -> bool:
    """Whether the page shows the plays: the game's charts, key moments and WPA by player; tonight's biggest plays."""
    if shown == "live tab":
        return any("nba-plays" in str(block.value) for block in app.html)
    picked = [box.value for box in app.selectbox if box.key == "detail_game"]
    headed = {header.value for header in app.subheader}
    return picked == [game_id] and len(app.get("vega_lite_chart")) == 2 and {"Key moments", "WPA by player"} <= headed


def measure_plays(rate: float, runs: int, shown: Shown) -> tuple[float, list[float], dict[str, list[float]], int]:
    """The first render (ms) showing the plays (Game detail on the finished game or on a game in progress, or the
    live tab) and the render times after it while plays flow at ``rate`` times the NBA's; the API's play calls' times
    (ms) for the game; the plays streamed meanwhile."""
    finished_id, count, first, later = detail_night()
    live_id = next(m.data.game_id for m in later[0] if isinstance(m, PlayUpdate))
    game_id = live_id if shown == "in progress" else finished_id
    calls: dict[str, list[float]] = {}
    with ScriptedFeed() as server:
        server.publish(first)
        stream = Stream(server, later, rate)
        os.environ["FEED_URL"] = server.url
        st.cache_resource.clear()
        feed = LiveFeed(server.url).start()
        try:
            wait_for(lambda: len(feed.store.plays(finished_id)) == count, timeout=60, what="the finished game's plays")
            stream.start()
            app = AppTest.from_file(DASHBOARD, default_timeout=60)
            app.run()
            app.session_state["tab"] = "🏀 Live" if shown == "live tab" else "🎯 Game detail"
            deadline = time.monotonic() + 30
            while not showing_plays(app, shown, game_id):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the page never showed the plays ({shown})")
                app.session_state["detail_game"] = game_id  # the picker may not be there yet: the feed is filling
                app.run()
            first_showing = app.session_state["render_ms"][-1]
            for _ in range(5):
                app.run()
            app.session_state["render_ms"].clear()
            for _ in range(runs):
                app.run()
            times = list(app.session_state["render_ms"])
            for name, call in (
                ("game_wpa", lambda: feed.game_wpa(game_id)),
                ("plays", lambda: feed.plays(game_id)),
                ("player_wpa", lambda: feed.player_wpa(game_id)),
                ("game_wpas", feed.game_wpas),
            ):
                calls[name] = []
                for _ in range(runs):
                    started = time.perf_counter()
                    call()
                    calls[name].append((time.perf_counter() - started) * 1000.0)
        finally:
            stream.stopping.set()
            stream.join()
            feed.stop()
            st.cache_resource.clear()
    return first_showing, times, calls, stream.sent


def main() -> None:
    parser = argparse.ArgumentParser(description="Render time of the dashboard's live section")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--skip-live", action="store_true", help="measure only the page's plays")
    args = parser.parse_args()
    print(f"# render: live fragment of dashboard.py, {args.runs} reruns each")
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    if not args.skip_live:
        print("| games | p50 | p95 | goal (p95) | met |")
        print("|---:|---:|---:|---:|---|")
        for games, goal in GOALS.items():
            times = measure(games, args.runs)
            p95 = percentile(times, 95)
            print(
                f"| {games} | {percentile(times, 50):.1f} ms | {p95:.1f} ms | ≤ {goal:.0f} ms | "
                f"{'yes' if p95 <= goal else 'NO'} |"
            )
        print()
    if not GAMES_CSV.is_file():
        print(f"The Game detail tab with plays needs the real games: {GAMES_CSV} is absent.")
        return
    print("Plays on the page: Game detail showing the real game with the most plays, finished, or one of the 14 others")
    print("in progress; or the live tab with tonight's biggest plays; the 14 games' plays arriving. The first render")
    print("showing the plays, then steady (the API's calls on the game shown, or the finished one):")
    print()
    print(
        "| shown | plays arriving | streamed | first | p50 | p95 | goal (p95) | met | `game_wpa` p50 / p95 "
        "| `plays` | `player_wpa` | `game_wpas` (15 games) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    rows: list[tuple[Shown, float]] = [("finished", 1.0), ("finished", 10.0), ("in progress", 10.0), ("live tab", 10.0)]
    for shown, rate in rows:
        first, times, calls, sent = measure_plays(rate, args.runs, shown)
        p95 = percentile(times, 95)
        cost = " | ".join(f"{percentile(calls[n], 50):.1f} / {percentile(calls[n], 95):.1f} ms" for n in calls)
        goal = DETAIL_GOAL if shown != "live tab" else GOALS[15]
        print(
            f"| {shown} | {rate:g} x the NBA's rate | {sent} plays | {first:.1f} ms "
            f"| {percentile(times, 50):.1f} ms | {p95:.1f} ms | ≤ {goal:.0f} ms | "
            f"{'yes' if p95 <= goal else 'NO'} | {cost} |"
        )


if __name__ == "__main__":
    main()
