"""How the page words the archive: its state, its problems without server folders, its games by name."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.archive import ArchiveWriter, WriterStats, games, query
from lib.archive.schema import prepare
from lib.protocol import Game, encode
from lib.store import GameRecord
from lib.views.archive import archive_caption, archived_game_label, without_folders
from tests.archive.versions import make_older
from tests.helpers import NOW, frame, game, score, two_finished_games
from tests.test_dashboard import AppFactory, archive_scope_options, page_text, sidebar_text

ARCHIVE = Path("/srv/team/secret-folder/season.duckdb")


def writer(**fields: object) -> WriterStats:
    values: dict[str, object] = {
        "path": ARCHIVE,
        "source": "nba",
        "written": 12_345,
        "duplicates": 0,
        "dropped": 0,
        "skipped": 0,
        "refused": 0,
        "last_refused": None,
        "orphans": 0,
        "queued": 0,
        "pending": 0,
        "batches": 3,
        "errors": 0,
        "last_error": None,
        "failing": False,
        "last_write_at": NOW,
        "longest_write": 0.01,
        "closed": False,
    }
    return WriterStats(**(values | fields))  # type: ignore[arg-type]


def test_a_problem_names_the_file_but_never_its_folder() -> None:
    """The server's folders never reach a viewer: the full path becomes the file name."""
    message = f"{ARCHIVE} already has a writer (process 4242): an archive takes one writer at a time"
    assert without_folders(message, ARCHIVE) == (
        "season.duckdb already has a writer (process 4242): an archive takes one writer at a time"
    )


def test_the_caption_counts_new_rows_while_writing() -> None:
    """A healthy writer: the rows it added, with thousands separated, and no warning."""
    assert archive_caption(ARCHIVE, True, writer(), None, None) == (
        "Archive season.duckdb: 12,345 new rows since this dashboard started",
        False,
    )


def test_the_caption_names_the_last_frame_the_archive_refused() -> None:
    """Rows go on being written; the refused frames are counted and the last one named."""
    refused = writer(refused=2, last_refused="score_update of game g1: ts 10000000000000.0 is outside 0 to 4133980800")
    assert archive_caption(ARCHIVE, True, refused, None, None) == (
        "Archive season.duckdb: 12,345 new rows since this dashboard started; 2 frames refused, the last: "
        "score_update of game g1: ts 10000000000000.0 is outside 0 to 4133980800",
        False,
    )


def test_the_caption_warns_when_the_archive_is_not_written_here() -> None:
    """Another process writes the file: a warning that says so, without the folder, and who writes it now."""
    caption, warning = archive_caption(ARCHIVE, True, None, f"{ARCHIVE} already has a writer (process 7)", "7")
    assert warning
    assert caption == (
        "Archive: not written by this dashboard. season.duckdb already has a writer (process 7) Process 7 writes it."
    )


def test_the_caption_warns_while_batches_fail() -> None:
    """A full disk: what waits, and why, as a warning."""
    failing = writer(failing=True, pending=40, queued=2, last_error=f"{ARCHIVE} cannot grow: the disk is full")
    assert archive_caption(ARCHIVE, True, failing, None, None) == (
        "Archive season.duckdb: 42 frames waiting. season.duckdb cannot grow: the disk is full",
        True,
    )


def test_the_caption_says_who_writes_an_archive_read_here_and_only_what_is_true() -> None:
    """A dashboard that only reads the archive says so, calmly, and whether a process writes it now."""
    assert archive_caption(ARCHIVE, False, None, None, "4242") == (
        "Archive season.duckdb: read only here. Process 4242 writes it.",
        False,
    )
    assert archive_caption(ARCHIVE, False, None, None, None) == (
        "Archive season.duckdb: read only here. No process writes it now.",
        False,
    )


def test_an_archived_game_is_labelled_by_teams_score_day_and_status() -> None:
    """The label a viewer picks an archived game by, on the league's day (US Eastern) wherever the viewer is."""
    tip = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # the evening of 30 November in New York
    final = Game.model_validate(
        game(
            "g",
            home_team="Knicks",
            away_team="Celtics",
            home_score=99,
            away_score=101,
            status="final",
            start_time=tip,
        )
    )
    record = GameRecord(final, NOW, NOW, None, None, 1)
    assert archived_game_label(record) == "Celtics 101 @ Knicks 99, 2026-11-30 (final)"


def test_the_pickers_day_is_the_archives_game_date(tmp_path: Path) -> None:
    """One day per game: the label a viewer picks by and the views' game_date, with a tip-off time and without."""
    path = tmp_path / "nba.duckdb"
    late = datetime(2027, 1, 16, 3, 0, tzinfo=UTC).timestamp()  # 15 January, 10 PM in New York
    with ArchiveWriter(path, source="demo", batch_seconds=0.02) as writer:
        writer.offer(score("tipped", start_time="2026-12-01T01:30:00Z").encode(), NOW)
        writer.offer(score("untimed").encode(), late)
        wait_for(lambda: writer.stats.written == 2, what="both games")
    labels = {game_id: archived_game_label(record) for game_id, record in games(path).items()}
    days = {game_id: re.findall(r"\d{4}-\d\d-\d\d", label) for game_id, label in labels.items()}
    dates = query(path, "SELECT game_id, strftime(game_date, '%Y-%m-%d') AS day FROM games")
    assert days == {game_id: [day] for game_id, day in zip(dates.game_id, dates.day, strict=True)}
    assert days == {"tipped": ["2026-11-30"], "untimed": ["2027-01-15"]}


# -- the page, in AppTest, fed by a real feed server on loopback --------------------------------


