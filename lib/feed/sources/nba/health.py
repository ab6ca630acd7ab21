"""The NBA bridge's view of its upstream: faults by kind, the last good poll, when to poll next.

Pure: time is passed in, and the jitter comes from an explicit ``random.Random``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from typing import Final

from lib.backoff import Backoff
from lib.protocol import MAX_FAULT_KINDS, SourceStatus

DEFAULT_BACKOFF_CAP: Final = 15.0
"""The longest wait after failed polls: the bridge is back within this long of the CDN."""


class UpstreamHealth:
    """Counts faults, remembers the last good poll and schedules the next one.

    A poll that failed (the scoreboard could not be had, or the CDN said to slow down) is
    followed by a wait that doubles from the poll interval, with jitter so many bridges do not
    come back in step, up to ``backoff_cap``. The first good poll returns to the plain interval.

    Args:
        source: The source's name, as reported.
        poll: Seconds between polls when all is well.
        backoff_cap: Longest wait after failures (at least ``poll``).
        rng: Randomness for the jitter.
    """

    def __init__(
        self, source: str, poll: float, *, backoff_cap: float = DEFAULT_BACKOFF_CAP, rng: random.Random | None = None
    ) -> None:
        self.source = source
        self.poll = poll
        self._backoff = Backoff(poll, max(backoff_cap, poll), None, rng=rng or random.Random())
        self._faults: Counter[str] = Counter()
        self._failures = 0
        self._last_success: float | None = None
        self._failing_since: float | None = None
        self._error: str | None = None

    @property
    def faults(self) -> Mapping[str, int]:
        """Faults so far, by kind."""
        return dict(self._faults)

    def count(self, kind: str, times: int = 1) -> None:
        """Count faults that did not fail the poll (a game's play-by-play, a stale file)."""
        if kind in self._faults or len(self._faults) < MAX_FAULT_KINDS:
            self._faults[kind] += times

    def succeeded(self, now: float) -> float:
        """A poll reached the upstream; returns when the next one is due."""
        self._failures = 0
        self._last_success = now
        self._failing_since = None
        self._error = None
        return now + self.poll

    def failed(self, kind: str, words: str, now: float) -> float:
        """A poll failed; returns when the next one is due, backing off."""
        self.count(kind)
        self._failures += 1
        if self._failing_since is None:
            self._failing_since = now
        self._error = words
        return now + self._backoff.delay(self._failures)

    def throttled(self, now: float) -> float:
        """A poll got through but the CDN asked to slow down; returns when the next one is due."""
        self._failures += 1
        return now + self._backoff.delay(self._failures)

    def status(self) -> SourceStatus:
        """The report sent to clients and shown on ``/health``."""
        return SourceStatus(
            source=self.source,
            state="ok" if self._failing_since is None else "failing",
            last_success=self._last_success,
            failing_since=self._failing_since,
            error=self._error,
            faults=dict(self._faults),
            poll_seconds=self.poll,
        )
