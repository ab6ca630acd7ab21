"""What every viewer of the dashboard's one process shares: one of each, made once.

Streamlit runs the page's script again for every viewer's every run, and a cached function
costs it a look at its source each time: the page asks for this one object instead of one
cached function per budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lib.access import KeyGuard, ping_budget, reconnect_budget
from lib.board import BoardCache, GamePlaysReader, HistoriesReader
from lib.pacing import LiveGate, RefreshGovernor
from lib.rate import SharedBucket
from lib.status import FeedStatus
from lib.store import Snapshot
from lib.views.exports import ExportShelf


@dataclass(frozen=True)
class Crowd:
    """The process's shared state for its viewers.

    Attributes:
        boards: What the live tab shows, built once per change of the feed.
        governor: How often sessions may refresh, from the process's CPU use.
        gate: How many sessions build their live section at once.
        reconnects: Reconnects viewers may ask for.
        pings: Test pings viewers may send on the shared connection.
        keys: Operator-key tries.
        exports: The download files, built once per change of their data.
    """

    boards: BoardCache
    governor: RefreshGovernor
    gate: LiveGate
    reconnects: SharedBucket
    pings: SharedBucket
    keys: KeyGuard
    exports: ExportShelf

    @classmethod
    def make(
        cls,
        snapshot: Callable[[], Snapshot],
        status: Callable[[Snapshot], FeedStatus],
        operator_key: str | None,
        *,
        now: float,
        cpu: float,
        plays: GamePlaysReader = dict,
        histories: HistoriesReader = dict,
    ) -> Crowd:
        """One of each for a feed (``snapshot``, ``status``, ``plays`` and ``histories`` read it) at ``now``
        (monotonic), ``cpu`` (seconds)."""
        return cls(
            boards=BoardCache(snapshot, status, plays, histories),
            governor=RefreshGovernor(now, cpu),
            gate=LiveGate(),
            reconnects=reconnect_budget(now),
            pings=ping_budget(now),
            keys=KeyGuard(operator_key, now),
            exports=ExportShelf(),
        )
