"""Fan-out: many browser sessions on one Streamlit process share one feed connection.

This process runs a :class:`~harness.feed.ScriptedFeed` with a simulated night
(:class:`~lib.feed.simulator.NightSimulator`, ``--games`` 8, a push every second, speed 24, seed
``--seed``); ``streamlit run dashboard.py`` runs in a subprocess with ``FEED_URL`` pointing at
it; one headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) opens the page
in ``--sessions`` browser contexts, one page each (so each is its own Streamlit session with its
own cookies and storage, as separate viewers are), one after another.

Measured at each step of ``--steps`` (by default: one session, the baseline, then all of them),
each time after ``--settle`` seconds and over a ``--window`` second window:

* the feed server's ``client_count`` (WebSocket connections at the feed), read every 50 ms from
  the first session on: it should be exactly 1 (``st.cache_resource`` shares one LiveFeed);
* per page, from a MutationObserver in the page: when the game cards' scores and clocks changed,
  and whether the header (``[data-testid='nba-connection']``) ever said anything but "Live". The
  feed's own changes are known too (this process reads the simulator's games every 50 ms), so
  each page's lag behind every change of the feed is measured: a session is updating when it
  followed every feed change in the window within ``--max-lag`` seconds and stayed "Live". (The
  cards alone can sit still for several seconds, during quarter breaks, so a gap in a page's
  changes says nothing by itself.)
* CPU over the window (100 % = one core) of the Streamlit process, of the browser (Chromium and
  the Playwright driver) and of the whole machine; the Streamlit process's resident memory at the
  end of the window; in total and per session.

The viewers run on the same machine as the server: on a small machine the browser's own work
(every page re-renders its cards and two Vega-Lite charts every second, without a GPU) competes
with the Streamlit process for the cores. The browser column says how much. A session that does
not open within ``--open-timeout`` seconds stops the opening; the rest is measured and reported.

Run: ``python bench/fanout.py [--sessions 20] [--steps 1,5,10,15,20]`` (``--sessions 5`` for a
quicker run; ``--latency-charts off`` switches the sidebar's "Latency charts" off in every
session; ``--post-script-gc on`` restores Streamlit's default, a full ``gc.collect(2)`` after
every script and fragment run, i.e. after every refresh of every session, which the project's
``.streamlit/config.toml`` turns off). Goals: exactly one feed connection; every session
updating (each feed change shown on every page, which always says "Live"), and each change
shown within ``--max-lag`` s (3 by default).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil
from playwright.sync_api import Error as PlaywrightError

from bench.common import command, machine
from harness.browser import CONNECTED, dashboard_in_chromium
from harness.feed import ScriptedFeed
from lib.feed.sources.night import NightSimulator

WATCHER = """() => {
  const state = window.__fanout = {changes: [], notLive: [], last: null, words: null};
  const check = () => {
    // Scores and game clocks; a scheduled game's "Tip-off in 3 min" counts down by the page's clock, not the feed's.
    const cards = document.querySelectorAll('.nba-card .nba-score, .nba-card .nba-top');
    const signature = Array.from(cards, (element) => element.textContent)
      .filter((text) => !text.startsWith('Tip-off')).join('|');
    if (signature && signature !== state.last) { state.last = signature; state.changes.push(Date.now()); }
    const header = document.querySelector("[data-testid='nba-connection']");
    if (header) {
      state.words = header.textContent.trim();
      if (state.words !== 'Live') state.notLive.push([Date.now(), state.words]);
    }
  };
  new MutationObserver(check).observe(document.body, {childList: true, subtree: true, characterData: true});
  check();
}"""
WINDOW_STATS = """([start, end]) => {
  const state = window.__fanout;
  const notLive = state.notLive.filter(([t]) => t >= start && t <= end);
  return {changes: state.changes.filter((t) => t >= start), notLive: notLive.length,
          notLiveWords: notLive.length ? notLive[0][1] : null, words: state.words};
}"""


@dataclass(frozen=True)
class PageStats:
    """What one page did during a measuring window."""

    changes: int
    """Times its cards' scores or clocks changed."""
    worst_lag: float | None
    """Seconds from a change of the feed to the page's next change, the worst over the window."""
    mean_lag: float | None
    not_live: int
    """Readings of the header that were not "Live"."""
    not_live_words: str | None
    words: str | None


@dataclass(frozen=True)
class Window:
    """One measuring window with ``sessions`` pages open."""

    sessions: int
    streamlit_cpu: float
    browser_cpu: float
    machine_cpu: float
    """All cores together, 100 % = every core busy."""
    rss_mb: float
    feed_connections: tuple[int, int]
    feed_changes: int
    pages: list[PageStats]
    render: str | None
    """The newest page's own "Live section render" figures (its fragment's run time, from its latency section)."""


