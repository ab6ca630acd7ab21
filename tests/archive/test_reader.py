"""Reading an archive: any SQL as a DataFrame, read-only, in UTC, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.analytics.plays import game_wpa
from lib.archive import (
    ArchiveError,
    ArchiveWriter,
    game_accounts,
    game_histories,
    game_plays,
    game_wpas,
    games,
    query,
)
from lib.store import Store
from tests.archive.night import score_frame
from tests.helpers import NOW, play, score


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive of 120 game states: g0, g1 and twenty of g2."""
    path = tmp_path / "nba.duckdb"
    with ArchiveWriter(path, source="demo", batch_seconds=60) as writer:
        for number in range(120):
            writer.offer(score_frame(number), NOW + number)
    return path


def test_a_query_returns_a_dataframe_with_utc_times(archive: Path) -> None:
    """Receive times are timezone-aware UTC timestamps, whatever the machine's zone."""
    result = query(archive, "SELECT game_id, count(*) AS states, max(received_at) AS last FROM game_updates "
                   "GROUP BY game_id ORDER BY game_id")  # fmt: skip
    assert list(result.game_id) == ["g0", "g1", "g2"]
    assert list(result.states) == [50, 50, 20]
    assert str(result["last"].dt.tz) in ("UTC", "Etc/UTC")
    assert result["last"].iloc[2].timestamp() == NOW + 119


def test_a_query_takes_parameters(archive: Path) -> None:
    """Positional and named parameters, as DuckDB takes them."""
    assert query(archive, "SELECT count(*) AS n FROM games WHERE game_id = ?", ["g1"]).n[0] == 1
    assert query(archive, "SELECT count(*) AS n FROM game_updates WHERE home_score < $top", {"top": 10}).n[0] == 30


def test_a_query_cannot_change_the_archive(archive: Path) -> None:
    """The connection is read-only: a write is an error naming the file, and nothing changes."""
    with pytest.raises(ArchiveError, match=rf"{archive}: .*read-only"):
        query(archive, "DELETE FROM game_updates")
    assert query(archive, "SELECT count(*) AS n FROM game_updates").n[0] == 120


def test_bad_sql_is_an_error_naming_the_file(archive: Path) -> None:
    """DuckDB's own words, after the file's name."""
    with pytest.raises(ArchiveError, match=rf"{archive}: .*no_such_table"):
        query(archive, "SELECT * FROM no_such_table")


def test_a_missing_archive_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    """Reading never creates a file."""
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(ArchiveError, match=rf"there is no archive at {missing}"):
        query(missing, "SELECT 1")
    assert not missing.exists()


@pytest.mark.parametrize("name", ["g.csv", "g.csv.gz", "night.jsonl"])
def test_an_archive_named_like_an_input_is_refused_saying_so(tmp_path: Path, name: str) -> None:
    """A CSV or a recording passed as the archive is named as one, never opened as a database."""
    path = tmp_path / name
    path.write_text("game_id,game_date,home_team,away_team,period,seconds_left_in_period,home_score,away_score\n")
    kind = "a recording" if name.endswith(".jsonl") else "a CSV"
    with pytest.raises(ArchiveError, match=rf"^{path} is not a DuckDB archive \(it looks like {kind}: did you swap"):
        query(path, "SELECT 1")
    with pytest.raises(ArchiveError, match="is not a DuckDB archive"):
        ArchiveWriter(tmp_path / f"new-{name}", source="demo")
    assert not (tmp_path / f"new-{name}").exists()


def _played(store: Store, frames: list[str]) -> list[str]:
    """The frames a client's store applies, as the archive gets them."""
    return [text for text in frames if store.ingest(text, received_at=NOW).status == "applied"]


