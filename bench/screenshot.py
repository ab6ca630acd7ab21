"""Refresh the README's picture: the dashboard during a simulated night, in headless Chromium.

The demo night (seed 7, 60 game seconds per second, a push every second) is served by a feed
server in this process; ``streamlit run dashboard.py`` shows it; once the board has some
points on it the whole page is saved to ``docs/screenshot.png`` (or ``--out``).

Run: ``python bench/screenshot.py`` from the repository root, then look at the picture.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.browser import CONNECTED, ROOT, dashboard_in_chromium
from harness.waiting import wait_for
from lib.feed.server import FeedServer
from lib.feed.sources.night import NightSimulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"), help="where (default: %(default)s)")
    parser.add_argument("--points", type=int, default=45, help="wait until a team has this many (default: %(default)s)")
    args = parser.parse_args()
    server = FeedServer(NightSimulator(games=8, seed=7, speed=60.0), interval=1.0).start()
    try:
        with dashboard_in_chromium(server.url) as (dashboard, browser):
            page = browser.new_page(viewport={"width": 1400, "height": 2200})
            page.goto(dashboard.url)
            page.wait_for_selector(CONNECTED, timeout=60_000)
            page.locator(".nba-card").first.wait_for(timeout=30_000)
            wait_for(
                lambda: max(int(s) for s in page.locator(".nba-score").all_inner_texts()) >= args.points, 120, "scoring"
            )
            page.screenshot(path=args.out, full_page=True)
    finally:
        server.stop()
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
