"""The scorecard tab: its warnings when the figures mean little, the page it draws from the frames."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.analytics.report import score_finished_games
from lib.frames import ScorecardFrames, scorecard_frames
from lib.store import Store
from lib.views.scorecard import partial_note, scorecard_note
from tests.helpers import NOW, game, prediction, score


def finished(games: int, partial: int = 0) -> ScorecardFrames:
    """The scorecard of ``games`` finished games, each predicted once while live, the first ``partial`` of them
    first seen at 50-48 in the third quarter, the others at the tip-off."""
    store = Store()
    for number in range(games):
        game_id = f"g{number}"
        start = {} if number < partial else {"home_score": 0, "away_score": 0, "period": 1, "clock": "12:00"}
        store.ingest(score(game_id, ts=NOW, **start), received_at=NOW)
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


def test_the_notes_say_how_many_partial_games_are_left_out() -> None:
    """Partial games are left out of the overall figures, and the notes count them."""
    assert scorecard_note(finished(2, partial=2)) == (
        "No game seen from its tip-off has finished yet: the overall figures leave out the 2 partial games below."
    )
    assert partial_note(finished(2, partial=2)) is not None
    assert partial_note(finished(3, partial=1)) == (
        "Left out: 1 partial game, first seen after tip-off, whose predictions miss the start (marked below)."
    )
    assert partial_note(finished(3)) is None


def test_with_only_partial_games_the_tab_still_lists_them() -> None:
    """No overall figures, but the per-game table shows the partial games, marked, with from when."""

    def page(card):  # type: ignore[no-untyped-def]  # runs as a script of its own, without this module's imports
        from lib.views.scorecard import render_scorecard

        render_scorecard(card)

    at = AppTest.from_function(page, kwargs={"card": finished(2, partial=2)}).run()
    assert not at.exception
    assert [m.label for m in at.metric] == []
    (table,) = at.dataframe
    assert list(table.value.partial) == [True, True]
    assert list(table.value.known_from) == ["Q3 07:12", "Q3 07:12"]