class FeedMonitor:
    """Every 50 ms, in a thread: the feed server's ``client_count`` (min and max) and whether the
    simulator's games changed (when, as epoch seconds)."""

    def __init__(self, server: ScriptedFeed, simulator: NightSimulator) -> None:
        self.server = server
        self.simulator = simulator
        self.low: int | None = None
        self.high: int | None = None
        self.overall: tuple[int, int] | None = None
        """Fewest and most connections seen at any reading, never reset."""
        self.changes: list[float] = []
        self._last: tuple[tuple[str, int, int, int, str, str], ...] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fanout-feed-monitor", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.observe()
            self._stop.wait(0.05)

    def observe(self) -> None:
        count = self.server.client_count
        self.low = count if self.low is None else min(self.low, count)
        self.high = count if self.high is None else max(self.high, count)
        self.overall = (count, count) if self.overall is None else (min(self.overall[0], count),
                                                                    max(self.overall[1], count))
        # The simulator is advanced in the server's thread; reading its games from here is a read-only race.
        state = tuple(
            (g.game_id, g.home_score, g.away_score, g.period, g.clock, g.status) for g in self.simulator.games
        )
        if state != self._last:
            self._last = state
            self.changes.append(time.time())

    def reset(self) -> None:
        self.low = self.high = None

    def __enter__(self) -> FeedMonitor:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def span(self) -> tuple[int, int]:
        self.observe()
        low, high = self.low, self.high
        if low is None or high is None:
            raise RuntimeError("no reading of the feed's connections")
        return low, high


def browser_cpu_seconds(exclude: int) -> dict[int, float]:
    """CPU seconds so far of every process this one started (Playwright's driver, Chromium), but ``exclude``."""
    seconds = {}
    for process in psutil.Process().children(recursive=True):
        if process.pid == exclude:
            continue
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def open_session(browser: Any, url: str, timeout: float, latency_charts: bool) -> Any:
    """A page in a browser context of its own, connected, showing cards, with the watcher installed."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(timeout * 1000)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(CONNECTED)
    page.locator(".nba-card").first.wait_for()
    if not latency_charts:
        page.locator("[data-testid='stSidebar'] label").filter(has_text="Latency charts").first.click()
    page.evaluate(WATCHER)
    return page


def lags(feed_changes: list[float], page_changes: list[float]) -> list[float]:
    """For each feed change, seconds until the page's next change (a change never followed is infinite)."""
    result = []
    for changed in feed_changes:
        following = [t for t in page_changes if t >= changed]
        result.append(min(following) - changed if following else float("inf"))
    return result


def measure(pages: list[Any], process: psutil.Process, monitor: FeedMonitor, seconds: float, max_lag: float) -> Window:
    """CPU and memory, feed connections and per-page updates over ``seconds``."""
    monitor.reset()
    process.cpu_percent(None)
    psutil.cpu_percent(None)
    browser_before = browser_cpu_seconds(process.pid)
    start = time.time()
    time.sleep(seconds)
    end = time.time()
    streamlit_cpu = process.cpu_percent(None)
    machine_cpu = psutil.cpu_percent(None)
    browser_after = browser_cpu_seconds(process.pid)
    browser_cpu = 100.0 * sum(
        max(0.0, used - browser_before.get(pid, 0.0)) for pid, used in browser_after.items()
    ) / (end - start)
    rss = process.memory_info().rss / 2**20
    connections = monitor.span
    time.sleep(max_lag)  # the feed's last changes in the window get their chance to show
    feed_changes = [t for t in monitor.changes if start <= t <= end]
    stats = []
    for page in pages:
        raw = page.evaluate(WINDOW_STATS, [start * 1000.0, end * 1000.0])
        page_lags = lags(feed_changes, [t / 1000.0 for t in raw["changes"]])
        finite = [lag for lag in page_lags if lag != float("inf")]
        stats.append(PageStats(
            changes=sum(1 for t in raw["changes"] if t <= end * 1000.0),
            worst_lag=max(page_lags) if page_lags else None,
            mean_lag=statistics.fmean(finite) if finite else None,
            not_live=int(raw["notLive"]),
            not_live_words=raw["notLiveWords"],
            words=raw["words"],
        ))
    return Window(
        len(pages), streamlit_cpu, browser_cpu, machine_cpu, rss, connections, len(feed_changes), stats,
        render_figures(pages[-1]),
    )


def render_figures(page: Any) -> str | None:
    """What the page's latency section says about its own render time, when it shows it."""
    try:
        text = str(page.get_by_text("Live section render").first.inner_text(timeout=5_000))
    except PlaywrightError:
        return None
    return text.split(":", 1)[-1].strip()


