"""The store's records rebuilt from the archive: the scorecard over archived games equals the one computed in memory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib.analytics.report import game_summaries, score_finished_games
from lib.archive import ArchiveWriter, game_histories, games, query, scorecard
from lib.archive.records import game_record, histories
from lib.archive.records import scorecard as scorecard_of
from lib.frames import scorecard_frames
from lib.store import HistoryPoint, PredictionPoint, Store
from tests.archive.night import play_night, seeded_night
from tests.helpers import NOW


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Path]:
    """A simulated night of two slates, played into a store and, message by message, into an archive."""
    path = tmp_path_factory.mktemp("night") / "nba.duckdb"
    store = Store()
    with ArchiveWriter(path, source="demo", batch_seconds=0.05) as writer:
        for frame, received_at in play_night(store, seeded_night(), seconds=40):
            writer.offer(frame, received_at)
    assert writer.stats.written > 0
    assert writer.stats.orphans == 0
    return store, path


def test_the_archive_scorecard_equals_the_scorecard_in_memory(night: tuple[Store, Path]) -> None:
    """``lib.archive.scorecard(path)`` is ``LiveFeed.scorecard()``'s tables, every figure, bucket and phase exactly
    equal."""
    store, path = night
    in_memory = score_finished_games(store.snapshot().games, store.game_histories())
    assert len(in_memory.games) >= 6, "the night finished games to score"
    session, archived = scorecard_frames(in_memory), scorecard(path)
    for table in ("games", "overall", "calibration", "phases"):
        pd.testing.assert_frame_equal(getattr(archived, table), getattr(session, table), check_exact=True)
    assert archived.enough == session.enough
    assert (archived.phases.predictions > 0).all(), "the night's predictions reach every phase, and before tip-off"
    assert list(archived.calibration.columns) == ["lower", "upper", "predictions", "mean_predicted", "observed"]


def test_the_finished_games_view_gives_the_scorecards_per_game_figures(night: tuple[Store, Path]) -> None:
    """Brier, log loss, accuracy and prediction counts in SQL agree with the scorecard's, game by game."""
    store, path = night
    card = score_finished_games(store.snapshot().games, store.game_histories())
    rows = query(path, "SELECT * FROM finished_games").set_index("game_id")
    assert set(rows.index) == {game.game_id for game in card.games}
    for game in card.games:
        row = rows.loc[game.game_id]
        assert (row.home_score, row.away_score, bool(row.home_won)) == (game.home_score, game.away_score, game.home_won)
        assert row.predictions == game.scores.predictions
        assert row.brier == pytest.approx(game.scores.brier, rel=1e-12)
        assert row.log_loss == pytest.approx(game.scores.log_loss, rel=1e-12)
        assert row.accuracy == pytest.approx(game.scores.accuracy, rel=1e-12)


def test_the_finished_games_view_gives_the_game_summaries_comeback_and_excitement(night: tuple[Store, Path]) -> None:
    """The winner's lowest win probability and the sum of swings agree with the game detail's figures."""
    store, path = night
    summaries = {s.game_id: s for s in game_summaries(store.snapshot().games, store.game_histories()) if s.final}
    rows = query(path, "SELECT game_id, comeback, excitement FROM finished_games").set_index("game_id")
    for game_id, row in rows.iterrows():
        assert row.comeback == pytest.approx(summaries[str(game_id)].comeback, rel=1e-12)
        assert row.excitement == pytest.approx(summaries[str(game_id)].excitement, rel=1e-9)


def test_archived_games_and_histories_are_the_stores_records(night: tuple[Store, Path]) -> None:
    """Latest states, the teams' records with them, and the score and prediction histories come back as the store
    holds them (times to the µs)."""
    store, path = night
    held = store.snapshot().games
    archived = games(path)
    assert all(record.game.home_record and record.game.away_record for record in held.values()), "the night's records"
    assert {game_id: record.game for game_id, record in archived.items()} == {
        game_id: record.game.model_copy(update={"correction": None}) for game_id, record in held.items()
    }
    for game_id, record in archived.items():
        assert record.updated_at == pytest.approx(held[game_id].updated_at, abs=1e-6)
    expected = store.game_histories()
    assert game_histories(path) == {
        game_id: (
            tuple(point._replace(received_at=pytest.approx(point.received_at, abs=1e-6),
                                 ts=pytest.approx(point.ts, abs=1e-6)) for point in flow),
            tuple(point._replace(received_at=pytest.approx(point.received_at, abs=1e-6),
                                 ts=pytest.approx(point.ts, abs=1e-6)) for point in predictions),
        )
        for game_id, (flow, predictions) in expected.items()
    }  # fmt: skip


def test_histories_of_chosen_games_only(night: tuple[Store, Path]) -> None:
    """The game detail opens one archived game without reading the others."""
    _, path = night
    game_id = next(iter(games(path)))
    assert set(game_histories(path, [game_id])) == {game_id}
    assert game_histories(path, []) == {}


def test_rows_become_records() -> None:
    """A games row is a GameRecord; history and prediction rows are the store's points, grouped by game."""
    record = game_record(("g1", "A", "B", "10-5", None, 101, 99, 4, "00:00", "final", None, NOW))
    assert (record.game.home_score, record.game.differential, record.updated_at, record.received_at) == (
        101,
        2,
        NOW,
        NOW,
    )
    assert (record.game.home_record, record.game.away_record) == ("10-5", None)
    flow = ("g1", NOW, None, "score_update", 2, 0, 1, "11:31", "live")
    prediction = ("g2", NOW, NOW, 0.6, 1, "11:31", 2, 0, "live")
    assert histories([flow], [prediction]) == {
        "g1": ((HistoryPoint(*flow),), ()),
        "g2": ((), (PredictionPoint(*prediction),)),
    }


def test_the_scorecard_leaves_out_unfinished_games_and_late_predictions() -> None:
    """Only finished games count, and only the predictions made before the final."""
    finished = ("g1", "A", "B", None, None, 101, 99, 4, "00:00", "final", None, NOW)
    running = ("g2", "C", "D", None, None, 50, 40, 3, "05:00", "live", None, NOW)
    predictions = [
        ("g1", NOW, None, 0.7, 1, "12:00", 0, 0, "live"),  # seen from the tip-off: not partial
        ("g1", NOW, None, 0.999, 4, "00:00", 101, 99, "final"),
        ("g2", NOW, None, 0.8, 3, "05:00", 50, 40, "live"),
    ]
    card = scorecard_of([finished, running], predictions)
    assert [game.game_id for game in card.games] == ["g1"]
    assert (card.overall.predictions, card.overall.brier) == (1, pytest.approx(0.09))
