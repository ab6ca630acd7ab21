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

from lib.protocol import PLAYS_PER_GAME
from lib.store.records import PlayRecord

DEFAULT_PLAYS_PER_GAME: Final = PLAYS_PER_GAME
"""Plays kept per game (:data:`lib.protocol.PLAYS_PER_GAME`)."""

_TENTHS: Final = 1 << 14
"""Past the most tenths of a second a period's clock shows (12:00 is 7,200)."""
_ARRIVALS: Final = 1 << 40
"""Past the plays a game can take in (a trillion: never reached)."""


def _place(period: int, clock: str, arrival: int) -> int:
    """Where a play stands, as one integer: period, then the clock counting down, then first arrival.

    An integer rather than a tuple: comparing one is cheap, and ints are not tracked by Python's
    garbage collector, which a thousand tuples a game kept alive would make run longer and more often.
    """
    minutes, _, seconds = clock.partition(":")
    tenths = 600 * int(minutes) + round(10 * float(seconds))
    return ((period * _TENTHS) + _TENTHS - 1 - tenths) * _ARRIVALS + arrival


class GamePlays:
    """A game's plays, in game order, at most ``limit`` of them.

    Args:
        limit: Plays kept at most; past it the earliest in game order is dropped.
    """

    __slots__ = ("_arrivals", "_by_id", "_cached", "_id_at", "_place_of", "_places", "limit")

    def __init__(self, limit: int = DEFAULT_PLAYS_PER_GAME) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self._by_id: dict[int, PlayRecord] = {}
        self._place_of: dict[int, int] = {}
        """Each play's place, by ``play_id``."""
        self._id_at: dict[int, int] = {}
        """Each place's ``play_id``."""
        self._places: list[int] = []
        """The places, in order."""
        self._arrivals = 0
        self._cached: tuple[PlayRecord, ...] | None = ()

    def __len__(self) -> int:
        return len(self._places)

    def get(self, play_id: int) -> PlayRecord | None:
        """The play held with this id, if any."""
        return self._by_id.get(play_id)

    def put(self, record: PlayRecord) -> bool:
        """Add a play, or replace the one with its id; ``False`` when the bound dropped one (perhaps this one)."""
        self._cached = None
        play_id = record.play_id
        old = self._place_of.get(play_id)
        if old is not None:
            place = _place(record.period, record.clock, old % _ARRIVALS)
            if place != old:  # a corrected clock or period moves the play to its new time
                del self._places[bisect.bisect_left(self._places, old)]
                del self._id_at[old]
                bisect.insort(self._places, place)
                self._place_of[play_id], self._id_at[place] = place, play_id
            self._by_id[play_id] = record
            return True
        place = _place(record.period, record.clock, self._arrivals)
        self._arrivals += 1
        self._by_id[play_id], self._place_of[play_id], self._id_at[place] = record, place, play_id
        places = self._places
        if not places or place > places[-1]:
            places.append(place)  # the usual case: the plays come in game order
        else:
            bisect.insort(places, place)
        if len(places) <= self.limit:
            return True
        dropped = self._id_at.pop(places.pop(0))
        del self._by_id[dropped], self._place_of[dropped]
        return False

    def plays(self) -> tuple[PlayRecord, ...]:
        """The plays in game order; the same tuple until the next change."""
        cached = self._cached
        if cached is None:
            by_id, id_at = self._by_id, self._id_at
            cached = self._cached = tuple([by_id[id_at[place]] for place in self._places])
        return cached
