"""Fan-out: many sessions on one Streamlit process share one feed connection, and keep refreshing.

Two modes. By default, browser sessions in Chromium (below). With ``--ramp 1,5,10,20,36,50``,
the session ramp: sessions are :class:`~harness.viewer.Viewer` objects speaking Streamlit's own
protocol from one event loop in this process (a browser's frontend, without its rendering, so
that fifty of them measure the server and not Chromium); after each step it settles
``--settle`` seconds and measures ``--window`` seconds: refreshes finished per second, each
session's longest wait between two refreshes, the interval the server set, how many pages said
the server is busy, Streamlit's CPU and memory, then how long a newcomer's page takes (on the
server, and with ``--browser-newcomer`` in a fresh Chromium page too). ``--crafted 3`` first
measures three crafted clients alone, each asking for a refresh every 50 ms; ``--chosen-refresh
0.5`` has every viewer set the page's slider; ``--app-root DIR`` runs another checkout's
``dashboard.py`` (the before of a before and after). Goals: with the last step's sessions (50),
every session refreshes at least every 5 s, and a newcomer's page completes within 3 s.

The browser mode:

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
import asyncio
import itertools
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
from playwright.async_api import Error as AsyncPlaywrightError
from playwright.async_api import async_playwright
from playwright.sync_api import Error as PlaywrightError

from bench.common import add_post_script_gc, command, machine
from harness.browser import CHROMIUM, CHROMIUM_FLAGS, CONNECTED, ROOT, Dashboard, dashboard_in_chromium
from harness.feed import ScriptedFeed
from harness.viewer import FINISHED_FRAGMENT, FINISHED_PAGE, Viewer
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
        self.overall = (
            (count, count) if self.overall is None else (min(self.overall[0], count), max(self.overall[1], count))
        )
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
    browser_cpu = (
        100.0
        * sum(max(0.0, used - browser_before.get(pid, 0.0)) for pid, used in browser_after.items())
        / (end - start)
    )
    rss = process.memory_info().rss / 2**20
    connections = monitor.span
    time.sleep(max_lag)  # the feed's last changes in the window get their chance to show
    feed_changes = [t for t in monitor.changes if start <= t <= end]
    stats = []
    for page in pages:
        raw = page.evaluate(WINDOW_STATS, [start * 1000.0, end * 1000.0])
        page_lags = lags(feed_changes, [t / 1000.0 for t in raw["changes"]])
        finite = [lag for lag in page_lags if lag != float("inf")]
        stats.append(
            PageStats(
                changes=sum(1 for t in raw["changes"] if t <= end * 1000.0),
                worst_lag=max(page_lags) if page_lags else None,
                mean_lag=statistics.fmean(finite) if finite else None,
                not_live=int(raw["notLive"]),
                not_live_words=raw["notLiveWords"],
                words=raw["words"],
            )
        )
    return Window(
        len(pages),
        streamlit_cpu,
        browser_cpu,
        machine_cpu,
        rss,
        connections,
        len(feed_changes),
        stats,
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
                print(
                    f"{len(pages)} sessions open; settling {args.settle:g} s, then measuring {args.window:g} s",
                    file=sys.stderr,
                )
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
    print(
        f"# fanout: {last.sessions} of {args.sessions} browser sessions on one `streamlit run dashboard.py`, "
        f"{args.window:g} s windows, latency charts {args.latency_charts}, runner.postScriptGC {args.post_script_gc}"
    )
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print(
        "| sessions | feed connections (min–max) | pages updating | feed changes | page changes (min / median) "
        "| lag behind the feed: mean / worst page | Streamlit CPU | CPU per session | Streamlit RSS "
        "| RSS per session | page's own render p50 | browser CPU | machine CPU |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for window in windows:
        ok = sum(updating(p, args.max_lag) for p in window.pages)
        changes = [p.changes for p in window.pages]
        means = [p.mean_lag for p in window.pages if p.mean_lag is not None]
        worst = max((p.worst_lag for p in window.pages if p.worst_lag is not None), default=None)
        lag = (
            (f"{statistics.fmean(means):.2f} s" if means else "–")
            + " / "
            + ("–" if worst is None else "never" if worst == float("inf") else f"{worst:.2f} s")
        )
        render = "–" if window.render is None else window.render.split("·")[0].replace("p50", "").strip()
        low, high = window.feed_connections
        print(
            f"| {window.sessions} | {low}–{high} | {ok}/{window.sessions} | {window.feed_changes} | {min(changes)} / "
            f"{statistics.median(changes):g} | {lag} | {window.streamlit_cpu:.1f} % | "
            f"{window.streamlit_cpu / window.sessions:.1f} % | {window.rss_mb:.0f} MB | "
            f"{window.rss_mb / window.sessions:.1f} MB | {render} | {window.browser_cpu:.0f} % | "
            f"{window.machine_cpu:.0f} % |"
        )
    print()
    if last.sessions > first.sessions:
        extra = last.sessions - first.sessions
        print(
            f"Marginal cost of a session (from {first.sessions} to {last.sessions}): "
            f"{(last.streamlit_cpu - first.streamlit_cpu) / extra:.2f} % of a core in the Streamlit process, "
            f"{(last.rss_mb - first.rss_mb) / extra:.1f} MB of its RSS, "
            f"{(last.browser_cpu - first.browser_cpu) / extra:.0f} % of a core in the browser."
        )
    if result.open_seconds:
        print(
            f"Opening the sessions after the first, one after another, took {sum(result.open_seconds):.0f} s "
            f"(each {statistics.median(result.open_seconds):.1f} s median, {max(result.open_seconds):.1f} s max)."
        )
    if result.open_failure:
        print(f"Opening stopped: {result.open_failure}.")
    print()
    everyone = last.sessions == args.sessions and all(updating(p, args.max_lag) for p in last.pages)
    all_follow = last.sessions == args.sessions and all(following(p) for p in last.pages)
    print("| goal | result | met |")
    print("|---|---|---|")
    print(
        f"| exactly one WebSocket connection at the feed while sessions are open | "
        f"{result.connections[0]}–{result.connections[1]} at every reading (every 50 ms) from the first session "
        f"to the end | {'yes' if result.connections == (1, 1) else 'NO'} |"
    )
    print(
        f'| all {args.sessions} sessions updating: every feed change shown on every page, header always "Live" '
        f"| {sum(following(p) for p in last.pages)}/{args.sessions} (with {last.sessions} open) "
        f"| {'yes' if all_follow else 'NO'} |"
    )
    print(
        f"| ... and each change shown within {args.max_lag:g} s "
        f"| {sum(updating(p, args.max_lag) for p in last.pages)}/{args.sessions} (with {last.sessions} open) "
        f"| {'yes' if everyone else 'NO'} |"
    )
    for index, page in enumerate(last.pages):
        if not updating(page, args.max_lag):
            page_worst = (
                "–"
                if page.worst_lag is None
                else "never"
                if page.worst_lag == float("inf")
                else f"{page.worst_lag:.2f} s"
            )
            print(
                f"| page {index + 1} | {page.changes} changes, worst lag {page_worst}, header {page.words!r}, "
                f"{page.not_live} non-Live readings ({page.not_live_words!r}) | NO |"
            )
    print()
    print(
        "One Chromium, one browser context per session (its own cookies: a separate viewer), 1280×800. "
        "CPU is over the window from psutil (100 % = one core): the Streamlit process; the browser (every "
        "process this script started but Streamlit: Chromium and the Playwright driver); the machine, all "
        "cores together (100 % = all busy). A page's changes are distinct texts of its cards' scores and "
        "clocks, seen by a MutationObserver; a feed change is a change in the simulator's games (read every "
        "50 ms); a page's lag is the time from each feed change to the page's next change (\"never\": a feed "
        "change the page had not shown 3 s after the window). The page's own render p50 is what the newest "
        "page's latency section says about its live fragment's run time. The simulated night "
        f"(seed {args.seed}) has live games from the first second."
    )


# -- the session ramp: viewers over Streamlit's own protocol -------------------------------------

NEWCOMER_TIMEOUT = 60.0
"""Seconds a newcomer's page may take before the ramp counts it as never loading."""


