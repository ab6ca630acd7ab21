"""The scorecard tab: its warnings when the figures mean little, the page it draws from the frames."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.analytics.report import score_finished_games
from lib.frames import ScorecardFrames, scorecard_frames
from lib.store import Store
from lib.views.scorecard import scorecard_note
from tests.helpers import NOW, game, prediction, score


def finished(games: int) -> ScorecardFrames:
    """The scorecard of ``games`` finished games, each predicted once while live."""
    store = Store()
    for number in range(games):
        game_id = f"g{number}"
        store.ingest(score(game_id, ts=NOW), received_at=NOW)
        store.ingest(prediction(game_id, 0.7, ts=NOW), received_at=NOW)
        final = game(game_id, status="final", home_score=100 + number % 2 * 10, away_score=105)
        store.ingest(score(game_id, ts=NOW + 1, **{k: v for k, v in final.items() if k != "game_id"}), received_at=NOW)
    return scorecard_frames(score_finished_games(store.snapshot().games, store.game_histories()))


def test_the_note_says_when_the_figures_mean_little() -> None:
    """No finished game: it fills in as games end; fewer than 12: luck; 12 and more: nothing to say."""
    assert scorecard_note(finished(0)) == "No finished game with predictions yet: the scorecard fills in as games end."
    assert (scorecard_note(finished(3)) or "").startswith("Only 3 games finished so far: with fewer than 12")
    assert scorecard_note(finished(12)) is None


def test_the_tab_draws_the_figures_chart_and_tables() -> None:
    """Five headline figures, the warning below 12 games, the reliability chart and two tables."""

    def page(card):  # type: ignore[no-untyped-def]  # runs as a script of its own, without this module's imports
        from lib.views.scorecard import render_scorecard

        render_scorecard(card)

    at = AppTest.from_function(page, kwargs={"card": finished(3)}).run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["Brier score", "Log loss", "Favourite won", "Predictions", "Scored games"]
    assert len(at.warning) == 1
    assert len(at.dataframe) == 2
