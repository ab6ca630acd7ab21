"""The shared Streamlit process under anonymous viewers: a real ``streamlit run dashboard.py``,
viewers speaking Streamlit's own protocol (:mod:`harness.viewer`), as a crafted client can."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from harness.browser import Dashboard
from harness.feed import ScriptedFeed
from harness.viewer import Viewer
from harness.waiting import wait_until
from lib.feed.limits import FeedLimits
from lib.feed.sources.night import NightSimulator


@pytest.fixture
def strict_feed() -> Iterator[ScriptedFeed]:
    """A simulated night from a feed server that closes a client past 5 frames a second (after 10 at once)."""
    night = NightSimulator(games=4, seed=3, speed=24)
    with ScriptedFeed(night, interval=1.0, limits=FeedLimits(frames_per_second=5, frame_burst=10)) as server:
        yield server


async def viewers(url: str, count: int) -> list[Viewer]:
    """``count`` viewers with the page open."""
    opened = [Viewer(url) for _ in range(count)]
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