@dataclass(frozen=True)
class RampStep:
    """One step of the ramp: ``sessions`` viewers refreshing, measured over a window."""

    sessions: int
    opened: list[float | None]
    """Seconds each viewer opened in this step took to complete its page (``None``: not within the timeout)."""
    streamlit_cpu: float
    bench_cpu: float
    """This process: the viewers, the feed server, the browser's driver."""
    machine_cpu: float
    rss_mb: float
    refreshes: float
    """Refreshes the server finished per second, all sessions together."""
    worst_gap: float
    """The longest any session waited between two refreshes in the window (its edges count)."""
    median_gap: float
    """The median over sessions of each one's longest wait."""
    interval: float
    """The longest refresh interval the server set a session's timer to."""
    degraded: int
    """Sessions whose page said it refreshes less often than chosen."""
    newcomer: float | None
    """Seconds from a new viewer's connection to its complete page, after the window."""
    browser_newcomer: float | None
    """Seconds from a new Chromium page's navigation to its first game card, after the window."""
    render: str | None


def longest_wait(viewer: Viewer, start: float, end: float) -> float:
    """The longest a viewer went without a refresh between ``start`` and ``end`` (monotonic seconds)."""
    refreshed = (FINISHED_PAGE, FINISHED_FRAGMENT)
    times = [run.at for run in viewer.runs if start <= run.at <= end and run.status in refreshed]
    edges = [start, *times, end]
    return max(later - earlier for earlier, later in itertools.pairwise(edges))


