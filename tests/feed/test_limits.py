"""The feed server's limits as plain values, and their checks."""

from __future__ import annotations

import pytest

from lib.feed.limits import FeedLimits


@pytest.mark.parametrize("field", ["max_message_bytes", "frames_per_second", "handshake_timeout", "send_timeout"])
@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf")])
def test_a_limit_must_be_a_positive_finite_number(field: str, value: float) -> None:
    """Zero, negative, NaN or infinite limits are refused with a ValueError naming the field."""
    with pytest.raises(ValueError, match=field):
        FeedLimits(**{field: value})
