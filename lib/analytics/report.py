"""A night in review, from what the store holds: every game's summary, the prediction scorecard.

The scorecard judges the model by game phase too, beside two baselines on the same states
(:mod:`lib.analytics.phases`), so that what the model adds shows.

A game first seen after its tip-off is *partial* (:func:`lib.analytics.game.known_from`): its
summary says from when it is known, and the scorecard marks it and leaves it out of the overall
figures unless asked, since predictions from mid-game on are easier to get right than a whole
game's and would flatter the model.

A game met after its tip-off whose plays reach back to it (a feed sends a game's plays whole to a
new connection, its state only as it is now) has its summary from its plays instead, whole.

Pure: the store's records in, frozen records out. ``LiveFeed.game_stats()``, Game detail's figures
and ``LiveFeed.scorecard()`` are these, as DataFrames or tables; the archive's scorecard is this too.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from lib.analytics.game import GameSummary, KnownFrom, known_from, summarize
from lib.analytics.metrics import MIN_GAMES_FOR_MEANING, Scores, score
from lib.analytics.phases import Judged, PhaseFigures, judge, phase_figures
from lib.analytics.plays import at_start
from lib.store import GameRecord, HistoryPoint, PlayRecord, PredictionPoint

Histories = Mapping[str, tuple[Sequence[HistoryPoint], Sequence[PredictionPoint]]]
"""Each game's score changes and predictions, in the order received."""


def _known(flow: Sequence[HistoryPoint], predictions: Sequence[PredictionPoint]) -> KnownFrom:
    """From when a game is known, by the states seen of it: its score changes and the states its predictions came with.

    A score history has no state at 0-0, so a game seen at its tip-off shows that by a
    prediction's state. On a tie in receive time the prediction's state is the older one.
    """
    states: tuple[Sequence[HistoryPoint | PredictionPoint], ...] = (predictions, flow)
    seen: Iterator[HistoryPoint | PredictionPoint] = heapq.merge(*states, key=lambda state: state.received_at)
    return known_from(seen)


def game_summaries(
    games: Mapping[str, GameRecord], histories: Histories, plays: Mapping[str, Sequence[PlayRecord]] | None = None
) -> list[GameSummary]:
    """Every game's summary, most exciting first (games without predictions last).

    Args:
        games: Every game's latest record.
        histories: Each game's score changes and predictions, in the order received.
        plays: Each game's plays in game order (none by default). A game its score changes and
            predictions know only from after its tip-off has its summary from its plays instead
            when they reach back to the tip-off (:func:`plays_history`).
    """
    summaries = [_summary(record, *histories.get(game_id, ((), ()))) for game_id, record in games.items()]
    if plays:
        summaries = [
            _summary(games[s.game_id], *plays_history(plays[s.game_id]))
            if s.partial and plays.get(s.game_id) and at_start(plays[s.game_id][0])
            else s
            for s in summaries
        ]
    summaries.sort(key=lambda s: (s.excitement is None, -(s.excitement or 0.0), s.game_id))
    return summaries


def _summary(record: GameRecord, flow: Sequence[HistoryPoint], predictions: Sequence[PredictionPoint]) -> GameSummary:
    return summarize(
        record.game,
        [(point.home_score, point.away_score) for point in flow],
        [point.home_win_probability for point in predictions],
        _known(flow, predictions),
    )


def plays_history(plays: Sequence[PlayRecord]) -> tuple[tuple[HistoryPoint, ...], tuple[PredictionPoint, ...]]:
    """A game's score changes and win probabilities as its plays tell them, in game order: the history a
    connection that met the game mid-way never received."""
    flow: list[HistoryPoint] = []
    probabilities: list[PredictionPoint] = []
    last = (0, 0)
    for play in plays:
        score = (play.home_score, play.away_score)
        if score != last:
            flow.append(
                HistoryPoint(play.game_id, play.received_at, play.ts, "play", *score, play.period, play.clock, "live")
            )
            last = score
        probabilities.append(
            PredictionPoint(
                play.game_id,
                play.received_at,
                play.ts,
                play.home_win_probability,
                play.period,
                play.clock,
                *score,
                "live",
            )
        )
    return tuple(flow), tuple(probabilities)


@dataclass(frozen=True)
class GameScore:
    """How the predictions for one finished game did.

    Attributes:
        partial: Whether the game was first seen after its tip-off, so its predictions miss the start.
        known_from_period: For a partial game, the period its predictions are known from; ``None`` otherwise.
        known_from_clock: For a partial game, the clock they are known from; ``None`` otherwise.
        scores: Its predictions' figures.
    """

    game_id: str
    home_team: str
    away_team: str
    home_score: int
    away_score: int
    home_won: bool
    partial: bool
    known_from_period: int | None
    known_from_clock: str | None
    scores: Scores


@dataclass(frozen=True)
class Scorecard:
    """Prediction quality over the finished games.

    Attributes:
        games: One entry per finished game with predictions, in the order they finished, partial
            ones included and marked.
        overall: Every scored prediction of the counted games together: the games seen from
            their tip-off, and the partial ones too when asked.
        enough: Whether enough games are counted for the figures to mean much.
        partial_left_out: The partial games in ``games`` that ``overall`` leaves out.
        phases: The predictions ``overall`` counts, by phase of the game (before tip-off, each
            phase of play, all together) with the two baselines' figures on the same states.
    """

    games: tuple[GameScore, ...]
    overall: Scores
    enough: bool
    partial_left_out: int
    phases: tuple[PhaseFigures, ...]


def score_finished_games(
    games: Mapping[str, GameRecord], histories: Histories, buckets: int = 10, *, include_partial: bool = False
) -> Scorecard:
    """Score the predictions received for every finished game against its result.

    Only predictions made while the game could still go either way count: ones received after
    it went final would score a certainty against itself.

    Args:
        games: Every game's latest record; the finished ones with a winner are scored.
        histories: Each game's score changes and predictions; the predictions alone do (the
            partial mark then comes from their states).
        buckets: Calibration buckets.
        include_partial: Count the games first seen after their tip-off in the overall figures too.
    """
    finished = sorted(
        (r for r in games.values() if r.game.status == "final" and r.game.home_score != r.game.away_score),
        key=lambda r: r.updated_at,
    )
    per_game: list[GameScore] = []
    probabilities: list[float] = []
    judged: list[Judged] = []
    outcomes: list[int] = []
    game_ids: list[str] = []
    left_out = 0
    for record in finished:
        game = record.game
        flow, predictions = histories.get(game.game_id, ((), ()))
        scored = [p for p in predictions if p.status != "final"]
        if not scored:
            continue
        made = [p.home_win_probability for p in scored]
        outcome = int(game.home_score > game.away_score)
        known = _known(flow, predictions)
        per_game.append(
            GameScore(
                game.game_id,
                game.home_team,
                game.away_team,
                game.home_score,
                game.away_score,
                bool(outcome),
                known.partial,
                known.period,
                known.clock,
                score(made, [outcome] * len(made), [game.game_id] * len(made), buckets),
            )
        )
        if known.partial and not include_partial:
            left_out += 1
            continue
        probabilities += made
        judged += map(judge, scored)
        outcomes += [outcome] * len(made)
        game_ids += [game.game_id] * len(made)
    overall = score(probabilities, outcomes, game_ids, buckets)
    return Scorecard(
        games=tuple(per_game),
        overall=overall,
        enough=overall.games >= MIN_GAMES_FOR_MEANING,
        partial_left_out=left_out,
        phases=phase_figures(judged, outcomes, game_ids),
    )
