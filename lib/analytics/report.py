"""A night in review, from what the store holds: every game's summary, the prediction scorecard.

Pure: the store's records in, frozen records out. ``LiveFeed.game_stats()`` and
``LiveFeed.scorecard()`` are these, as DataFrames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lib.analytics.game import GameSummary, summarize
from lib.analytics.metrics import MIN_GAMES_FOR_MEANING, Scores, score
from lib.store import GameRecord, HistoryPoint, PredictionPoint

Histories = Mapping[str, tuple[Sequence[HistoryPoint], Sequence[PredictionPoint]]]


def game_summaries(games: Mapping[str, GameRecord], histories: Histories) -> list[GameSummary]:
    """Every game's summary, most exciting first (games without predictions last)."""
    summaries = []
    for game_id, record in games.items():
        flow, predictions = histories.get(game_id, ((), ()))
        summaries.append(
            summarize(
                record.game,
                [(point.home_score, point.away_score) for point in flow],
                [point.home_win_probability for point in predictions],
            )
        )
    summaries.sort(key=lambda s: (s.excitement is None, -(s.excitement or 0.0), s.game_id))
    return summaries


@dataclass(frozen=True)
class GameScore:
    """How the predictions for one finished game did."""

    game_id: str
    home_team: str
    away_team: str
    home_score: int
    away_score: int
    home_won: bool
    scores: Scores


@dataclass(frozen=True)
class Scorecard:
    """Prediction quality over the finished games.

    Attributes:
        games: One entry per finished game with predictions, in the order they finished.
        overall: Every scored prediction of every finished game together.
        enough: Whether enough games have finished for the figures to mean much.
    """

    games: tuple[GameScore, ...]
    overall: Scores
    enough: bool


def score_finished_games(games: Mapping[str, GameRecord], histories: Histories, buckets: int = 10) -> Scorecard:
    """Score the predictions received for every finished game against its result.

    Only predictions made while the game could still go either way count: ones received after
    it went final would score a certainty against itself.
    """
    finished = sorted(
        (r for r in games.values() if r.game.status == "final" and r.game.home_score != r.game.away_score),
        key=lambda r: r.updated_at,
    )
    per_game: list[GameScore] = []
    probabilities: list[float] = []
    outcomes: list[int] = []
    game_ids: list[str] = []
    for record in finished:
        game = record.game
        made = [p.home_win_probability for p in histories.get(game.game_id, ((), ()))[1] if p.status != "final"]
        if not made:
            continue
        outcome = int(game.home_score > game.away_score)
        per_game.append(
            GameScore(
                game.game_id,
                game.home_team,
                game.away_team,
                game.home_score,
                game.away_score,
                bool(outcome),
                score(made, [outcome] * len(made), [game.game_id] * len(made), buckets),
            )
        )
        probabilities += made
        outcomes += [outcome] * len(made)
        game_ids += [game.game_id] * len(made)
    return Scorecard(
        games=tuple(per_game),
        overall=score(probabilities, outcomes, game_ids, buckets),
        enough=len(per_game) >= MIN_GAMES_FOR_MEANING,
    )
