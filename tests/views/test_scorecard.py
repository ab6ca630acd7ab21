"""The scorecard tab: its warnings when the figures mean little, the page it draws from the frames."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.analytics.phases import ROWS
from lib.analytics.report import score_finished_games
from lib.frames import PHASE_COLUMNS, ScorecardFrames, scorecard_frames
from lib.store import Store
from lib.views.scorecard import PHASE_HEADINGS, partial_note, phase_note, phase_table, scorecard_note
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
    assert (scorecard_note(finished(3)) or "").startswith("Only 3 scored games so far: with fewer than 12")
    assert scorecard_note(finished(12)) is None


def test_the_note_counts_the_partial_games_left_out_beside_the_scored_ones() -> None:
    """Six finals, three of them partial: three scored, and the three partial ones said, not "only 3 finished"."""
    assert (scorecard_note(finished(6, partial=3)) or "").startswith(
        "Only 3 scored games so far (and 3 partial games, first seen after tip-off, left out): with fewer than 12"
    )
    assert (scorecard_note(finished(2, partial=1)) or "").startswith(
        "Only 1 scored game so far (and 1 partial game, first seen after tip-off, left out):"
    )


def test_the_tab_draws_the_figures_chart_and_tables() -> None:
    """Five headline figures, the warning below 12 games, the table by phase, the reliability chart and two tables."""

    def page(card):  # type: ignore[no-untyped-def]  # runs as a script of its own, without this module's imports
        from lib.views.scorecard import render_scorecard

        render_scorecard(card)

    at = AppTest.from_function(page, kwargs={"card": finished(3)}).run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["Brier score", "Log loss", "Favourite won", "Predictions", "Scored games"]
    assert len(at.warning) == 1
    assert len(at.dataframe) == 3
    by_phase = at.dataframe[0].value
    assert list(by_phase.columns) == list(PHASE_HEADINGS.values())
    assert list(by_phase[("", "Phase")]) == ["First half", "All"]  # each predicted at its tip-off
    assert "Over every phase our Brier score" in " ".join(c.value for c in at.caption)


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


def phases(**figures: tuple[int, float, float, float, float | None]) -> pd.DataFrame:
    """A table by phase with the rows given (spaces as underscores): predictions, then our Brier score, the model's
    with nothing known, Stern's, and our calibration error; the baselines' calibration errors 0.02 and 0.03."""
    rows = []
    for name in ROWS:
        count, ours, known, sterns, error = figures.get(name.replace(" ", "_"), (0, None, None, None, None))
        baselines = (0.02, 0.03) if count else (None, None)
        rows.append((name, count, min(count, 1), ours, known, sterns, error, *baselines))
    return pd.DataFrame(rows, columns=list(PHASE_COLUMNS))


def test_the_table_by_phase_shows_the_phases_with_predictions_named_in_words_errors_in_points() -> None:
    """Empty phases are left out; names read as words; calibration errors are percentage points; no game counts."""
    table = phase_table(
        phases(
            first_half=(40, 0.2, 0.21, 0.22, 0.015),
            last_five_minutes=(10, 0.1, 0.12, 0.13, None),
            all=(50, 0.18, 0.2, 0.21, 0.01),
        )
    )
    assert list(table[("", "Phase")]) == ["First half", "Last five minutes", "All"]
    assert list(table[("", "Predictions")]) == [40, 10, 50]
    assert list(table[("Brier score", "Stern")]) == [0.22, 0.13, 0.21]
    assert table[("Calibration error", "Ours")].iloc[0] == pytest.approx(1.5)
    assert pd.isna(table[("Calibration error", "Ours")].iloc[1])
    assert list(table[("Calibration error", "Stern")]) == pytest.approx([3.0, 3.0, 3.0])
    assert "games" not in {second for _, second in table.columns}


def test_the_note_says_what_the_model_adds_over_each_baseline() -> None:
    """Below, above or level with each baseline's Brier score, to four places; nothing before a prediction is scored."""
    assert phase_note(phases(all=(50, 0.1800, 0.2000, 0.1750, 0.01))) == (
        "Over every phase our Brier score, 0.1800, is 0.0200 below the model with nothing known (0.2000) and "
        "0.0050 above Stern’s (0.1750): lower is better."
    )
    assert "level with Stern’s (0.1800)" in (phase_note(phases(all=(50, 0.18, 0.2, 0.18000001, 0.01))) or "")
    assert phase_note(phases()) is None
