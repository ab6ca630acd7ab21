"""The shared Streamlit process under anonymous viewers: a real ``streamlit run dashboard.py``,
viewers speaking Streamlit's own protocol (:mod:`harness.viewer`), as a crafted client can."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Iterator

import pytest

from harness.browser import Dashboard
from harness.feed import ScriptedFeed
from harness.viewer import Viewer
from harness.waiting import wait_until
from lib.feed.limits import FeedLimits
from lib.feed.sources.night import NightSimulator
from lib.pacing import DEFAULT_REFRESH, REFRESHES_AT_ONCE
from lib.views.exports import DOWNLOAD_INTERVAL, DOWNLOADS_AT_ONCE


@pytest.fixture
def strict_feed() -> Iterator[ScriptedFeed]:
    """A simulated night from a feed server that closes a client past 5 frames a second (after 10 at once)."""
    night = NightSimulator(games=4, seed=3, speed=24)
    with ScriptedFeed(night, interval=1.0, limits=FeedLimits(frames_per_second=5, frame_burst=10)) as server:
        yield server


async def viewers(url: str, count: int, *, follow_timers: bool = True) -> list[Viewer]:
    """``count`` viewers with the page open (``follow_timers``: refreshing as their browsers would)."""
    opened = [Viewer(url, follow_timers=follow_timers) for _ in range(count)]
    for viewer in opened:
        await viewer.open()
    for viewer in opened:
        await wait_until(lambda v=viewer: v.page_loaded_at is not None, 30, "the page")  # type: ignore[misc]
    return opened


def test_six_viewers_pressing_send_test_ping_leave_the_shared_connection_open(strict_feed: ScriptedFeed) -> None:
    """Six sessions press "Send test ping" four times a second each: the feed never closes the page's one connection."""
    dashboard = Dashboard(strict_feed.url)
    try:

        async def attack() -> None:
            crowd = await viewers(dashboard.url, 6)
            await wait_until(lambda: strict_feed.client_count == 1, 30, "the page's feed connection")
            for _ in range(16):  # four seconds, longer than the client's first reconnect would take
                await asyncio.gather(*(viewer.press("Send test ping") for viewer in crowd))
                assert strict_feed.client_count == 1
                await asyncio.sleep(0.25)
            for viewer in crowd:
                await viewer.close()

        asyncio.run(attack())
        assert strict_feed.accepted == 1
    finally:
        dashboard.stop()


@pytest.fixture
def dashboard(strict_feed: ScriptedFeed) -> Iterator[Dashboard]:
    """``streamlit run dashboard.py`` showing the strict feed's night."""
    page = Dashboard(strict_feed.url)
    yield page
    page.stop()


async def on_data_tab(url: str) -> Viewer:
    """A viewer with the Data tab open and its download buttons known."""
    (viewer,) = await viewers(url, 1)
    viewer.set_widget("tabs", string_value="⬇️ Data")
    await viewer.rerun()
    await wait_until(lambda: ("score-history", "CSV") in viewer.downloads, 30, "the download buttons")
    return viewer


def test_two_hundred_download_requests_get_a_few_copies_of_one_shared_file(dashboard: Dashboard) -> None:
    """200 requests for the score changes at once: a budget's worth are served, all the same file; the rest refused."""

    async def flood() -> tuple[list[str], list[str], str]:
        viewer = await on_data_tab(dashboard.url)
        file_id = viewer.downloads[("score-history", "CSV")].deferred_file_id
        started = time.monotonic()
        answers = await asyncio.wait_for(asyncio.gather(*await viewer.request_downloads([file_id] * 200)), 60)
        elapsed = time.monotonic() - started
        await viewer.close()
        urls = [answer.deferred_file.url for answer in answers if not answer.error_msg]
        assert len(urls) <= DOWNLOADS_AT_ONCE + elapsed / DOWNLOAD_INTERVAL + 1
        later = await on_data_tab(dashboard.url)  # another viewer, after the first left
        (answer,) = await asyncio.gather(
            *await later.request_downloads([later.downloads[("score-history", "CSV")].deferred_file_id])
        )
        await later.close()
        return urls, [answer.error_msg for answer in answers if answer.error_msg], answer.deferred_file.url

    urls, refusals, later_url = asyncio.run(flood())
    assert len(urls) >= DOWNLOADS_AT_ONCE
    assert len(urls) + len(refusals) == 200
    assert set(urls) == {later_url}  # one file, the same bytes for everyone: built once
    with urllib.request.urlopen(dashboard.url.rstrip("/") + later_url, timeout=10) as response:
        assert response.read().startswith(b"game_id,")
    assert "Traceback" not in dashboard.output()


def test_viewers_asking_for_a_refresh_every_50_ms_get_one_an_interval(dashboard: Dashboard) -> None:
    """Three crafted clients ask for their live section 20 times a second: each gets about one run a second."""

    async def crafted() -> tuple[list[int], float]:
        crowd = await viewers(dashboard.url, 3, follow_timers=False)
        started = time.monotonic()
        while time.monotonic() - started < 5:
            for viewer in crowd:
                (fragment,) = viewer.timers
                await viewer.rerun(fragment, auto=True)
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        runs = [sum(run.at >= started for run in viewer.runs) for viewer in crowd]
        for viewer in crowd:
            await viewer.close()
        return runs, elapsed

    runs, elapsed = asyncio.run(crafted())
    # Unpaced, each took a run every 50 to 150 ms: about 50 in the five seconds.
    assert all(1 <= count <= REFRESHES_AT_ONCE + elapsed / DEFAULT_REFRESH + 1 for count in runs), runs


def test_a_crafted_refresh_interval_below_the_sliders_floor_is_not_taken(dashboard: Dashboard) -> None:
    """A widget message with 0.05 s for the slider leaves the page's timer at 1 s; 5 s, within bounds, is taken."""

    async def crafted() -> list[float]:
        (viewer,) = await viewers(dashboard.url, 1)
        intervals = []
        for value in (0.05, 5.0):
            viewer.set_widget("Refresh every (seconds)", double_array_value={"data": [value]})
            finished = len(viewer.runs)
            await viewer.rerun()
            await wait_until(lambda v=viewer, n=finished: any(r.status == 0 for r in v.runs[n:]), 30, "the run")
            (interval,) = viewer.timers.values()
            intervals.append(interval)
        await viewer.close()
        return intervals

    assert asyncio.run(crafted()) == [DEFAULT_REFRESH, 5.0]
