"""A token bucket: how often something may happen, a burst at once then a steady rate.

One definition for every rate in the project: the frames a feed server takes from a client,
the frames the client sends, and what an anonymous viewer may ask of the dashboard's shared
process (pings, reconnects, downloads, operator-key tries, refreshes).

Pure: no clocks (the time is an argument), no locks (:class:`SharedBucket` adds one).
"""

from __future__ import annotations

import math
import threading


class TokenBucket:
    """``burst`` actions at once, then ``rate`` actions a second; the bucket starts full.

    Args:
        rate: Actions per second, sustained.
        burst: Actions allowed at once (the bucket's size).
        now: The current time, seconds on any monotonic clock.

    Raises:
        ValueError: ``rate`` is not a positive finite number, or ``burst`` is below 1.
    """

    def __init__(self, rate: float, burst: float, now: float) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"rate must be a positive number, got {rate!r}")
        if not (math.isfinite(burst) and burst >= 1):
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        self.rate = rate
        self.burst = float(burst)
        self._tokens = float(burst)
        self._at = now

    def tokens(self, now: float) -> float:
        """Actions that may happen at ``now`` (a fraction: part of the next one has accrued)."""
        self._refill(now)
        return self._tokens

    def admit(self, now: float, cost: float = 1.0, keep: float = 0.0) -> bool:
        """Whether an action costing ``cost`` tokens may happen at ``now``; counts it if so.

        ``keep`` tokens must be left over afterwards: a reserve for actions that matter more.
        A refused action costs nothing: asking again and again does not push the next
        admission further away.
        """
        self._refill(now)
        if self._tokens < cost + keep:
            return False
        self._tokens -= cost
        return True

    def wait(self, now: float, cost: float = 1.0) -> float:
        """Seconds from ``now`` until an action costing ``cost`` may happen (0: now)."""
        self._refill(now)
        # A token promised at a later time (admitted ahead) comes first.
        return max(0.0, self._at - now) + max(0.0, (min(cost, self.burst) - self._tokens) / self.rate)

    def set_rate(self, rate: float, now: float) -> None:
        """Change the sustained rate from ``now`` on; tokens saved up so far are kept."""
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"rate must be a positive number, got {rate!r}")
        self._refill(now)
        self.rate = rate

    def _refill(self, now: float) -> None:
        if now > self._at:
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = max(self._at, now)


class SharedBucket:
    """A :class:`TokenBucket` that any thread may ask: one budget for every viewer of the process.

    Args:
        rate: Actions per second, sustained.
        burst: Actions allowed at once.
        now: The current time, seconds on any monotonic clock.
    """

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self._bucket = TokenBucket(rate, burst, now)
        self._lock = threading.Lock()

    def admit(self, now: float, cost: float = 1.0) -> bool:
        """Whether one more action may happen at ``now``, whoever asks; counts it if so."""
        with self._lock:
            return self._bucket.admit(now, cost)

    def wait(self, now: float, cost: float = 1.0) -> float:
        """Seconds from ``now`` until an action may happen (0: now)."""
        with self._lock:
            return self._bucket.wait(now, cost)