async def open_viewer(url: str, timeout: float = NEWCOMER_TIMEOUT) -> tuple[Viewer, float | None]:
    """A viewer with the page open, and the seconds its page took to complete (``None``: not within ``timeout``)."""
    viewer = Viewer(url)
    await viewer.open()
    deadline = time.monotonic() + timeout
    while viewer.page_loaded_at is None and time.monotonic() < deadline and not viewer.closed:
        await asyncio.sleep(0.01)
    if viewer.page_loaded_at is None or viewer.opened_at is None:
        return viewer, None
    return viewer, viewer.page_loaded_at - viewer.opened_at


async def browser_newcomer(browser: Any, url: str) -> float | None:
    """Seconds for a Chromium page to show its first game card (``None``: not within the timeout)."""
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        started = time.monotonic()
        await page.goto(url, wait_until="domcontentloaded")
        await page.locator(".nba-card").first.wait_for(timeout=NEWCOMER_TIMEOUT * 1000)
        return time.monotonic() - started
    except AsyncPlaywrightError:
        return None
    finally:
        await page.close()


async def measure_step(
    args: argparse.Namespace,
    url: str,
    crowd: list[Viewer],
    opened: list[float | None],
    process: psutil.Process,
    browser: Any,
) -> RampStep:
    """Settle, then measure a window over the open ``crowd``; then time a newcomer."""
    await asyncio.sleep(args.settle)
    process.cpu_percent(None)
    me = psutil.Process()
    me.cpu_percent(None)
    psutil.cpu_percent(None)
    start = time.monotonic()
    await asyncio.sleep(args.window)
    end = time.monotonic()
    streamlit_cpu, bench_cpu, machine_cpu = process.cpu_percent(None), me.cpu_percent(None), psutil.cpu_percent(None)
    rss = process.memory_info().rss / 2**20
    live = [viewer for viewer in crowd if not viewer.closed]
    waits = [longest_wait(viewer, start, end) for viewer in live] or [math.inf]
    refreshes = sum(
        1
        for viewer in live
        for run in viewer.runs
        if start <= run.at <= end and run.status in (FINISHED_PAGE, FINISHED_FRAGMENT)
    )
    render = next((t for t in reversed(live[-1].texts) if t.startswith("Live section render")), None) if live else None
    newcomer, took = await open_viewer(url)
    await newcomer.close()
    in_browser = await browser_newcomer(browser, url) if browser is not None else None
    return RampStep(
        sessions=len(crowd),
        opened=opened,
        streamlit_cpu=streamlit_cpu,
        bench_cpu=bench_cpu,
        machine_cpu=machine_cpu,
        rss_mb=rss,
        refreshes=refreshes / (end - start),
        worst_gap=max(waits),
        median_gap=statistics.median(waits),
        interval=max((interval for viewer in live for interval in viewer.timers.values()), default=math.nan),
        degraded=sum(any("Many viewers right now" in text for text in viewer.texts) for viewer in live),
        newcomer=took,
        browser_newcomer=in_browser,
        render=render,
    )


