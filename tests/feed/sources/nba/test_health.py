"""The bridge's upstream health: faults by kind, the last good poll, a backoff that caps, then resets."""

from __future__ import annotations

import random

from lib.feed.sources.nba.health import UpstreamHealth
from lib.protocol import MAX_FAULT_KINDS


def test_a_good_poll_is_due_again_after_the_poll_interval() -> None:
    """All well: state ok, the last success recorded, the next poll one interval on."""
    health = UpstreamHealth("nba", 5.0)
    assert health.succeeded(100.0) == 105.0
    status = health.status()
    assert (status.source, status.state, status.last_success, status.error, status.poll_seconds) == (
        "nba",
        "ok",
        100.0,
        None,
        5.0,
    )


def test_failures_back_off_with_jitter_up_to_the_cap_and_recover_at_once() -> None:
    """Waits grow from the poll interval, never past 15 s, and return to the interval after one good poll."""
    health = UpstreamHealth("nba", 5.0, rng=random.Random(1))
    waits = [health.failed("http_403", "HTTP 403", 100.0) - 100.0 for _ in range(8)]
    assert 4.0 <= waits[0] <= 6.0
    assert waits[2] > waits[0]
    assert max(waits) <= 15.0
    assert waits[-1] >= 12.0
    assert health.succeeded(200.0) == 205.0


def test_a_failing_run_reports_since_when_and_why_until_the_next_success() -> None:
    """failing_since is the first failure of the run, the error the latest; a success clears both."""
    health = UpstreamHealth("nba", 5.0)
    health.succeeded(10.0)
    health.failed("timeout", "timed out", 20.0)
    health.failed("http_403", "HTTP 403", 30.0)
    status = health.status()
    assert (status.state, status.failing_since, status.error, status.last_success) == (
        "failing",
        20.0,
        "HTTP 403",
        10.0,
    )
    assert status.faults == {"timeout": 1, "http_403": 1}
    health.succeeded(40.0)
    status = health.status()
    assert (status.state, status.failing_since, status.error) == ("ok", None, None)
    assert status.faults == {"timeout": 1, "http_403": 1}


def test_throttling_backs_off_without_reporting_a_failure() -> None:
    """A 429 on a play-by-play slows the next poll but the scoreboard was reached: state stays ok."""
    health = UpstreamHealth("nba", 5.0, rng=random.Random(2))
    health.succeeded(0.0)
    health.count("http_429")
    assert health.throttled(0.0) >= 4.0
    assert health.throttled(0.0) >= 8.0
    assert health.status().state == "ok"


def test_fault_kinds_are_bounded() -> None:
    """Past the protocol's limit of kinds, new kinds are not added (known ones still count)."""
    health = UpstreamHealth("nba", 5.0)
    for code in range(MAX_FAULT_KINDS + 10):
        health.count(f"http_{code}")
    health.count("http_0")
    faults = health.status().faults
    assert len(faults) == MAX_FAULT_KINDS
    assert faults["http_0"] == 2
