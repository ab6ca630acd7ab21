"""GETs of the NBA's files over real HTTP on loopback: browser-like headers, bounded in time and size."""

from __future__ import annotations

import gzip
import json
import logging
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest

from harness.cdn import CELTICS, KNICKS, CdnNight, CdnStandIn, Hostile, gzip_bytes, gzip_layers
from harness.ports import free_port
from lib.feed.sources.nba.cdn import SCOREBOARD, CdnShapeError, JsonLimits, Scoreboard
from lib.feed.sources.nba.fetch import CdnFetcher, UpstreamFault

LIMITS = SCOREBOARD.limits
LIMIT = LIMITS.max_bytes
BOMB = 512 * 1024 * 1024
"""What the single-layer bomb inflates to: 512 MiB of zeros in about 500 kB."""


@pytest.fixture
def night() -> CdnNight:
    night = CdnNight()
    night.add("0022600301", CELTICS, KNICKS)
    return night


@pytest.fixture
def cdn(night: CdnNight) -> Iterator[CdnStandIn]:
    with CdnStandIn(night, stall=10.0) as stand_in:
        yield stand_in


@pytest.fixture
def fetcher(cdn: CdnStandIn) -> Iterator[CdnFetcher]:
    fetcher = CdnFetcher(cdn.base_url, timeout=1.0)
    yield fetcher
    fetcher.close()


def board(fetcher: CdnFetcher) -> Scoreboard:
    """The scoreboard, fetched and read as the source reads it."""
    return SCOREBOARD.read_measured(fetcher.get(SCOREBOARD.path, LIMITS))


def test_a_file_is_fetched_with_the_headers_the_cdn_requires(cdn: CdnStandIn, fetcher: CdnFetcher) -> None:
    """The stand-in, like the CDN, refuses requests without a browser Referer and User-Agent: ours get through."""
    assert board(fetcher).games[0].game_id == "0022600301"
    assert (cdn.refused_headers, fetcher.requests) == (0, 1)
    assert fetcher.received_bytes > 1000


def test_the_connection_is_reused_between_requests(cdn: CdnStandIn, fetcher: CdnFetcher) -> None:
    """Several requests go over one kept-alive connection."""
    for _ in range(5):
        board(fetcher)
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
        ("reset", "truncated", "cut off"),
        ("cut_json", "invalid_json", "not JSON"),
        ("garbage", "invalid_json", "not JSON"),
    ],
)
def test_each_failure_is_a_fault_of_its_kind(
    cdn: CdnStandIn, fetcher: CdnFetcher, fault: str, kind: str, words: str
) -> None:
    """Status codes, a stall past the timeout, a cut-off body, a reset, broken JSON: a fault named by kind."""
    cdn.fail("scoreboard", fault)
    with pytest.raises((UpstreamFault, CdnShapeError), match=words) as caught:
        board(fetcher)
    assert getattr(caught.value, "kind", None) == kind
    assert board(fetcher).games  # and the next request works


def test_throttling_is_429_and_5xx_only() -> None:
    """The CDN asks to slow down with 429 or a 5xx; a 403 or a timeout is not that."""
    assert UpstreamFault("http_429", "").throttling
    assert UpstreamFault("http_503", "").throttling
    assert not UpstreamFault("http_403", "").throttling
    assert not UpstreamFault("timeout", "").throttling


def test_an_answer_declared_over_the_cap_is_refused_before_its_body(cdn: CdnStandIn, fetcher: CdnFetcher) -> None:
    """A Content-Length over the file's cap: too_large, the body never read."""
    with pytest.raises(CdnShapeError, match="bytes, more than 100") as caught:
        fetcher.get(SCOREBOARD.path, JsonLimits(max_bytes=100, max_entries=100))
    assert caught.value.kind == "too_large"


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip_bytes),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send it
        ("identity", lambda data: data),
    ],
)
def test_a_compressed_answer_is_read_as_the_cdn_sends_it(
    night: CdnNight, cdn: CdnStandIn, fetcher: CdnFetcher, encoding: str, pack: Callable[[bytes], bytes]
) -> None:
    """gzip (the CDN's), zlib or raw deflate, or none: the same scoreboard."""
    plain = board(fetcher)
    body = pack(json.dumps(night.scoreboard()).encode())
    cdn.fail("scoreboard", Hostile(body, (("Content-Encoding", encoding),)))
    assert board(fetcher) == plain


