"""A night in review from the store, on a finished slate: game summaries, the scorecard."""

from __future__ import annotations

import pytest

from lib.analytics.metrics import MIN_GAMES_FOR_MEANING
from lib.analytics.report import game_summaries, score_finished_games
from lib.frames import game_stats_frame, scorecard_frames
from lib.store import Store
from tests.helpers import frame, game, play, prediction, score

NOW = 1_800_000_000.0


def slate(joined_late: bool = False) -> Store:
    """Three games seen from their first basket: home win (0.6, 0.8 before the end), away win (0.7, 0.4), one
    still live (0.5); and, if ``joined_late``, a home win first seen at 60-58 (0.9)."""
    store = Store()
    at = NOW
    plays = {
        "home-win": [((2, 0), 0.6), ((50, 40), 0.8)],
        "away-win": [((3, 0), 0.7), ((40, 45), 0.4)],
        "live": [((0, 0), 0.5)],
    }
    if joined_late:
        plays["joined-late"] = [((60, 58), 0.9)]
    for game_id, steps in plays.items():
        for (home, away), probability in steps:
            at += 1
            store.ingest(score(game_id, home_score=home, away_score=away), received_at=at)
            store.ingest(prediction(game_id, probability), received_at=at)
    finals = {"home-win": (99, 90), "away-win": (88, 95), "joined-late": (101, 99)}
    for game_id, (home, away) in ((game_id, finals[game_id]) for game_id in plays if game_id in finals):
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


def test_a_partial_game_is_marked_and_left_out_of_the_overall_figures_unless_asked() -> None:
    """A game first seen at 60-58 in Q3 is scored and marked, but only counted overall with include_partial."""
    store = slate(joined_late=True)
    games, histories = store.snapshot().games, store.game_histories()
    card = score_finished_games(games, histories)
    late = next(g for g in card.games if g.game_id == "joined-late")
    assert (late.partial, late.known_from_period, late.known_from_clock) == (True, 3, "07:12")
    assert late.scores.brier == pytest.approx(0.01)
    assert [g.partial for g in card.games if g.game_id != "joined-late"] == [False, False]
    assert (card.overall.games, card.overall.predictions, card.partial_left_out) == (2, 4, 1)
    assert card.overall.brier == pytest.approx((0.16 + 0.04 + 0.49 + 0.16) / 4)
    everything = score_finished_games(games, histories, include_partial=True)
    assert (everything.overall.games, everything.overall.predictions, everything.partial_left_out) == (3, 5, 0)
    assert everything.overall.brier == pytest.approx((0.16 + 0.04 + 0.49 + 0.16 + 0.01) / 5)
    frames = scorecard_frames(card)
    assert frames.partial_left_out == 1
    row = frames.games.set_index("game_id").loc["joined-late"]
    assert (row.partial, row.known_from_period, row.known_from_clock) == (True, 3, "07:12")


def test_the_partial_mark_comes_from_the_predictions_when_no_score_history_is_given() -> None:
    """Given predictions alone (as the archive's scorecard reads them), their states say which game is partial."""
    store = slate(joined_late=True)
    predictions_only = {game_id: ((), predictions) for game_id, (_, predictions) in store.game_histories().items()}
    card = score_finished_games(store.snapshot().games, predictions_only)
    assert {g.game_id: g.partial for g in card.games} == {"home-win": False, "away-win": False, "joined-late": True}


def test_game_stats_say_which_games_are_partial_and_from_when() -> None:
    """The game-stats frame has a partial column and the period (whole numbers) and clock a partial game starts at."""
    store = slate(joined_late=True)
    table = game_stats_frame(game_summaries(store.snapshot().games, store.game_histories())).set_index("game_id")
    assert table.partial.to_dict() == {"home-win": False, "away-win": False, "live": False, "joined-late": True}
    assert str(table.known_from_period.dtype) == "Int64"
    assert table.loc["joined-late", "known_from_period"] == 3
    assert table.loc["joined-late", "known_from_clock"] == "07:12"
    assert table.loc[["home-win", "away-win", "live"], "known_from_period"].isna().all()


def test_a_game_seen_at_its_tip_off_is_whole_though_its_score_history_starts_later() -> None:
    """Seen at 0-0 with a prediction, then next at 60-58: whole (the prediction's state was at the tip-off);
    seen at 0-0 with no prediction and next at 60-58: partial, as a gap since then is all the figures know."""
    store = Store()
    for offset, game_id in enumerate(("predicted", "silent")):
        at = NOW + 10 * offset
        store.ingest(score(game_id, home_score=0, away_score=0, period=1, clock="12:00"), received_at=at)
        if game_id == "predicted":
            store.ingest(prediction(game_id, 0.6), received_at=at)
        store.ingest(score(game_id, home_score=60, away_score=58), received_at=at + 1)
    assert [p.home_score for p in store.history("predicted")] == [60]
    summaries = {s.game_id: s for s in game_summaries(store.snapshot().games, store.game_histories())}
    assert not summaries["predicted"].partial
    assert (summaries["silent"].partial, summaries["silent"].known_from_period) == (True, 3)


def test_the_table_by_phase_counts_what_the_overall_figures_count() -> None:
    """Its ``all`` row is the overall figures' predictions and Brier score; a partial game joins only when asked."""
    store = slate(joined_late=True)
    games, histories = store.snapshot().games, store.game_histories()
    for include_partial, predictions, counted in ((False, 4, 2), (True, 5, 3)):
        card = score_finished_games(games, histories, include_partial=include_partial)
        rows = {row.phase: row for row in card.phases}
        assert (rows["all"].predictions, rows["all"].games) == (predictions, counted)
        assert rows["all"].brier == card.overall.brier
        # Every state of the slate is in the third quarter (07:12 left in it).
        assert (rows["third quarter"].predictions, rows["third quarter"].games) == (predictions, counted)
        assert rows["first half"].predictions == 0


def test_plays_make_a_game_met_mid_way_whole_only_when_they_reach_back_to_its_tip_off() -> None:
    """Two games met in Q3: the one whose plays start at 0-0 in Q1 12:00 is whole, the other stays partial."""
    store = Store()
    for game_id in ("whole", "late"):
        store.ingest(score(game_id, home_score=50, away_score=48), received_at=1.0)
    store.ingest(play("whole", 1, period=1, clock="12:00", team=None, home_score=0, away_score=0), received_at=1.0)
    store.ingest(play("whole", 2, period=1, clock="11:40", home_score=0, away_score=3), received_at=1.0)
    store.ingest(play("late", 1, period=3, clock="08:00", home_score=48, away_score=48), received_at=1.0)
    found = game_summaries(store.snapshot().games, store.game_histories(), store.game_plays())
    summaries = {summary.game_id: summary for summary in found}
    assert (summaries["whole"].partial, summaries["whole"].biggest_away_lead) == (False, 3)
    assert (summaries["late"].partial, summaries["late"].known_from_period) == (True, 3)
