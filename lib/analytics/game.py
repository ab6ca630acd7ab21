"""One game's story in numbers: flow statistics plus what the win probability went through.

The *excitement index* is the sum of absolute changes in the home win probability over the
game: a wire-to-wire blowout barely moves it, a seesaw game piles it up. The *comeback factor*
is the eventual winner's lowest win probability: 0.05 means the winner was once given a 5%
chance. While a game runs both are computed so far, the comeback factor for the team leading
now (none while tied).

Pure: plain sequences in, a frozen record out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from lib.analytics.flow import Flow, ScoreLine, Side, flow_stats
from lib.protocol import Game


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


def summarize(game: Game, flow: Flow, probabilities: Sequence[float]) -> GameSummary:
    """The summary of one game from its score history and its home win probabilities in order.

    Args:
        game: The game's latest state (teams, score, status).
        flow: ``(home, away)`` scores in the order received; repeats are ignored, and a lower
            score (a scorer's correction) takes back the scores above it.
        probabilities: Home win probabilities in the order received.
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
