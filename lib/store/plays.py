"""One game's plays in game order, each at most once, bounded: the container the store keeps per game.

A play is keyed by its ``play_id``: one sent again replaces it. The order is the game's, not the
ids' (a real feed's action numbers are not always in game order): by period, then game time in
the period, then the order the plays first arrived, so that plays at one clock second (a foul and
its free throws) keep the order the source gave them and a replaced play keeps its place.

Pure: no locks (the store holds its own), no sockets.
"""

from __future__ import annotations

import bisect
from typing import Final

from lib.protocol import PLAYS_PER_GAME, clock_seconds
from lib.store.records import PlayRecord

DEFAULT_PLAYS_PER_GAME: Final = PLAYS_PER_GAME
"""Plays kept per game (:data:`lib.protocol.PLAYS_PER_GAME`)."""

_Key = tuple[int, float, int, int]
"""Where a play stands: period, minus the seconds left in it, first arrival, ``play_id``."""


def _place(record: PlayRecord, arrival: int) -> _Key:
    return (record.period, -clock_seconds(record.clock), arrival, record.play_id)


class GamePlays:
    """A game's plays, in game order, at most ``limit`` of them.

    Args:
        limit: Plays kept at most; past it the earliest in game order is dropped.
    """

    __slots__ = ("_arrivals", "_by_id", "_cached", "_keys", "limit")

    def __init__(self, limit: int = DEFAULT_PLAYS_PER_GAME) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self._by_id: dict[int, tuple[PlayRecord, _Key]] = {}
        self._keys: list[_Key] = []
        self._arrivals = 0
        self._cached: tuple[PlayRecord, ...] | None = ()

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, play_id: int) -> PlayRecord | None:
        """The play held with this id, if any."""
        held = self._by_id.get(play_id)
        return None if held is None else held[0]

    def put(self, record: PlayRecord) -> bool:
        """Add a play, or replace the one with its id; ``False`` when the bound dropped one (perhaps this one)."""
        self._cached = None
        held = self._by_id.get(record.play_id)
        if held is not None:
            old_key = held[1]
            key = _place(record, old_key[2])
            if key != old_key:  # a corrected clock or period moves the play to its new time
                del self._keys[bisect.bisect_left(self._keys, old_key)]
                bisect.insort(self._keys, key)
            self._by_id[record.play_id] = (record, key)
            return True
        key = _place(record, self._arrivals)
        self._arrivals += 1
        self._by_id[record.play_id] = (record, key)
        bisect.insort(self._keys, key)
        if len(self._keys) <= self.limit:
            return True
        del self._by_id[self._keys.pop(0)[3]]
        return False

    def plays(self) -> tuple[PlayRecord, ...]:
        """The plays in game order; the same tuple until the next change."""
        cached = self._cached
        if cached is None:
            by_id = self._by_id
            cached = self._cached = tuple(by_id[key[3]][0] for key in self._keys)
        return cached
