"""One game's story in numbers: flow statistics plus what the win probability went through.

The *excitement index* is the sum of absolute changes in the home win probability over the
game: a wire-to-wire blowout barely moves it, a seesaw game piles it up. The *comeback factor*
is the eventual winner's lowest win probability: 0.05 means the winner was once given a 5%
chance. While a game runs both are computed so far, the comeback factor for the team leading
now (none while tied).

Figures are only as whole as what was seen of the game. A game first seen after its tip-off
(a session, recording or import that began mid-game) has *partial* figures, known from the
first state seen in play: a game joined at 60-58 in the third quarter shows no lead change or
swing from before then.

Pure: plain sequences in, a frozen record out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final, Protocol

from lib.analytics.flow import Flow, ScoreLine, Side, flow_stats
from lib.protocol import Game
from lib.store.rules import at_tip_off


class GameState(Protocol):
    """A state seen of a game: a :class:`~lib.protocol.Game`, a history or a prediction point."""

    @property
    def status(self) -> str: ...

    @property
    def period(self) -> int: ...

    @property
    def clock(self) -> str: ...

    @property
    def home_score(self) -> int: ...

    @property
    def away_score(self) -> int: ...


@dataclass(frozen=True, slots=True)
class KnownFrom:
    """From when a game's figures are known.

    Attributes:
        partial: Whether the game was first seen in play after its tip-off, so that its figures
            miss the start.
        period: For a partial game, the period of the first state seen in play; ``None`` otherwise.
        clock: Its clock; ``None`` otherwise.
    """

    partial: bool
    period: int | None = None
    clock: str | None = None


FROM_TIP_OFF: Final = KnownFrom(partial=False)


def known_from(states: Iterable[GameState]) -> KnownFrom:
    """From when the figures of a game are known, given the states seen of it in the order received.

    The figures are whole when the first state seen in play is at the tip-off (no more than the
    first basket scored, :func:`lib.store.rules.at_tip_off`), or when nothing has been seen in
    play yet; otherwise they are partial, known from that first state.
    """
    first = next((state for state in states if state.status != "scheduled"), None)
    if first is None or at_tip_off(first):
        return FROM_TIP_OFF
    return KnownFrom(partial=True, period=first.period, clock=first.clock)


def excitement_index(probabilities: Sequence[float]) -> float:
    """Sum of absolute changes between consecutive home win probabilities (0 for fewer than two)."""
    return sum(abs(after - before) for before, after in pairwise(probabilities))


def comeback_factor(probabilities: Sequence[float], winner: Side) -> float | None:
    """The lowest win probability the ``winner`` was given; ``None`` without predictions."""
    if not probabilities:
        return None
    lowest_home = min(probabilities)
    return lowest_home if winner is Side.HOME else 1.0 - max(probabilities)


def _flow(scores: Flow) -> list[ScoreLine]:
    """The scores in order, each once; a scorer's correction (a lower score) takes back the scores it undoes.

    Feeds restate the score on every clock tick, and a basket that did not count must not
    count in a run or a lead either.
    """
    flow: list[ScoreLine] = []
    for score in scores:
        while flow and (flow[-1][0] > score[0] or flow[-1][1] > score[1]):
            flow.pop()
        if not flow or flow[-1] != score:
            flow.append(score)
    return flow


@dataclass(frozen=True)
class GameSummary:
    """What a game has been so far, or was.

    Attributes:
        game_id: The game.
        home_team: Home team.
        away_team: Away team.
        status: Its status now.
        home_score: Home score now.
        away_score: Away score now.
        final: Whether the figures are final.
        partial: Whether the game was first seen after its tip-off, so the figures miss its start.
        known_from_period: For a partial game, the period the figures are known from; ``None`` otherwise.
        known_from_clock: For a partial game, the clock they are known from; ``None`` otherwise.
        lead_changes: Times the lead switched sides (ties in between skipped).
        times_tied: Times the score was tied after a score (0-0 not counted).
        biggest_home_lead: The home team's largest lead.
        biggest_away_lead: The away team's largest lead.
        biggest_run: Points in the biggest unanswered run.
        biggest_run_team: Who scored it (``None`` before any score).
        excitement: Sum of absolute win-probability changes; ``None`` without predictions.
        comeback: The winner's (or current leader's) lowest win probability.
        comeback_team: The team that ``comeback`` is about.
        predictions: Predictions behind the probability figures.
    """

    game_id: str
    home_team: str
    away_team: str
    status: str
    home_score: int
    away_score: int
    final: bool
    partial: bool
    known_from_period: int | None
    known_from_clock: str | None
    lead_changes: int
    times_tied: int
    biggest_home_lead: int
    biggest_away_lead: int
    biggest_run: int
    biggest_run_team: str | None
    excitement: float | None
    comeback: float | None
    comeback_team: str | None
    predictions: int


def summarize(game: Game, flow: Flow, probabilities: Sequence[float], known: KnownFrom) -> GameSummary:
    """The summary of one game from its score history and its home win probabilities in order.

    Args:
        game: The game's latest state (teams, score, status).
        flow: ``(home, away)`` scores in the order received; repeats are ignored, and a lower
            score (a scorer's correction) takes back the scores above it.
        probabilities: Home win probabilities in the order received.
        known: From when the flow and the probabilities are known (:func:`known_from`).
    """
    stats = flow_stats(_flow([*flow, (game.home_score, game.away_score)]))
    diff = game.home_score - game.away_score
    leader = Side.HOME if diff > 0 else Side.AWAY if diff < 0 else None
    team = {Side.HOME: game.home_team, Side.AWAY: game.away_team}
    comeback = None if leader is None else comeback_factor(probabilities, leader)
    run = stats.biggest_run
    return GameSummary(
        game_id=game.game_id,
        home_team=game.home_team,
        away_team=game.away_team,
        status=game.status,
        home_score=game.home_score,
        away_score=game.away_score,
        final=game.status == "final",
        partial=known.partial,
        known_from_period=known.period,
        known_from_clock=known.clock,
        lead_changes=stats.lead_changes,
        times_tied=stats.times_tied,
        biggest_home_lead=stats.largest_lead.home,
        biggest_away_lead=stats.largest_lead.away,
        biggest_run=0 if run is None else run.points,
        biggest_run_team=None if run is None else team[run.side],
        excitement=excitement_index(probabilities) if probabilities else None,
        comeback=comeback,
        comeback_team=None if leader is None or comeback is None else team[leader],
        predictions=len(probabilities),
    )