def test_archived_plays_are_a_live_sessions_in_order_and_in_figures(tmp_path: Path) -> None:
    """The plays view and game_wpas() give what the store and lib.analytics give for the same frames: game order
    whatever the ids, a replacement in its place, a corrected clock moved, a game joined late partial."""
    teams = {"home_team": "Boston Celtics", "away_team": "New York Knicks"}
    frames = [
        score("whole", **teams, home_score=0, away_score=0, period=1, clock="12:00"),
        play("whole", 9, period=1, clock="12:00", home_score=0, away_score=0, team=None, home_win_probability=0.6),
        play("whole", 3, period=1, clock="11:00", home_score=2, away_score=0, home_win_probability=0.64),
        play("whole", 2, period=1, clock="11:00", home_score=2, away_score=0, team="New York Knicks", player="Brunson",
             kind="foul", home_win_probability=0.63),
        play("whole", 3, period=1, clock="11:00", home_score=2, away_score=0, player="Brown",
             home_win_probability=0.65),  # sent again: replaced in its place
        play("whole", 5, period=1, clock="10:00", home_score=2, away_score=3, team="New York Knicks",
             player="Brunson", home_win_probability=0.5),
        play("whole", 5, period=1, clock="09:30", home_score=2, away_score=3, team="New York Knicks",
             player="Brunson", home_win_probability=0.5),  # the clock corrected
        play("whole", 1, period=1, clock="09:45", home_score=2, away_score=3, team="Boston Celtics",
             player="Brown", home_win_probability=0.52),
        score("late", **teams, home_score=60, away_score=58),
        play("late", 1, period=3, clock="07:00", home_score=60, away_score=58, home_win_probability=0.7),
        play("late", 2, period=3, clock="06:40", home_score=63, away_score=58, home_win_probability=0.8),
    ]  # fmt: skip
    store = Store()
    applied = _played(store, frames)
    path = tmp_path / "nba.duckdb"
    with ArchiveWriter(path, source="demo", batch_seconds=60) as writer:
        for text in applied:
            writer.offer(text.encode(), NOW)
    live = {game_id: game_wpa(game_id, *teams.values(), plays) for game_id, plays in store.game_plays().items()}
    archived = game_wpas(path)
    view = query(path, "SELECT * FROM plays")
    for game_id in ("whole", "late"):
        assert archived[game_id] == live[game_id]
        rows = view[view.game_id == game_id]
        assert rows.play_id.tolist() == [play.play_id for play in live[game_id].plays]
        for column in ("home_wp_change", "wpa"):
            expected = [getattr(play, column) for play in live[game_id].plays]
            assert rows[column].fillna(99).tolist() == pytest.approx([99 if x is None else x for x in expected])
    assert [play.play_id for play in live["whole"].plays] == [9, 3, 2, 1, 5]
    assert live["late"].partial
    assert not live["whole"].partial
    players = query(path, "SELECT * FROM player_wpa WHERE game_id = 'whole' ORDER BY wpa DESC")
    assert players.player.tolist() == [row.player for row in live["whole"].players]
    assert players.wpa.tolist() == pytest.approx([row.wpa for row in live["whole"].players])


def test_game_accounts_are_what_the_three_reads_give_of_the_chosen_games_only(tmp_path: Path) -> None:
    """game_accounts() gives the chosen games' states, histories and plays as games(), game_histories() and
    game_plays() give them, and nothing of the others."""
    teams = {"home_team": "Boston Celtics", "away_team": "New York Knicks"}
    frames = [
        score(game_id, **teams, home_score=points, away_score=0, period=1, clock=f"{11 - points:02d}:00")
        for game_id in ("a", "b")
        for points in (0, 2, 5)
    ] + [
        play(game_id, number, period=1, clock="11:00", home_score=2, away_score=0, home_win_probability=0.6)
        for game_id in ("a", "b")
        for number in (1, 2)
    ]
    path = tmp_path / "nba.duckdb"
    with ArchiveWriter(path, source="demo", batch_seconds=60) as writer:
        for text in _played(Store(), frames):
            writer.offer(text.encode(), NOW)
    found = game_accounts(path, ["a", "nope"])
    assert found.games == {"a": games(path)["a"]}
    assert found.histories == game_histories(path, ["a"])
    assert found.plays == game_plays(path, ["a"])
    assert [play.play_id for play in found.plays["a"]] == [1, 2]
    assert [point.home_score for point in found.histories["a"][0]] == [2, 5]