def archive_of(path: Path, frames: list[bytes]) -> Path:
    """An archive holding ``frames``, received a second apart, its writer closed."""
    with ArchiveWriter(path, source="demo", batch_seconds=0.02) as writer:
        for index, frame in enumerate(frames):
            writer.offer(frame, NOW + index)
    assert writer.stats.written + writer.stats.duplicates == len(frames)
    return path


def finished_night_frames() -> list[bytes]:
    """Two finished games with predictions, and a third that finished without any."""
    played = [encode(message).encode() for batch in two_finished_games() for message in batch]
    unpredicted = {"home_team": "Home n", "away_team": "Away n"}
    return [
        *played,
        score("n", **unpredicted, home_score=10, away_score=8).encode(),
        frame("game_end", game("n", **unpredicted, home_score=12, away_score=8, status="final")).encode(),
    ]


def test_the_scorecard_and_its_switch_give_one_count_of_archived_games(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path
) -> None:
    """'the archive (2 scored games)' beside 'Scored games 2' (a game never predicted is not scored); the picker: 3."""
    path = archive_of(tmp_path / "nba.duckdb", finished_night_frames())
    at = app(feed_server.url, FEED_ARCHIVE=str(path), FEED_ARCHIVE_MODE="read")
    at.session_state["tab"] = "📈 Scorecard"
    at.run()
    assert not at.exception
    assert archive_scope_options(at) == ["this session", "the archive (2 scored games)"]
    at.get("button_group")[0].set_value("archive").run()
    assert {m.label: m.value for m in at.metric}["Scored games"] == "2"
    at.session_state["tab"] = "🎯 Game detail"
    at.run()
    assert archive_scope_options(at) == ["this session", "the archive (3 games)"]
    at.get("button_group")[0].set_value("archive").run()
    assert len(at.selectbox(key="archived_game").options) == 3


def poisoned_archive(path: Path) -> Path:
    """An archive written before the protocol bounded times: version 1, a game tipping off in the year 10000."""
    with duckdb.connect(str(path)) as connection:
        prepare(connection, path)
        make_older(connection, 1)
        states = [("live", 2, 0, "11:00"), ("final", 101, 99, "00:00")]
        for arrival, (status, home_score, away_score, clock) in enumerate(states, 1):
            connection.execute(
                "INSERT INTO game_updates VALUES ('far', ?, ?, 4, ?, ?, 'Home far', 'Away far',"
                " '9999-12-31T23:59:59-05:00'::TIMESTAMPTZ, 'score_update', to_timestamp(?), to_timestamp(1e12),"
                " 'demo', ?)",
                [home_score, away_score, clock, status, NOW + arrival, arrival],
            )
        connection.execute(
            "INSERT INTO prediction_updates VALUES ('far', 2, 0, 4, '11:00', 'live', 0.2, '', NULL, NULL,"
            " to_timestamp(?), to_timestamp(1e12), 'demo', 3)",
            [NOW + 3],
        )
    return path


def test_an_archive_with_a_row_poisoned_before_breaks_no_tab_after_a_restart(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path
) -> None:
    """Game detail, the scorecard and the data tab over a file with a tip-off in the year 10000: no error anywhere."""
    path = poisoned_archive(tmp_path / "nba.duckdb")
    at = app(feed_server.url, FEED_ARCHIVE=str(path))  # this dashboard writes it: its start migrates the file
    at.session_state["tab"] = "🎯 Game detail"
    at.run()
    assert not at.exception
    at.get("button_group")[0].set_value("archive").run()
    assert not at.exception
    chosen = at.selectbox(key="archived_game")
    assert chosen.options == ["Away far 99 @ Home far 101, 2027-01-15 (final)"]  # the day its last state came
    assert len(at.get("vega_lite_chart")) == 2
    at.session_state["tab"] = "📈 Scorecard"
    at.run()
    at.get("button_group")[0].set_value("archive").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Scored games"] == "1"
    at.session_state["tab"] = "⬇️ Data"
    at.run()
    assert not at.exception
    assert "error" not in page_text(at).lower()


def test_a_dashboard_that_reads_an_archive_nobody_writes_says_so_and_leaves_no_lock(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path
) -> None:
    """Read only, no writer: the sidebar says no process writes it (not 'another process writes it'); no file added."""
    path = archive_of(tmp_path / "nba.duckdb", finished_night_frames())
    at = app(feed_server.url, FEED_ARCHIVE=str(path), FEED_ARCHIVE_MODE="read")
    at.run()
    assert not at.exception
    assert "Archive nba.duckdb: read only here. No process writes it now." in sidebar_text(at)
    assert "another process" not in sidebar_text(at)
    with ArchiveWriter(path, source="team-feed"):
        at.run()
        assert f"Archive nba.duckdb: read only here. Process {os.getpid()} writes it." in sidebar_text(at)
    assert sorted(file.name for file in tmp_path.iterdir()) == ["nba.duckdb"]


@pytest.mark.parametrize("mode", ["write", "read"])
def test_an_archive_in_a_missing_folder_shows_no_folder_of_the_server(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path, mode: str
) -> None:
    """Written or only read, a missing folder is named by the file alone: no part of the server's path is shown."""
    path = tmp_path / "team-share" / "nba.duckdb"
    at = app(feed_server.url, FEED_ARCHIVE=str(path), FEED_ARCHIVE_MODE=mode)
    at.run()
    assert not at.exception
    shown = " ".join([sidebar_text(at), *(str(w.value) for w in at.sidebar.warning), page_text(at)]).replace("\\", "")
    assert "nba.duckdb" in shown
    assert "team-share" not in shown
    assert str(tmp_path) not in shown
