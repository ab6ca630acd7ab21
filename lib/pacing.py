"""When a session's live section may run: under load, later for everyone; never faster than asked; few at once.

Every viewer of a deployed dashboard shares one Python process, and its refreshes share one
interpreter lock. Three rules keep a crowd from collapsing it:

* :class:`RefreshGovernor` watches the process's CPU use and, past a target, raises the
  shortest refresh interval for every viewer (a floor over what each chose), in steps, up to
  :data:`MAX_FLOOR`; it lowers it again when the load falls. The page says so.
* :class:`SessionPacer` holds one session to its interval whatever its browser asks: a
  fragment's timer runs in the browser, so a crafted client can ask for a refresh every few
  milliseconds. A run that comes too soon waits (its thread sleeps, using no CPU) and the
  requests that arrive meanwhile merge into one.
* :class:`LiveGate` lets only a few sessions build their live section at once, the others
  waiting their turn without contending for the interpreter lock, first-come first-served,
  page loads before refreshes, so that a newcomer's page is not stuck behind fifty refreshes.

No clocks and no sleeping here: the time and the CPU seconds are arguments, and the page sleeps
for the waits these rules compute. The governor and the gate are shared by every session's
thread, so they hold a lock; a pacer belongs to one session.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from lib.rate import TokenBucket

logger = logging.getLogger(__name__)

MIN_REFRESH: Final = 0.5
"""The shortest refresh interval a viewer may choose, in seconds (the slider's floor)."""
MAX_REFRESH: Final = 10.0
"""The longest refresh interval a viewer may choose, in seconds."""
DEFAULT_REFRESH: Final = 1.0
"""The refresh interval a viewer starts with, in seconds."""
MAX_FLOOR: Final = 4.0
"""The longest the governor makes anyone wait between refreshes, in seconds: under any load every
session still refreshes at least every 5 s."""
FLOOR_STEP: Final = 0.5
"""The floor moves in steps of this many seconds, so that sessions do not chase every small change."""
TARGET_LOAD: Final = 0.5
"""The share of one core the governor aims the process at: room left for a newcomer's page and the feed."""
HIGH_LOAD: Final = 0.65
"""Above this share of a core over a window, the floor goes up."""
LOW_LOAD: Final = 0.3
"""Below this share of a core over a window, the floor comes down."""
WINDOW: Final = 5.0
"""Seconds of CPU use the governor looks at each time."""
SETTLE: Final = 10.0
"""Seconds after a change of the floor before the next: the sessions move to it meanwhile."""


@dataclass(frozen=True)
class Refresh:
    """How often one session refreshes now.

    Attributes:
        interval: Seconds between refreshes.
        chosen: What the viewer chose.
        degraded: Whether the server's load set it above what the viewer chose.
    """

    interval: float
    chosen: float
    degraded: bool


class RefreshGovernor:
    """The shortest refresh interval the process allows right now, from its CPU use; any thread may ask.

    Every session's run reports the process's CPU seconds (:meth:`observe`); over each
    :data:`WINDOW` the governor works out the share of one core used, and when two windows in
    a row are outside the target band it scales the floor by that share over
    :data:`TARGET_LOAD`, as the cost of refreshing is proportional to how often sessions
    refresh; then it leaves the floor alone for :data:`SETTLE` seconds.

    Args:
        now: The current time, seconds on a monotonic clock.
        cpu: The process's CPU seconds so far.
    """

    def __init__(self, now: float, cpu: float) -> None:
        self._floor = 0.0
        self._window = (now, cpu)
        self._changed_at = float("-inf")
        self._load: float | None = None
        self._lock = threading.Lock()

    @property
    def floor(self) -> float:
        """The shortest interval allowed now, seconds (0: no floor above what viewers choose)."""
        return self._floor

    @property
    def load(self) -> float | None:
        """The share of one core the process used over the last whole window (``None`` before one)."""
        return self._load

    def observe(self, now: float, cpu: float) -> None:
        """Note the process's CPU seconds at ``now``; at the end of a window, move the floor if need be."""
        with self._lock:
            started, cpu_then = self._window
            if now - started < WINDOW:
                return
            self._window = (now, cpu)
            previous, load = self._load, max(0.0, cpu - cpu_then) / (now - started)
            self._load = load
            if now - self._changed_at < SETTLE or previous is None:
                return
            # Two windows in a row past a bound: a burst of page loads is not a crowd.
            reference, sustained = max(self._floor, DEFAULT_REFRESH), min(previous, load)
            if sustained > HIGH_LOAD:
                floor = min(MAX_FLOOR, _step_up(reference * sustained / TARGET_LOAD))
            elif max(previous, load) < LOW_LOAD and self._floor > 0:
                floor = _step_up(reference * max(previous, load) / TARGET_LOAD)
                floor = 0.0 if floor <= DEFAULT_REFRESH else floor
            else:
                return
            if floor != self._floor:
                (logger.warning if floor > self._floor else logger.info)(
                    "refresh floor %s to %g s: the process used %.0f %% of a core over the last %g s",
                    "raised" if floor > self._floor else "lowered",
                    floor,
                    100 * load,
                    WINDOW,
                )
                self._floor, self._changed_at = floor, now

    def refresh(self, chosen: float) -> Refresh:
        """The interval for a session whose viewer chose ``chosen`` seconds."""
        floor = self._floor
        return Refresh(max(chosen, floor), chosen, floor > chosen)


def _step_up(seconds: float) -> float:
    return math.ceil(seconds / FLOOR_STEP - 1e-9) * FLOOR_STEP


PAGE_RUNS_AT_ONCE: Final = 20
"""Whole-page runs (a page load, a widget in the sidebar) one session may make at once."""
PAGE_RUNS_PER_SECOND: Final = 2.0
"""Whole-page runs one session may make per second, sustained, once those are spent."""
REFRESHES_AT_ONCE: Final = 3
"""Refreshes one session may make at once (a click on a widget in the live section is one too)."""


class SessionPacer:
    """How long one session's next run must wait, whatever its browser asks for.

    Each fragment (the live section, the archive's line) refreshes at most once per its
    interval after :data:`REFRESHES_AT_ONCE` at once; whole-page runs at most
    :data:`PAGE_RUNS_PER_SECOND` after :data:`PAGE_RUNS_AT_ONCE`, and a fragment's run inside a
    whole-page run counts with it. A browser that keeps to its timer never waits; a client
    asking faster waits for its turn.

    Args:
        now: The current time, seconds on a monotonic clock.
    """

    def __init__(self, now: float) -> None:
        self._pages = TokenBucket(PAGE_RUNS_PER_SECOND, PAGE_RUNS_AT_ONCE, now)
        self._refreshes: dict[str, TokenBucket] = {}
        self._in_page_run: set[str] | None = None
        """Fragments that already ran in the current whole-page run (``None``: none started)."""

    def page_run(self, now: float) -> float:
        """A whole-page run starts at ``now``: seconds it must wait first (its turn is taken)."""
        wait = self._pages.wait(now)
        self._pages.admit(now + wait)
        self._in_page_run = set()
        return wait

    def in_page_run(self, fragment: str = "live") -> bool:
        """Whether ``fragment``, about to run, runs as part of a whole-page run (a page load, say)."""
        return self._in_page_run is not None and fragment not in self._in_page_run

    def refresh(self, now: float, interval: float, fragment: str = "live") -> float:
        """``fragment`` runs at ``now`` with ``interval`` between refreshes: seconds it must wait first."""
        if self.in_page_run(fragment):  # the page's own run, already counted
            assert self._in_page_run is not None
            self._in_page_run.add(fragment)
            return 0.0
        bucket = self._refreshes.get(fragment)
        if bucket is None:
            bucket = self._refreshes[fragment] = TokenBucket(1.0 / interval, REFRESHES_AT_ONCE, now)
        bucket.set_rate(1.0 / interval, now)
        wait = bucket.wait(now)
        bucket.admit(now + wait)
        return wait


class LiveGate:
    """At most ``slots`` sessions build their live section at once; the others wait in line.

    Waiting on a lock of one's own costs no CPU, where fifty threads taking turns with the
    interpreter lock cost each other most of it. Page loads go before refreshes, then first
    come, first served; each release wakes exactly the next in line.

    Args:
        slots: Sessions building at once.
    """

    def __init__(self, slots: int = 2) -> None:
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots!r}")
        self._free = slots
        self._pages: deque[threading.Event] = deque()
        self._refreshes: deque[threading.Event] = deque()
        self._lock = threading.Lock()

    @property
    def waiting(self) -> int:
        """Sessions waiting for their turn now."""
        with self._lock:
            return len(self._pages) + len(self._refreshes)

    @contextmanager
    def turn(self, *, page: bool) -> Iterator[None]:
        """Hold a slot for the block; ``page``: a page load, served before waiting refreshes."""
        with self._lock:
            if self._free > 0:
                self._free -= 1
                mine = None
            else:
                mine = threading.Event()
                (self._pages if page else self._refreshes).append(mine)
        if mine is not None:
            mine.wait()  # the slot was handed over by the releaser
        try:
            yield
        finally:
            with self._lock:
                line = self._pages or self._refreshes
                if line:
                    line.popleft().set()  # the slot goes straight to the next in line
                else:
                    self._free += 1
