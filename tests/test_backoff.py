"""The reconnect schedule: doubling, capped, jittered within bounds, giving up when told."""

from __future__ import annotations

import random

import pytest

from lib.backoff import Backoff


def test_delays_double_from_the_base_without_jitter() -> None:
    """With no jitter the delays are base, 2·base, 4·base, ... up to the cap."""
    backoff = Backoff(base_delay=1.0, max_delay=30.0, jitter=0.0)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_jitter_stays_within_its_spread_and_under_the_cap() -> None:
    """Jittered delays stay within ±jitter of nominal and never exceed the cap."""
    backoff = Backoff(base_delay=1.0, max_delay=30.0, jitter=0.2, rng=random.Random(7))
    for attempt in range(1, 40):
        nominal = min(30.0, 2.0 ** (attempt - 1))
        for _ in range(50):
            delay = backoff.delay(attempt)
            assert nominal * 0.8 <= delay <= min(30.0, nominal * 1.2)


def test_jitter_actually_varies() -> None:
    """Two clients do not retry in lockstep: the first delay varies around the base."""
    backoff = Backoff(rng=random.Random(1))
    delays = {backoff.delay(1) for _ in range(20)}
    assert len(delays) > 10
    assert 0.8 <= min(delays) <= max(delays) <= 1.2


def test_huge_attempt_numbers_do_not_overflow() -> None:
    """Attempt 10,000 still gives the cap instead of an OverflowError."""
    assert Backoff(jitter=0.0).delay(10_000) == 30.0


@pytest.mark.parametrize(("limit", "failures", "expected"), [(10, 9, False), (10, 10, True), (None, 10**6, False)])
def test_gives_up_after_max_attempts(limit: int | None, failures: int, expected: bool) -> None:
    """The client gives up after max_attempts failures in a row; None never gives up."""
    assert Backoff(max_attempts=limit).gives_up(failures) is expected


@pytest.mark.parametrize(
    "kwargs",
    [{"base_delay": 0}, {"base_delay": -1}, {"base_delay": 5, "max_delay": 1}, {"max_attempts": 0}, {"jitter": 1.5}],
)
def test_nonsense_settings_are_refused(kwargs: dict[str, float]) -> None:
    """Settings that would make no schedule raise a clear ValueError."""
    with pytest.raises(ValueError, match="must"):
        Backoff(**kwargs)  # type: ignore[arg-type]