async def crafted_cost(args: argparse.Namespace, url: str, process: psutil.Process) -> tuple[float, float]:
    """``--crafted`` viewers alone, each asking for a refresh every 50 ms: the server's CPU, and the runs
    each got per second."""
    crowd = [Viewer(url, follow_timers=False) for _ in range(args.crafted)]
    for viewer in crowd:
        await viewer.open()
    while any(not viewer.timers for viewer in crowd):
        await asyncio.sleep(0.05)
    await asyncio.sleep(args.settle)
    process.cpu_percent(None)
    start = time.monotonic()
    while time.monotonic() - start < args.window:
        for viewer in crowd:
            await viewer.rerun(next(iter(viewer.timers)), auto=True)
        await asyncio.sleep(0.05)
    elapsed = time.monotonic() - start
    cpu = process.cpu_percent(None)
    runs = sum(1 for viewer in crowd for run in viewer.runs if run.at >= start) / len(crowd) / elapsed
    for viewer in crowd:
        await viewer.close()
    return cpu, runs


async def ramp(args: argparse.Namespace, steps: list[int]) -> tuple[list[RampStep], tuple[float, float] | None]:
    """Open viewers up to each step in turn, measuring after each; then, alone, the crafted clients."""
    simulator = NightSimulator(games=args.games, seed=args.seed, speed=args.speed)
    server = ScriptedFeed(simulator, interval=1.0).start()
    root = Path(args.app_root).resolve() if args.app_root else ROOT
    dashboard = Dashboard(server.url, root=root)
    results: list[RampStep] = []
    crafted = None
    try:
        process = psutil.Process(dashboard.process.pid)
        if args.crafted:
            crafted = await crafted_cost(args, dashboard.url, process)
            print(f"crafted: {crafted[0]:.0f} % of a core, {crafted[1]:.1f} runs/s each", file=sys.stderr)
        async with async_playwright() as playwright:
            browser = None
            if args.browser_newcomer:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            crowd: list[Viewer] = []
            for step in steps:
                opened: list[float | None] = []
                while len(crowd) < step:
                    viewer, took = await open_viewer(dashboard.url)
                    crowd.append(viewer)
                    opened.append(took)
                    if took is None:
                        break
                    if args.chosen_refresh is not None:  # as a viewer moving the slider does
                        viewer.set_widget("Refresh every (seconds)", double_array_value={"data": [args.chosen_refresh]})
                        await viewer.rerun()
                print(
                    f"{len(crowd)} sessions open (slowest page {max((t or math.inf) for t in opened or [0]):.2f} s); "
                    f"settling {args.settle:g} s, then measuring {args.window:g} s",
                    file=sys.stderr,
                )
                results.append(await measure_step(args, dashboard.url, crowd, opened, process, browser))
                print(f"  {results[-1]}", file=sys.stderr)
                if None in opened:
                    break
            for viewer in crowd:
                await viewer.close()
            if browser is not None:
                await browser.close()
    finally:
        dashboard.stop()
        server.stop()
    return results, crafted


def seconds(value: float | None) -> str:
    return "never" if value is None or value == math.inf else f"{value:.2f} s"


