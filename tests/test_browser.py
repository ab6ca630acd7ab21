"""End to end in a real browser: feed server → streamlit run dashboard.py → headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lib.feed.server import FeedServer
from lib.feed.simulator import NightSimulator
from lib.protocol import Game, GameStart, Prediction, PredictionUpdate, ScoreUpdate
from tests.helpers import game, wait_for

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REFRESH_SECONDS = 1.0  # the page's default refresh interval

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (requirements-dev.txt)")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Dashboard:
    """``streamlit run dashboard.py`` in a subprocess, on a free port, showing ``feed_url``."""

    def __init__(self, feed_url: str) -> None:
        self.port = free_port()
        env = {**os.environ, "FEED_URL": feed_url, "FEED_RECONNECT_BASE_DELAY": "0.5", "FEED_RECONNECT_MAX_DELAY": "1"}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboard.py",
                "--server.port",
                str(self.port),
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._healthy, 60, "streamlit to serve")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            output = self.process.stdout.read().decode() if self.process.stdout else ""
            raise AssertionError(f"streamlit exited: {output}")
        try:
            with urllib.request.urlopen(f"{self.url}_stcore/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright."""
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def open_page(browser: Any, url: str) -> Any:
    """A page on the dashboard, loaded and connected to its Streamlit server, with dialogs recorded."""
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=60_000)
    return page


def connection_words(page: Any) -> str:
    return str(page.locator("[data-testid='nba-connection']").first.inner_text(timeout=30_000))


def a_game(game_id: str, **fields: Any) -> Game:
    return Game.model_validate(game(game_id, **fields))


def test_live_page_in_a_real_browser(browser: Any) -> None:
    """Cards and scores show, a pushed score appears within the refresh, a restart is survived."""
    server = FeedServer(NightSimulator(games=8, seed=7, speed=60.0), interval=1.0).start()
    dashboard = Dashboard(server.url)
    try:
        page = open_page(browser, dashboard.url)
        page.locator(".nba-card").first.wait_for(timeout=30_000)
        wait_for(lambda: page.locator(".nba-card").count() == 8, 30, "eight cards")
        wait_for(lambda: connection_words(page) == "Live", 30, "Live")
        assert "8 games" in page.locator("[data-testid='nba-game-count']").first.inner_text()
        # The screenshot in the README should show a night in progress: wait for some points on the board.
        wait_for(lambda: max(int(s) for s in page.locator(".nba-score").all_inner_texts()) >= 25, 60, "scoring")
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)

        live_id = next(g.game_id for g in server.source.games if g.status == "live")  # type: ignore[union-attr]
        current = next(g for g in server.source.games if g.game_id == live_id)  # type: ignore[union-attr]
        pushed = current.model_copy(update={"home_score": 398, "away_score": 399})
        server.publish([ScoreUpdate(data=pushed)])
        pushed_at = time.monotonic()
        page.locator(".nba-score", has_text="399").first.wait_for(timeout=30_000)
        assert time.monotonic() - pushed_at <= REFRESH_SECONDS + 1.0, "the pushed score took too long to show"

        port = server.port
        server.stop()
        wait_for(lambda: connection_words(page).startswith("Reconnecting"), 30, "the reconnecting state")
        server = FeedServer(NightSimulator(games=8, seed=7, speed=60.0), port=port, interval=1.0).start()
        wait_for(lambda: connection_words(page) == "Live", 30, "Live again")
        assert page.dialogs == []
    finally:
        dashboard.stop()
        server.stop()


HOSTILE_HOME = '<img src=x onerror="window.__xss=1;alert(1)">'
HOSTILE_AWAY = "<script>window.__xss=2</script>"


def test_hostile_team_names_never_run(browser: Any) -> None:
    """Team names made of markup show as text in cards, table, toasts and event log; no script runs."""
    server = FeedServer().start()
    dashboard = Dashboard(server.url)
    try:
        page = open_page(browser, dashboard.url)
        wait_for(lambda: connection_words(page) == "Live", 30, "Live")
        names = {"home_team": HOSTILE_HOME, "away_team": HOSTILE_AWAY}
        server.publish(
            [
                ScoreUpdate(
                    data=a_game("x", status="scheduled", period=0, clock="12:00", home_score=0, away_score=0, **names)
                ),
            ]
        )
        page.locator(".nba-card").first.wait_for(timeout=30_000)
        server.publish(
            [
                GameStart(data=a_game("x", period=1, clock="12:00", home_score=0, away_score=0, **names)),
                PredictionUpdate(data=Prediction(game_id="x", home_win_probability=0.5)),
            ]
        )
        page.get_by_text("Tip-off:", exact=False).first.wait_for(timeout=30_000)  # the toast
        card_text = page.locator(".nba-card").first.inner_text()
        assert HOSTILE_HOME in card_text
        assert HOSTILE_AWAY in card_text
        assert page.evaluate("window.__xss") is None
        assert page.locator("img[src='x']").count() == 0
        assert page.dialogs == []
    finally:
        dashboard.stop()
        server.stop()
