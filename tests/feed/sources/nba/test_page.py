"""What a viewer sees of the NBA upstream: the fault named in the header, no credential anywhere."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from harness.cdn import CELTICS, KNICKS, CdnNight, CdnStandIn, Hostile, tiny_entries
from harness.waiting import wait_for
from tests.feed.sources.nba.test_credentials import SECRETS, with_credentials

DASHBOARD = str(Path(__file__).resolve().parents[4] / "dashboard.py")
GAME = "0022600301"


@pytest.fixture
def cdn() -> Iterator[CdnStandIn]:
    night = CdnNight()
    night.add(GAME, CELTICS, KNICKS)
    night.start(GAME)
    with CdnStandIn(night) as stand_in:
        yield stand_in


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], AppTest]]:
    """The page with the bridge in its process, polling ``base_url`` every second."""
    for name in list(os.environ):
        if name.startswith("FEED_"):
            monkeypatch.delenv(name)

    def make(base_url: str) -> AppTest:
        monkeypatch.setenv("FEED_SOURCE", "nba")
        monkeypatch.setenv("FEED_NBA_BASE_URL", base_url)
        monkeypatch.setenv("FEED_NBA_POLL", "1")
        return AppTest.from_file(DASHBOARD, default_timeout=30)

    st.cache_resource.clear()
    yield make
    st.cache_resource.clear()  # on_release stops the feed


def rerun_until(at: AppTest, shown: str, what: str) -> str:
    """Rerun the page until its text holds ``shown``; the text."""

    def showing() -> str:
        at.run()
        assert not at.exception, at.exception
        parts = [*at.html, *at.markdown, *at.caption, *at.sidebar.caption]
        text = "\n".join(str(element.value) for element in parts).replace("\\", "")  # markdown escapes
        return text if shown in text else ""

    return wait_for(showing, 30, what)


def test_a_scoreboard_of_tiny_entries_is_named_in_the_header_while_the_board_stays(
    cdn: CdnStandIn, page: Callable[[str], AppTest]
) -> None:
    """The CDN turns hostile: the header goes red with what is wrong, the last good board stays."""
    at = page(cdn.base_url)
    rerun_until(at, "Boston Celtics", "the game on the board")
    cdn.fail("scoreboard", Hostile(tiny_entries("scoreboard", 1024 * 1024 - 1024)), times=1000)
    text = rerun_until(at, "NBA live unreachable for", "the fault in the header")
    assert "more than 20,000 entries in one answer" in text
    assert "Boston Celtics" in text


def test_the_sidebar_names_the_cdns_host_and_no_credential(cdn: CdnStandIn, page: Callable[[str], AppTest]) -> None:
    """FEED_NBA_BASE_URL with credentials: the games come (the CDN got them), the page shows none of them."""
    at = page(with_credentials(cdn.base_url))
    text = rerun_until(at, "Boston Celtics", "the game on the board")
    port = cdn.base_url.split(":")[2].split("/")[0]
    assert f"real games from 127.0.0.1:{port}, polled every 1 s" in text
    assert not any(secret in text for secret in SECRETS)
    assert cdn.seen[-1][1] == "Basic cmVhZGVyOnBhNTV3MHJk"  # reader:pa55w0rd, sent to the CDN
