"""GETs of the NBA's files over real HTTP on loopback: browser-like headers, each failure named by its kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.cdn import CELTICS, KNICKS, CdnNight, CdnStandIn
from harness.ports import free_port
from lib.feed.sources.nba.fetch import CdnFetcher, UpstreamFault

BOARD = "scoreboard/todaysScoreboard_00.json"


@pytest.fixture
def cdn() -> Iterator[CdnStandIn]:
    night = CdnNight()
    night.add("0022600301", CELTICS, KNICKS)
    with CdnStandIn(night, stall=10.0) as stand_in:
        yield stand_in


@pytest.fixture
def fetcher(cdn: CdnStandIn) -> Iterator[CdnFetcher]:
    fetcher = CdnFetcher(cdn.base_url, timeout=1.0)
    yield fetcher
    fetcher.close()


def test_a_file_is_fetched_with_the_headers_the_cdn_requires(cdn: CdnStandIn, fetcher: CdnFetcher) -> None:
    """The stand-in, like the CDN, refuses requests without a browser Referer and User-Agent: ours get through."""
    payload = fetcher.get(BOARD)
    assert isinstance(payload, dict)
    assert payload["scoreboard"]["games"][0]["gameId"] == "0022600301"
    assert (cdn.refused_headers, fetcher.requests) == (0, 1)
    assert fetcher.received_bytes > 1000


def test_the_connection_is_reused_between_requests(cdn: CdnStandIn, fetcher: CdnFetcher) -> None:
    """Several requests go over one kept-alive connection."""
    for _ in range(5):
        fetcher.get(BOARD)
    assert len(cdn.clients) == 1


@pytest.mark.parametrize(
    ("fault", "kind", "words"),
    [
        ("403", "http_403", "HTTP 403"),
        ("404", "http_404", "HTTP 404"),
        ("429", "http_429", "HTTP 429"),
        ("500", "http_500", "HTTP 500"),
        ("503", "http_503", "HTTP 503"),
        ("timeout", "timeout", "timed out"),
        ("truncated", "truncated", "cut off"),
        ("cut_json", "invalid_json", "not JSON"),
        ("garbage", "invalid_json", "not JSON"),
        ("reset", "truncated", "cut off"),
    ],
)
def test_each_failure_is_an_upstream_fault_of_its_kind(
    cdn: CdnStandIn, fetcher: CdnFetcher, fault: str, kind: str, words: str
) -> None:
    """Status codes, a stall past the timeout, a cut-off body, broken JSON, a reset: a fault named by kind."""
    cdn.fail("scoreboard", fault)
    with pytest.raises(UpstreamFault, match=words) as caught:
        fetcher.get(BOARD)
    assert caught.value.kind == kind
    assert isinstance(fetcher.get(BOARD), dict)  # and the next request works


def test_throttling_is_429_and_5xx_only() -> None:
    """The CDN asks to slow down with 429 or a 5xx; a 403 or a timeout is not that."""
    assert UpstreamFault("http_429", "").throttling
    assert UpstreamFault("http_503", "").throttling
    assert not UpstreamFault("http_403", "").throttling
    assert not UpstreamFault("timeout", "").throttling


def test_an_oversized_answer_is_refused_without_keeping_it(cdn: CdnStandIn) -> None:
    """An answer over the size limit is a too_large fault."""
    small = CdnFetcher(cdn.base_url, max_bytes=100)
    try:
        with pytest.raises(UpstreamFault, match="bytes") as caught:
            small.get(BOARD)
        assert caught.value.kind == "too_large"
    finally:
        small.close()


def test_a_server_that_is_not_there_is_a_connection_fault() -> None:
    """Nothing listening: a connection fault saying so."""
    fetcher = CdnFetcher(f"http://127.0.0.1:{free_port()}/static/json/liveData", timeout=1.0)
    try:
        with pytest.raises(UpstreamFault, match="refused") as caught:
            fetcher.get(BOARD)
        assert caught.value.kind == "connection"
    finally:
        fetcher.close()


@pytest.mark.parametrize("url", ["ftp://cdn.nba.com/x", "cdn.nba.com", "http://"])
def test_a_base_url_that_is_not_http_is_refused_at_construction(url: str) -> None:
    """Only http:// and https:// URLs with a host: a ValueError naming the setting."""
    with pytest.raises(ValueError, match="NBA base URL"):
        CdnFetcher(url)
