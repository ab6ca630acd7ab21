"""The token bucket every rate in the project uses: a burst, then a steady rate."""

from __future__ import annotations

import threading

import pytest

from lib.rate import SharedBucket, TokenBucket


def test_the_bucket_admits_a_burst_then_the_rate() -> None:
    """A full bucket admits `burst` actions at once, then one per 1/rate seconds, never more than `burst` saved up."""
    bucket = TokenBucket(rate=10, burst=3, now=0.0)
    assert [bucket.admit(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.admit(0.05) is False  # half a token
    assert bucket.admit(0.1) is True
    assert bucket.admit(0.1) is False
    assert [bucket.admit(100.0) for _ in range(4)] == [True, True, True, False]  # a long pause saves up `burst`


def test_a_refused_action_costs_nothing() -> None:
    """Actions over the rate do not push the next admission further away."""
    bucket = TokenBucket(rate=1, burst=1, now=0.0)
    assert bucket.admit(0.0) is True
    assert not any(bucket.admit(0.5) for _ in range(100))
    assert bucket.admit(1.0) is True


def test_wait_says_when_the_next_action_may_happen() -> None:
    """An empty bucket says how long until a token; a cost above the burst waits for a full bucket."""
    bucket = TokenBucket(rate=2, burst=2, now=0.0)
    assert bucket.wait(0.0) == 0.0
    assert bucket.admit(0.0, cost=2)
    assert bucket.wait(0.0) == pytest.approx(0.5)
    assert bucket.wait(0.25) == pytest.approx(0.25)
    assert bucket.wait(0.25, cost=5) == pytest.approx(0.75)


def test_a_new_rate_applies_from_now_and_keeps_the_saved_tokens() -> None:
    """Slowing the rate does not take back tokens already accrued."""
    bucket = TokenBucket(rate=1, burst=5, now=0.0)
    assert bucket.admit(0.0, cost=5)
    bucket.set_rate(0.5, now=2.0)  # two tokens accrued at the old rate
    assert bucket.tokens(2.0) == pytest.approx(2.0)
    assert bucket.tokens(4.0) == pytest.approx(3.0)


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (float("nan"), 1), (float("inf"), 1), (1, 0.5)])
def test_a_bucket_needs_a_positive_rate_and_room_for_one(rate: float, burst: float) -> None:
    """A rate that is not a positive finite number, or a burst below one, is a ValueError."""
    with pytest.raises(ValueError, match=r"rate|burst"):
        TokenBucket(rate, burst, 0.0)


def test_a_shared_bucket_admits_exactly_its_burst_across_threads() -> None:
    """Eight threads asking at the same instant share one budget: exactly `burst` admissions."""
    bucket = SharedBucket(rate=1e-9, burst=100, now=0.0)
    admitted: list[bool] = []
    lock = threading.Lock()

    def ask() -> None:
        for _ in range(50):
            result = bucket.admit(0.0)
            with lock:
                admitted.append(result)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(admitted) == 100
