"""The feed server's limits as plain values: their checks, the frame-rate bucket."""

from __future__ import annotations

import pytest

from lib.feed.limits import FeedLimits, FrameRate


@pytest.mark.parametrize("field", ["max_message_bytes", "frames_per_second", "handshake_timeout", "send_timeout"])
@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf")])
def test_a_limit_must_be_a_positive_finite_number(field: str, value: float) -> None:
    """Zero, negative, NaN or infinite limits are refused with a ValueError naming the field."""
    with pytest.raises(ValueError, match=field):
        FeedLimits(**{field: value})


def test_the_bucket_admits_a_burst_then_the_rate() -> None:
    """A full bucket admits `burst` frames at once, then one per 1/rate seconds, never more than `burst` saved up."""
    rate = FrameRate(rate=10, burst=3, now=0.0)
    assert [rate.admit(0.0) for _ in range(4)] == [True, True, True, False]
    assert rate.admit(0.05) is False  # half a token
    assert rate.admit(0.1) is True
    assert rate.admit(0.1) is False
    assert [rate.admit(100.0) for _ in range(4)] == [True, True, True, False]  # a long pause saves up `burst`, no more


def test_a_refused_frame_costs_nothing() -> None:
    """Frames over the rate do not push the next admission further away."""
    rate = FrameRate(rate=1, burst=1, now=0.0)
    assert rate.admit(0.0) is True
    assert not any(rate.admit(0.5) for _ in range(100))
    assert rate.admit(1.0) is True
