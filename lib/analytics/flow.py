"""Statistics of one game's flow: lead changes, ties, leads, comebacks, scoring runs.

A *flow* is the sequence of scores ``(home_score, away_score)`` just after each scoring change,
in game order. The 0-0 start is implicit: a flow may include it or not, and every statistic
here gives the same answer either way. Flows of games still in progress are fine too; the
statistics then describe the game so far.

Only the scores are needed, not the clock, so a flow from the real NBA file, from the demo
simulator and from a live game in the dashboard can all be measured with the same functions,
which is what makes the simulator's tuning against real games meaningful.

This module is pure: no I/O, no sockets, no Streamlit.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

ScoreLine: TypeAlias = tuple[int, int]
"""``(home_score, away_score)`` just after a scoring change."""

Flow: TypeAlias = Sequence[ScoreLine]


class Side(enum.StrEnum):
    """A team by its role in the game."""

    HOME = "home"
    AWAY = "away"


@dataclass(frozen=True, slots=True)
class LargestLead:
    """The largest lead each side held at any point (0 for a side that never led).

    Attributes:
        home: The home team's largest lead, in points.
        away: The away team's largest lead, in points.
    """

    home: int
    away: int

    @property
    def either(self) -> int:
        """The largest lead held by either team."""
        return max(self.home, self.away)


@dataclass(frozen=True, slots=True)
class Run:
    """An unanswered scoring run: consecutive points by one side while the other scored none.

    Attributes:
        side: The team that scored the run.
        points: The points in the run.
        start: Index in the flow of the run's first scoring change.
        end: Index in the flow of the run's last scoring change (inclusive), so a caller
            holding the clock of each change can say when the run happened.
    """

    side: Side
    points: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class FlowStats:
    """All the flow statistics of one game, as computed by :func:`flow_stats`."""

    lead_changes: int
    times_tied: int
    largest_lead: LargestLead
    largest_deficit_overcome: int
    biggest_run: Run | None


def _leader(score: ScoreLine) -> Side | None:
    home, away = score
    if home > away:
        return Side.HOME
    if away > home:
        return Side.AWAY
    return None


def lead_changes(flow: Flow) -> int:
    """Count how often the leading team switched.

    Ties in between are skipped: home leads, tie, away leads counts one change, while home
    leads, tie, home leads counts none (the NBA's own definition).

    Args:
        flow: The scores after each scoring change.

    Returns:
        The number of lead changes.
    """
    changes = 0
    last_leader: Side | None = None
    for score in flow:
        leader = _leader(score)
        if leader is None:
            continue
        if last_leader is not None and leader is not last_leader:
            changes += 1
        last_leader = leader
    return changes


def times_tied(flow: Flow) -> int:
    """Count the scoring changes that left the game tied, not counting the 0-0 start.

    Args:
        flow: The scores after each scoring change.

    Returns:
        The number of times the game was tied.
    """
    return sum(1 for home, away in flow if home == away and home > 0)


def largest_lead(flow: Flow) -> LargestLead:
    """Find the largest lead each side held.

    Args:
        flow: The scores after each scoring change.

    Returns:
        Each side's largest lead; 0 for a side that never led.
    """
    margins = [home - away for home, away in flow]
    return LargestLead(home=max([0, *margins]), away=max([0, *(-m for m in margins)]))


def largest_deficit_overcome(flow: Flow) -> int:
    """Find the largest deficit the winner faced before coming back.

    The winner is the team leading at the end of the flow: for a complete game that is the
    eventual winner, for a game in progress the current leader.

    Args:
        flow: The scores after each scoring change.

    Returns:
        The winner's largest deficit in points; 0 when it never trailed or when the flow
        is empty or ends tied (there is no winner yet).
    """
    return _deficit_overcome(flow, largest_lead(flow))


def _deficit_overcome(flow: Flow, lead: LargestLead) -> int:
    winner = _leader(flow[-1]) if flow else None
    if winner is None:
        return 0
    return lead.away if winner is Side.HOME else lead.home


def biggest_run(flow: Flow) -> Run | None:
    """Find the largest unanswered scoring run.

    A run is broken by any score of the other side. When both scores rose in one step (a
    coarser source than play-by-play), the order of the baskets is unknown, so that step ends
    the current run and starts none.

    Args:
        flow: The scores after each scoring change.

    Returns:
        The biggest run, the earliest one when several are equally big; ``None`` when nobody
        has scored.

    Raises:
        ValueError: If a score decreases, which no real flow does.
    """
    best: Run | None = None
    current: Run | None = None
    previous: ScoreLine = (0, 0)
    for index, score in enumerate(flow):
        home_points, away_points = score[0] - previous[0], score[1] - previous[1]
        if home_points < 0 or away_points < 0:
            raise ValueError(f"score decreased from {previous} to {score} at flow index {index}")
        previous = score
        if home_points and away_points:
            current = None
            continue
        if not (home_points or away_points):
            continue
        side, points = (Side.HOME, home_points) if home_points else (Side.AWAY, away_points)
        if current is not None and current.side is side:
            current = Run(side, current.points + points, current.start, index)
        else:
            current = Run(side, points, index, index)
        if best is None or current.points > best.points:
            best = current
    return best


def flow_stats(flow: Flow) -> FlowStats:
    """Compute every flow statistic of one game.

    Args:
        flow: The scores after each scoring change.

    Returns:
        The statistics, each as its own function in this module defines it.
    """
    lead = largest_lead(flow)
    return FlowStats(
        lead_changes=lead_changes(flow),
        times_tied=times_tied(flow),
        largest_lead=lead,
        largest_deficit_overcome=_deficit_overcome(flow, lead),
        biggest_run=biggest_run(flow),
    )