def test_stacked_compression_is_refused_before_anything_is_inflated(cdn: CdnStandIn, fetcher: CdnFetcher) -> None:
    """``Content-Encoding: gzip, gzip`` on a 2 kB answer inflating to 512 MiB: refused, nothing inflated."""
    bomb = gzip_layers(BOMB, 2)
    assert len(bomb) < 4096
    cdn.fail("scoreboard", Hostile(bomb, (("Content-Encoding", "gzip, gzip"),)))
    tracemalloc.start()
    try:
        with pytest.raises(UpstreamFault, match="compressed 2 times") as caught:
            fetcher.get(SCOREBOARD.path, LIMITS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.kind == "unsupported_encoding"
    assert peak < 1024 * 1024
    assert board(fetcher).games  # the connection pool is still good


def test_a_gzip_bomb_is_stopped_at_the_cap_as_it_inflates(cdn: CdnStandIn, fetcher: CdnFetcher) -> None:
    """One layer of gzip inflating to 512 MiB: too_large once the decoded bytes pass the cap, never more held."""
    bomb = gzip_layers(BOMB, 1)
    cdn.fail("scoreboard", Hostile(bomb, (("Content-Encoding", "gzip"),)))
    tracemalloc.start()
    try:
        with pytest.raises(CdnShapeError, match="more than 1,048,576 bytes") as caught:
            fetcher.get(SCOREBOARD.path, LIMITS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.kind == "too_large"
    assert peak < 4 * LIMIT  # the body up to the cap, a piece and the decoder: not the 512 MiB


@pytest.mark.parametrize(
    ("encoding", "body", "kind"),
    [
        ("br", b"\x1b\x03\x00", "unsupported_encoding"),
        ("gzip, deflate", b"", "unsupported_encoding"),
        ("gzip", b"not gzip at all", "invalid_encoding"),
        ("gzip", gzip.compress(b'{"scoreboard": {}}')[:-12], "invalid_encoding"),
    ],
)
def test_an_encoding_not_asked_for_or_broken_is_a_fault(
    cdn: CdnStandIn, fetcher: CdnFetcher, encoding: str, body: bytes, kind: str
) -> None:
    """Brotli, two layers, bytes that are not gzip, a gzip stream cut short: a fault of its kind."""
    cdn.fail("scoreboard", Hostile(body, (("Content-Encoding", encoding),)))
    with pytest.raises(UpstreamFault) as caught:
        fetcher.get(SCOREBOARD.path, LIMITS)
    assert caught.value.kind == kind


@pytest.mark.parametrize("slow_head", [False, True], ids=["trickled-body", "trickled-headers"])
def test_a_trickle_under_the_read_timeout_is_cut_off_by_the_requests_deadline(
    night: CdnNight, cdn: CdnStandIn, fetcher: CdnFetcher, slow_head: bool
) -> None:
    """A byte every 0.5 s (under the 1 s timeout, each read succeeds): the whole request still ends at 1 s."""
    body = json.dumps(night.scoreboard()).encode()  # at this pace the answer would take half an hour
    cdn.fail("scoreboard", Hostile(body, trickle=0.5, slow_head=slow_head))
    started = time.monotonic()
    with pytest.raises(UpstreamFault, match="timed out") as caught:
        fetcher.get(SCOREBOARD.path, LIMITS)
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 30  # the deadline, not the 30 minutes
    assert board(fetcher).games


def test_a_deadline_already_past_sends_no_request(cdn: CdnStandIn, fetcher: CdnFetcher) -> None:
    """A file whose poll has no time left is a timeout without a request."""
    with pytest.raises(UpstreamFault, match="timed out"):
        fetcher.get(SCOREBOARD.path, LIMITS, deadline=time.monotonic() - 1)
    assert cdn.total_requests() == 0


def test_credentials_in_the_base_url_are_sent_and_never_logged(
    cdn: CdnStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """user:password@ goes as Basic authorization and the query with every file; no log line holds either."""
    url = cdn.base_url.replace("http://", "http://reader:pa55w0rd@") + "?apikey=SECRET1&SECRET7"
    fetcher = CdnFetcher(url, timeout=1.0)
    try:
        with caplog.at_level(logging.DEBUG):
            assert board(fetcher).games
            cdn.fail("scoreboard", "503")
            with pytest.raises(UpstreamFault):
                board(fetcher)
    finally:
        fetcher.close()
    target, authorization = cdn.seen[-1]
    assert target.endswith("/scoreboard/todaysScoreboard_00.json?apikey=SECRET1&SECRET7")
    assert authorization == "Basic cmVhZGVyOnBhNTV3MHJk"  # reader:pa55w0rd
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "SECRET" not in logged
    assert "pa55w0rd" not in logged


def test_a_server_that_is_not_there_is_a_connection_fault() -> None:
    """Nothing listening: a connection fault saying so."""
    fetcher = CdnFetcher(f"http://127.0.0.1:{free_port()}/static/json/liveData", timeout=1.0)
    try:
        with pytest.raises(UpstreamFault, match="refused") as caught:
            fetcher.get(SCOREBOARD.path, LIMITS)
        assert caught.value.kind == "connection"
    finally:
        fetcher.close()


@pytest.mark.parametrize(
    "url",
    ["ftp://cdn.nba.com/x", "cdn.nba.com", "http://", "http://user:SECRET@host:99999/x", "http://h/a b?k=SECRET"],
)
def test_a_base_url_that_cannot_be_fetched_is_refused_at_construction_without_repeating_it(url: str) -> None:
    """Only http(s) URLs with a host, a valid port and no raw spaces: a ValueError naming the setting, not the URL."""
    with pytest.raises(ValueError, match="NBA base URL") as caught:
        CdnFetcher(url)
    assert "SECRET" not in str(caught.value)
