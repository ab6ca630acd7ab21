"""A night in review from the store, on a finished slate: game summaries, the scorecard."""

from __future__ import annotations

import pytest

from lib.analytics.metrics import MIN_GAMES_FOR_MEANING
from lib.analytics.report import game_summaries, score_finished_games
from lib.frames import game_stats_frame, scorecard_frames
from lib.store import Store
from tests.helpers import frame, game, prediction, score

NOW = 1_800_000_000.0


def slate() -> Store:
    """Three games: home win (0.6, 0.8 before the end), away win (0.7, 0.4), one still live (0.5)."""
    store = Store()
    at = NOW
    plays = {
        "home-win": [((10, 8), 0.6), ((50, 40), 0.8)],
        "away-win": [((20, 10), 0.7), ((40, 45), 0.4)],
        "live": [((5, 5), 0.5)],
    }
    for game_id, steps in plays.items():
        for (home, away), probability in steps:
            at += 1
            store.ingest(score(game_id, home_score=home, away_score=away), received_at=at)
            store.ingest(prediction(game_id, probability), received_at=at)
    for game_id, (home, away) in (("home-win", (99, 90)), ("away-win", (88, 95))):
        at += 1
        store.ingest(
            frame("game_end", game(game_id, home_score=home, away_score=away, status="final", period=4, clock="00:00")),
            received_at=at,
        )
        store.ingest(prediction(game_id, 1.0 if home > away else 0.0), received_at=at)  # after the end: not scored
    return store


def test_scorecard_on_a_finished_slate() -> None:
    """Only finished games count, only predictions made before the end, scored against the result."""
    store = slate()
    snapshot = store.snapshot()
    card = score_finished_games(snapshot.games, store.game_histories())
    assert [g.game_id for g in card.games] == ["home-win", "away-win"]
    home, away = card.games
    assert home.home_won
    assert not away.home_won
    # home-win: (1−0.6)² + (1−0.8)² = 0.16 + 0.04 → 0.10; away-win: 0.7² + 0.4² = 0.49 + 0.16 → 0.325
    assert home.scores.brier == pytest.approx(0.10)
    assert away.scores.brier == pytest.approx(0.325)
    assert card.overall.predictions == 4
    assert card.overall.games == 2
    assert card.overall.brier == pytest.approx((0.16 + 0.04 + 0.49 + 0.16) / 4)
    assert card.overall.accuracy == pytest.approx(0.75)  # the favourite won 3 of 4 times (0.7 for home was wrong)
    assert card.enough is (MIN_GAMES_FOR_MEANING <= 2)
    frames = scorecard_frames(card)
    assert list(frames.games.game_id) == ["home-win", "away-win"]
    assert frames.overall.iloc[0].predictions == 4
    assert frames.calibration.predictions.sum() == 4


def test_game_summaries_most_exciting_first() -> None:
    """Summaries come for every game, the biggest win-probability swings first."""
    store = slate()
    summaries = game_summaries(store.snapshot().games, store.game_histories())
    assert [s.game_id for s in summaries] == ["away-win", "home-win", "live"]
    table = game_stats_frame(summaries)
    assert list(table.columns[:3]) == ["game_id", "home_team", "away_team"]
    assert table.loc[table.game_id == "away-win", "comeback"].item() == pytest.approx(1 - 0.7)