def updating(page: PageStats, max_lag: float) -> bool:
    """Followed every feed change within ``max_lag`` seconds and always said "Live"."""
    return page.worst_lag is not None and page.worst_lag <= max_lag and page.not_live == 0 and page.words == "Live"


def following(page: PageStats) -> bool:
    """Followed every feed change, however late (by the end of the window plus ``--max-lag``), always "Live"."""
    return updating(page, math.inf) and page.worst_lag != math.inf


@dataclass(frozen=True)
class Run:
    """The windows, one per step, and what happened while the sessions were opened."""

    windows: list[Window]
    connections: tuple[int, int]
    """Fewest and most feed connections at any reading, from the first session to the last window."""
    open_seconds: list[float]
    """Seconds each session after the first took to open, in order."""
    open_failure: str | None


def run(args: argparse.Namespace, steps: list[int]) -> Run:
    """Open sessions up to each step in turn; after each, settle and measure a window."""
    simulator = NightSimulator(games=args.games, seed=args.seed, speed=args.speed)
    server = ScriptedFeed(simulator, interval=1.0).start()
    charts = args.latency_charts == "on"
    windows: list[Window] = []
    open_seconds: list[float] = []
    failure = None
    try:
        env = {"STREAMLIT_RUNNER_POST_SCRIPT_GC": str(args.post_script_gc == "on").lower()}
        with (
            dashboard_in_chromium(server.url, **env) as (dashboard, browser),
            FeedMonitor(server, simulator) as monitor,
        ):
            process = psutil.Process(dashboard.process.pid)
            pages = [open_session(browser, dashboard.url, args.open_timeout, charts)]
            monitor.overall = None  # count from the moment the first session is open
            for step in steps:
                while len(pages) < step and failure is None:
                    opening = time.monotonic()
                    try:
                        pages.append(open_session(browser, dashboard.url, args.open_timeout, charts))
                    except PlaywrightError as error:
                        failure = f"session {len(pages) + 1} did not open: {str(error).splitlines()[0]}"
                        print(failure, file=sys.stderr)
                        break
                    open_seconds.append(time.monotonic() - opening)
                    print(f"  session {len(pages)} open in {open_seconds[-1]:.1f} s", file=sys.stderr)
                print(f"{len(pages)} sessions open; settling {args.settle:g} s, then measuring "
                      f"{args.window:g} s", file=sys.stderr)
                time.sleep(args.settle)
                windows.append(measure(pages, process, monitor, args.window, args.max_lag))
                if failure is not None:
                    break
            connections = monitor.overall or (0, 0)
    finally:
        server.stop()
    return Run(windows, connections, open_seconds, failure)


