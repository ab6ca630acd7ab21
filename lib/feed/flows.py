"""A game as the sequence of its scoring changes: what real files hold, what the simulator makes.

Simulated and real games share this shape, so the same statistics (:mod:`lib.analytics.flow`)
measure both, and the same night (:mod:`lib.feed.sources.night`) plays either. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lib.protocol import REGULATION_PERIODS, Game, clock_text


@dataclass(frozen=True, slots=True)
class ScoringEvent:
    """The score just after one scoring change, and when it happened.

    Attributes:
        period: 1-4 in regulation, 5 and up for each overtime.
        seconds_left_in_period: Whole seconds left on the period's clock.
        home_score: The home team's running total.
        away_score: The away team's running total.
    """

    period: int
    seconds_left_in_period: int
    home_score: int
    away_score: int


@dataclass(frozen=True, slots=True)
class GameFlow:
    """One game as the sequence of its scoring changes.

    Attributes:
        game_id: The game's id, unique in its source.
        game_date: The local date of the game.
        home_team: The home team as the source names it (a tricode in the NBA file).
        away_team: The away team, likewise.
        events: The scoring changes in game order.
    """

    game_id: str
    game_date: date
    home_team: str
    away_team: str
    events: tuple[ScoringEvent, ...]

    @property
    def scores(self) -> tuple[tuple[int, int], ...]:
        """The ``(home_score, away_score)`` flow that :mod:`lib.analytics.flow` measures."""
        return tuple((event.home_score, event.away_score) for event in self.events)

    @property
    def final_score(self) -> tuple[int, int]:
        """``(home_score, away_score)`` after the last scoring change; 0-0 for no events."""
        if not self.events:
            return (0, 0)
        last = self.events[-1]
        return (last.home_score, last.away_score)

    @property
    def periods(self) -> int:
        """The number of periods the game reached: 4, or more with overtime."""
        return max(REGULATION_PERIODS, max((event.period for event in self.events), default=0))

    def live_states(self) -> list[Game]:
        """The game as a feed would show it just after each scoring change: one live :class:`Game` per event.

        This is what the win-probability model is fitted and scored on.
        """
        return [
            Game(
                game_id=self.game_id,
                home_team=self.home_team,
                away_team=self.away_team,
                home_score=event.home_score,
                away_score=event.away_score,
                period=event.period,
                clock=clock_text(event.seconds_left_in_period),
                status="live",
            )
            for event in self.events
        ]
