"""Credentials in the NBA base URL reach the CDN and nobody else: not the page, not the logs, not an error."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cdn import CELTICS, KNICKS, CdnNight, CdnStandIn
from harness.ports import free_port
from harness.waiting import wait_for
from lib.client import FeedClient
from lib.feed.sources.nba import NbaOptions
from lib.store import Store
from tests.conftest import options

ROOT = Path(__file__).resolve().parents[4]
GAME = "0022600301"
SECRETS = ("pa55w0rd", "SECRET1", "SECRET7")


@pytest.fixture
def cdn() -> Iterator[CdnStandIn]:
    night = CdnNight()
    night.add(GAME, CELTICS, KNICKS)
    night.start(GAME)
    with CdnStandIn(night) as stand_in:
        yield stand_in


def with_credentials(base_url: str) -> str:
    """The stand-in's root with a user and password, an API key, and a bare secret in the query."""
    return base_url.replace("http://", "http://reader:pa55w0rd@") + "?apikey=SECRET1&SECRET7"


def test_the_options_show_the_url_without_its_credentials() -> None:
    """shown_url and the repr drop the user and password and mask every query part, the bare one whole."""
    nba = NbaOptions("https://reader:pa55w0rd@cdn.example.com/live?apikey=SECRET1&SECRET7", poll=2.0)
    assert nba.shown_url == "https://cdn.example.com/live?apikey=***&***"
    assert not any(secret in repr(nba) for secret in SECRETS)
    with pytest.raises(ValueError, match="http") as caught:
        NbaOptions("ftp://reader:pa55w0rd@cdn.example.com/?SECRET7")
    assert not any(secret in str(caught.value) for secret in SECRETS)


def test_the_command_line_logs_no_credential(cdn: CdnStandIn) -> None:
    """python -m lib.feed --source nba --nba-base-url with credentials: games served, no secret in its log."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lib.feed",
            "--source",
            "nba",
            "--nba-base-url",
            with_credentials(cdn.base_url),
            "--poll",
            "1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    store = Store()
    # The server takes seconds to start on a busy machine: the client keeps trying until it is up.
    # The server takes seconds to start on a busy machine: the client keeps trying until it is up.
    client = FeedClient(
        f"ws://127.0.0.1:{port}/ws/live", store, options(reconnect_base_delay=0.1, max_reconnect_attempts=None)
    )
    try:
        client.start()
        wait_for(lambda: GAME in store.snapshot().games, timeout=60, what="the game, through the CDN's credentials")
        cdn.fail("scoreboard", "503")
        wait_for(lambda: cdn.pending("scoreboard") == 0, what="a failed poll, logged")
        wait_for(lambda: cdn.requests["scoreboard"] >= 4, what="more polls, logged")
    finally:
        client.stop()
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert "tonight's NBA games from http://127.0.0.1:" in output
    assert "?apikey=***&***" in output
    assert not any(secret in output for secret in SECRETS)
    target, authorization = cdn.seen[-1]
    assert target.endswith("?apikey=SECRET1&SECRET7")
    assert authorization == "Basic cmVhZGVyOnBhNTV3MHJk"