def report_ramp(
    args: argparse.Namespace, goal: int, results: list[RampStep], crafted: tuple[float, float] | None
) -> None:
    print(
        f"# fanout ramp: viewers over Streamlit's protocol on one `streamlit run dashboard.py`"
        f"{' (' + args.app_root + ')' if args.app_root else ''}, {args.window:g} s windows"
    )
    print()
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`")
    print()
    print(
        "| sessions | pages opened: median / slowest | refreshes/s (all) | longest wait between refreshes: "
        'median session / worst | interval set | pages saying "many viewers" | Streamlit CPU | Streamlit RSS '
        "| newcomer's page (protocol / Chromium) | page's own render | this process's CPU | machine CPU |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for step in results:
        took = [t for t in step.opened if t is not None]
        opened = (
            "–"
            if not step.opened
            else (
                f"{statistics.median(took):.2f} s / {seconds(max(took) if len(took) == len(step.opened) else None)}"
                if took
                else "never"
            )
        )
        render = "–" if step.render is None else step.render.split(":", 1)[1].split("·")[0].replace("p50", "").strip()
        print(
            f"| {step.sessions} | {opened} | {step.refreshes:.1f} | {seconds(step.median_gap)} / "
            f"{seconds(step.worst_gap)} | {step.interval:g} s | {step.degraded} | {step.streamlit_cpu:.0f} % | "
            f"{step.rss_mb:.0f} MB | {seconds(step.newcomer)} / "
            f"{'–' if not args.browser_newcomer else seconds(step.browser_newcomer)} | {render} | "
            f"{step.bench_cpu:.0f} % | {step.machine_cpu:.0f} % |"
        )
    print()
    if crafted is not None:
        print(
            f"{args.crafted} crafted clients alone, each asking for a refresh every 50 ms for {args.window:g} s: "
            f"the server used {crafted[0]:.0f} % of a core and ran {crafted[1]:.1f} refreshes a second for each."
        )
        print()
    last = results[-1]
    met_refresh = last.sessions == goal and last.worst_gap <= 5.0
    newcomer_ok = (
        last.newcomer is not None
        and last.newcomer <= 3.0
        and (not args.browser_newcomer or (last.browser_newcomer is not None and last.browser_newcomer <= 3.0))
    )
    print("| goal | result | met |")
    print("|---|---|---|")
    print(
        f"| with {goal} sessions, every session refreshes at least every 5 s | {last.sessions} open, "
        f"worst wait {seconds(last.worst_gap)} | {'yes' if met_refresh else 'NO'} |"
    )
    print(
        f"| ... and a newcomer's page completes within 3 s | {seconds(last.newcomer)}"
        f"{'' if not args.browser_newcomer else ' (Chromium: ' + seconds(last.browser_newcomer) + ')'} "
        f"| {'yes' if newcomer_ok else 'NO'} |"
    )
    print()
    print(
        "Each viewer is a `harness.viewer.Viewer`: one WebSocket speaking Streamlit's protocol as the browser's "
        "frontend does (the page's rerun request, then a fragment rerun request at every interval the server "
        "sets), from one event loop in this process, so the browsers' own rendering is not on the machine. A "
        "refresh is a finished run of the live section (a fragment run, or a whole-page run); a session's longest "
        "wait counts the window's edges. A page is complete when its first whole run has finished; the "
        "newcomer opens after the window, with every session still refreshing. CPU from psutil (100 % = one "
        f"core). The simulated night (seed {args.seed}) has live games from the first second."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=20, help="browser sessions on the one Streamlit process")
    parser.add_argument("--window", type=float, default=30.0, help="seconds each measuring window lasts")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after opening before measuring")
    parser.add_argument(
        "--max-lag", type=float, default=3.0, help="longest a page may take to show a change of the feed, s"
    )
    parser.add_argument("--open-timeout", type=float, default=120.0, help="seconds one session may take to open")
    parser.add_argument(
        "--latency-charts",
        choices=("on", "off"),
        default="on",
        help="the sidebar's 'Latency charts' toggle in every session (on is the page's default)",
    )
    parser.add_argument("--games", type=int, default=8, help="games in the simulated night")
    parser.add_argument("--speed", type=float, default=24.0, help="game seconds per real second")
    add_post_script_gc(parser)
    parser.add_argument("--seed", type=int, default=7, help="the simulated night")
    parser.add_argument(
        "--steps", default=None, help="session counts to measure at, e.g. 1,5,10,15,20 (default: 1 and --sessions)"
    )
    parser.add_argument(
        "--ramp",
        default=None,
        help="the session ramp instead of browsers: viewers over Streamlit's protocol, measured at "
        "each of these counts, e.g. 1,5,10,20,36,50",
    )
    parser.add_argument(
        "--crafted",
        type=int,
        default=0,
        help="with --ramp: first measure this many crafted clients alone, each asking for a refresh every 50 ms",
    )
    parser.add_argument(
        "--browser-newcomer",
        action="store_true",
        help="with --ramp: also time a Chromium page opening after each window",
    )
    parser.add_argument(
        "--chosen-refresh",
        type=float,
        default=None,
        help="with --ramp: every viewer sets the page's refresh interval to this, in seconds",
    )
    parser.add_argument(
        "--app-root",
        default=None,
        help="with --ramp: run the dashboard.py of another checkout (for before and after figures)",
    )
    args = parser.parse_args()
    if args.ramp:
        try:
            ramp_steps = sorted({int(step) for step in args.ramp.split(",")})
        except ValueError:
            parser.error("--ramp takes session counts separated by commas")
        results, crafted = asyncio.run(ramp(args, ramp_steps))
        report_ramp(args, ramp_steps[-1], results, crafted)
        return
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