def report(args: argparse.Namespace, result: Run) -> None:
    windows = result.windows
    first, last = windows[0], windows[-1]
    print(f"# fanout: {last.sessions} of {args.sessions} browser sessions on one `streamlit run dashboard.py`, "
          f"{args.window:g} s windows, latency charts {args.latency_charts}, runner.postScriptGC {args.post_script_gc}")
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print("| sessions | feed connections (min–max) | pages updating | feed changes | page changes (min / median) "
          "| lag behind the feed: mean / worst page | Streamlit CPU | CPU per session | Streamlit RSS "
          "| RSS per session | page's own render p50 | browser CPU | machine CPU |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for window in windows:
        ok = sum(updating(p, args.max_lag) for p in window.pages)
        changes = [p.changes for p in window.pages]
        means = [p.mean_lag for p in window.pages if p.mean_lag is not None]
        worst = max((p.worst_lag for p in window.pages if p.worst_lag is not None), default=None)
        lag = (f"{statistics.fmean(means):.2f} s" if means else "–") + " / " + (
            "–" if worst is None else "never" if worst == float("inf") else f"{worst:.2f} s")
        render = "–" if window.render is None else window.render.split("·")[0].replace("p50", "").strip()
        low, high = window.feed_connections
        print(f"| {window.sessions} | {low}–{high} | {ok}/{window.sessions} | {window.feed_changes} | {min(changes)} / "
              f"{statistics.median(changes):g} | {lag} | {window.streamlit_cpu:.1f} % | "
              f"{window.streamlit_cpu / window.sessions:.1f} % | {window.rss_mb:.0f} MB | "
              f"{window.rss_mb / window.sessions:.1f} MB | {render} | {window.browser_cpu:.0f} % | "
              f"{window.machine_cpu:.0f} % |")
    print()
    if last.sessions > first.sessions:
        extra = last.sessions - first.sessions
        print(f"Marginal cost of a session (from {first.sessions} to {last.sessions}): "
              f"{(last.streamlit_cpu - first.streamlit_cpu) / extra:.2f} % of a core in the Streamlit process, "
              f"{(last.rss_mb - first.rss_mb) / extra:.1f} MB of its RSS, "
              f"{(last.browser_cpu - first.browser_cpu) / extra:.0f} % of a core in the browser.")
    if result.open_seconds:
        print(f"Opening the sessions after the first, one after another, took {sum(result.open_seconds):.0f} s "
              f"(each {statistics.median(result.open_seconds):.1f} s median, {max(result.open_seconds):.1f} s max).")
    if result.open_failure:
        print(f"Opening stopped: {result.open_failure}.")
    print()
    everyone = last.sessions == args.sessions and all(updating(p, args.max_lag) for p in last.pages)
    all_follow = last.sessions == args.sessions and all(following(p) for p in last.pages)
    print("| goal | result | met |")
    print("|---|---|---|")
    print(f"| exactly one WebSocket connection at the feed while sessions are open | "
          f"{result.connections[0]}–{result.connections[1]} at every reading (every 50 ms) from the first session "
          f"to the end | {'yes' if result.connections == (1, 1) else 'NO'} |")
    print(f"| all {args.sessions} sessions updating: every feed change shown on every page, header always \"Live\" "
          f"| {sum(following(p) for p in last.pages)}/{args.sessions} (with {last.sessions} open) "
          f"| {'yes' if all_follow else 'NO'} |")
    print(f"| ... and each change shown within {args.max_lag:g} s "
          f"| {sum(updating(p, args.max_lag) for p in last.pages)}/{args.sessions} (with {last.sessions} open) "
          f"| {'yes' if everyone else 'NO'} |")
    for index, page in enumerate(last.pages):
        if not updating(page, args.max_lag):
            page_worst = ("–" if page.worst_lag is None else "never" if page.worst_lag == float("inf")
                          else f"{page.worst_lag:.2f} s")
            print(f"| page {index + 1} | {page.changes} changes, worst lag {page_worst}, header {page.words!r}, "
                  f"{page.not_live} non-Live readings ({page.not_live_words!r}) | NO |")
    print()
    print("One Chromium, one browser context per session (its own cookies: a separate viewer), 1280×800. "
          "CPU is over the window from psutil (100 % = one core): the Streamlit process; the browser (every "
          "process this script started but Streamlit: Chromium and the Playwright driver); the machine, all "
          "cores together (100 % = all busy). A page's changes are distinct texts of its cards' scores and "
          "clocks, seen by a MutationObserver; a feed change is a change in the simulator's games (read every "
          "50 ms); a page's lag is the time from each feed change to the page's next change (\"never\": a feed "
          "change the page had not shown 3 s after the window). The page's own render p50 is what the newest "
          "page's latency section says about its live fragment's run time. The simulated night "
          f"(seed {args.seed}) has live games from the first second.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=20, help="browser sessions on the one Streamlit process")
    parser.add_argument("--window", type=float, default=30.0, help="seconds each measuring window lasts")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after opening before measuring")
    parser.add_argument("--max-lag", type=float, default=3.0,
                        help="longest a page may take to show a change of the feed, s")
    parser.add_argument("--open-timeout", type=float, default=120.0, help="seconds one session may take to open")
    parser.add_argument("--latency-charts", choices=("on", "off"), default="on",
                        help="the sidebar's 'Latency charts' toggle in every session (on is the page's default)")
    parser.add_argument("--games", type=int, default=8, help="games in the simulated night")
    parser.add_argument("--speed", type=float, default=24.0, help="game seconds per real second")
    parser.add_argument("--post-script-gc", choices=("on", "off"), default="off",
                        help="Streamlit's runner.postScriptGC (off as in .streamlit/config.toml; on is Streamlit's "
                             "default: a full gc.collect after every run)")
    parser.add_argument("--seed", type=int, default=7, help="the simulated night")
    parser.add_argument("--steps", default=None,
                        help="session counts to measure at, e.g. 1,5,10,15,20 (default: 1 and --sessions)")
    args = parser.parse_args()
    if args.sessions < 2:
        parser.error("--sessions must be at least 2 (one is the baseline)")
    try:
        steps = sorted({int(step) for step in args.steps.split(",")} | {args.sessions}) if args.steps else [1]
    except ValueError:
        parser.error("--steps takes session counts separated by commas")
    steps = sorted(set(steps) | {args.sessions})
    if steps[0] < 1 or steps[-1] > args.sessions:
        parser.error("--steps must lie between 1 and --sessions")
    report(args, run(args, steps))


if __name__ == "__main__":
    main()
