"""Feed to screen: from the server sending a score to a real browser showing it.

A :class:`~harness.feed.ScriptedFeed` with no source holds ``--games`` live games that this
script publishes itself; ``streamlit run dashboard.py`` runs in a subprocess on a free port with
``FEED_URL`` pointing at it; headless Chromium (Debian's ``/usr/bin/chromium``, driven by
Playwright) opens the page. A MutationObserver in the page notes, for every text that appears in
a score (``.nba-score``), the wall-clock time (``Date.now()``) it first entered the DOM and the
time of the next animation frame (when it can be on screen).

Then ``--pushes`` times: pick the next game, publish a ``score_update`` giving it a home score
never shown before (200, 201, ...: distinct and rising, so never a rejected decrease), taking
``time.time()`` just before ``publish``; wait until the page has seen that score; latency = the
page's time - the send time (one machine, one clock). Pushes are spaced by a random pause
(``--min-pause``..``--max-pause`` s after the previous one showed) so that they land at random
phases of the page's refresh.

The path: feed server → WebSocket → the Streamlit process's LiveFeed → store → the live
fragment's next run (every refresh interval, 1 s by default) → Streamlit's WebSocket → React →
DOM. With a 1 s refresh the wait for the next run is uniform over 0-1 s, so p50 should be about
0.5 s plus the pipeline and p95 about 0.95 s plus the pipeline.

Run: ``python bench/browser_latency.py [--pushes 60] [--games 8] [--seed 1] [--post-script-gc off]``
(``on`` restores Streamlit's default, a full ``gc.collect`` after every run, which the
project's ``.streamlit/config.toml`` turns off). Goal: p95 ≤ the refresh interval + 0.3 s
(1.3 s at the default 1 s).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Error as PlaywrightError

from bench.common import add_post_script_gc, command, machine, percentile
from harness.browser import CONNECTED, dashboard_in_chromium
from harness.feed import ScriptedFeed
from lib.protocol import Game, Prediction, PredictionUpdate, ScoreUpdate

DEFAULT_REFRESH_S = 1.0
SLACK_S = 0.3
FIRST_PUSHED_SCORE = 200

OBSERVER = """() => {
  const seen = window.__seen = {};
  const scan = () => {
    const now = Date.now();
    const fresh = [];
    for (const element of document.querySelectorAll('.nba-score')) {
      const text = element.textContent.trim();
      if (!(text in seen)) { seen[text] = [now, null]; fresh.push(text); }
    }
    if (fresh.length) {
      requestAnimationFrame(() => { const frame = Date.now(); for (const text of fresh) seen[text][1] = frame; });
    }
  };
  new MutationObserver(scan).observe(document.body, {childList: true, subtree: true, characterData: true});
  scan();
}"""


def starting_games(count: int) -> dict[str, Game]:
    """``count`` live games with scores below the pushed ones."""
    return {
        f"bench-{i:02d}": Game(
            game_id=f"bench-{i:02d}",
            home_team=f"Home Team {i}",
            away_team=f"Away Team {i}",
            home_score=60 + 3 * i,
            away_score=58 + 2 * i,
            period=3,
            clock="07:12",
            status="live",
        )
        for i in range(count)
    }


def refresh_seconds(page: Any) -> float | None:
    """The refresh interval the sidebar slider shows, if it can be read."""
    try:
        value = page.locator("[data-testid='stSlider'] input[type='range']").first.get_attribute("value", timeout=5_000)
        return float(value) if value is not None else None
    except (PlaywrightError, ValueError):
        return None


def measure(args: argparse.Namespace) -> tuple[list[tuple[float, float]], float | None]:
    """(DOM, frame) latencies in seconds, one per counted push, and the page's refresh interval."""
    rng = random.Random(args.seed)
    games = starting_games(args.games)
    ids = list(games)
    latencies: list[tuple[float, float]] = []
    server = ScriptedFeed().start()
    try:
        server.publish(
            [
                message
                for game in games.values()
                for message in (
                    ScoreUpdate(data=game),
                    PredictionUpdate(data=Prediction(game_id=game.game_id, home_win_probability=0.55)),
                )
            ]
        )
        env = {"STREAMLIT_RUNNER_POST_SCRIPT_GC": str(args.post_script_gc == "on").lower()}
        with dashboard_in_chromium(server.url, **env) as (dashboard, browser):
            page = browser.new_page(viewport={"width": 1400, "height": 2200})
            page.goto(dashboard.url)
            page.wait_for_selector(CONNECTED, timeout=60_000)
            page.wait_for_function(f"document.querySelectorAll('.nba-card').length === {args.games}", timeout=60_000)
            refresh = refresh_seconds(page)
            page.evaluate(OBSERVER)
            time.sleep(2 * DEFAULT_REFRESH_S)
            for push in range(args.warmup + args.pushes):
                game_id = ids[push % len(ids)]
                score = FIRST_PUSHED_SCORE + push
                games[game_id] = games[game_id].model_copy(update={"home_score": score})
                sent = time.time()
                server.publish([ScoreUpdate(data=games[game_id])])
                page.wait_for_function(
                    "t => window.__seen[t] && window.__seen[t][1] !== null", arg=str(score), polling=20, timeout=30_000
                )
                dom_ms, frame_ms = page.evaluate("t => window.__seen[t]", str(score))
                if push >= args.warmup:
                    latencies.append((dom_ms / 1000.0 - sent, frame_ms / 1000.0 - sent))
                    print(
                        f"push {push - args.warmup + 1:3d}: {game_id} {score}: in the DOM after "
                        f"{(dom_ms / 1000.0 - sent) * 1000:6.0f} ms",
                        file=sys.stderr,
                    )
                time.sleep(rng.uniform(args.min_pause, args.max_pause))
    finally:
        server.stop()
    return latencies, refresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pushes", type=int, default=60, help="score updates measured (at least 50 recommended)")
    parser.add_argument("--warmup", type=int, default=3, help="pushes before the measured ones, not counted")
    parser.add_argument("--games", type=int, default=8, help="games on the page")
    parser.add_argument("--min-pause", type=float, default=0.25, help="shortest pause after a score showed, s")
    parser.add_argument("--max-pause", type=float, default=1.75, help="longest pause after a score showed, s")
    add_post_script_gc(parser)
    parser.add_argument("--seed", type=int, default=1, help="seeds the pauses")
    args = parser.parse_args()
    if FIRST_PUSHED_SCORE + args.warmup + args.pushes > 400:
        parser.error("at most 200 pushes in all: each needs a distinct score below 400")

    latencies, refresh = measure(args)
    interval = refresh if refresh is not None else DEFAULT_REFRESH_S
    goal = interval + SLACK_S
    dom = [d * 1000.0 for d, _ in latencies]
    frame = [f * 1000.0 for _, f in latencies]

    assumed = "" if refresh is not None else " (assumed; the slider could not be read)"
    print(
        f"# browser latency: server send → Chromium shows the score, {args.pushes} pushes, "
        f"runner.postScriptGC {args.post_script_gc}, refresh {interval:g} s{assumed}"
    )
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print("| send → | min | p50 | mean | p95 | max | goal (p95) | met |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for label, values in (("score in the DOM", dom), ("next animation frame", frame)):
        p95 = percentile(values, 95)
        print(
            f"| {label} | {min(values):.0f} ms | {percentile(values, 50):.0f} ms | "
            f"{statistics.fmean(values):.0f} ms | {p95:.0f} ms | {max(values):.0f} ms | "
            f"≤ {goal * 1000:.0f} ms (refresh + {SLACK_S * 1000:.0f} ms) | "
            f"{'yes' if p95 <= goal * 1000 else 'NO'} |"
        )
    print()
    print(
        f"Each push gave one game a new home score (200, 201, ...) after a random pause of "
        f"{args.min_pause:g}–{args.max_pause:g} s, so pushes land at random phases of the refresh; "
        f"{args.warmup} warm-up pushes were not counted. Times are `time.time()` just before `publish` and "
        "`Date.now()` in the page (ms resolution), on one machine. The minimum is roughly the pipeline without "
        "the wait for the next refresh; the wait itself is uniform over one refresh interval."
    )


if __name__ == "__main__":
    main()
