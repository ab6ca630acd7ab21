"""The archive on the page: its state, its games by name, the choice between it and this session.

Every viewer of a public deployment sees these words, so a problem is shown with the file's
name only: the folders of the server's disk are nobody's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Final, Literal

import streamlit as st

from lib.archive import WriterStats
from lib.protocol import LEAGUE_TIMEZONE
from lib.store import GameRecord
from lib.views.format import escape_markdown, local_date, plural

Scope = Literal["session", "archive"]
SCOPES: Final[tuple[Scope, ...]] = ("session", "archive")


def without_folders(message: str, path: Path) -> str:
    """``message`` with the archive's full path (as given, or resolved) shortened to its file name,
    and its folder, wherever else it appears (another file's path beside it), to ``…``."""
    for full in sorted({str(path), str(path.resolve())}, key=len, reverse=True):
        message = message.replace(full, path.name)
    for folder in sorted({path.parent, path.resolve().parent}, key=lambda folder: len(str(folder)), reverse=True):
        if folder.is_absolute() and folder != folder.parent:  # an absolute folder, not the root, cannot be a word
            message = message.replace(str(folder), "…")
        elif str(folder) != ".":
            message = message.replace(f"{folder}/", "…/")
    return message


def archive_caption(
    path: Path, write: bool, writer: WriterStats | None, problem: str | None, elsewhere: str | None
) -> tuple[str, bool]:
    """The sidebar's line about the archive, and whether it is a warning.

    Args:
        path: The archive file.
        write: Whether this feed is to write it (else it only reads it).
        writer: The writer's counters while this feed writes it.
        problem: Why this feed does not write it.
        elsewhere: While this feed does not write it, the process that does, by its id; ``None``
            when none does now.
    """
    name = path.name
    now = "No process writes it now." if elsewhere is None else f"Process {elsewhere} writes it."
    if not write:
        return f"Archive {name}: read only here. {now}", False
    if problem is not None:
        return f"Archive: not written by this dashboard. {without_folders(problem, path)} {now}", True
    if writer is None:
        return f"Archive {name}: opening…", False
    if writer.failing and writer.last_error is not None:
        waiting = writer.pending + writer.queued
        return f"Archive {name}: {waiting:,} frames waiting. {without_folders(writer.last_error, path)}", True
    refused = f"; {plural(writer.refused, 'frame')} refused, the last: {writer.last_refused}" if writer.refused else ""
    return f"Archive {name}: {writer.written:,} new rows since this dashboard started{refused}", False


def archived_game_label(record: GameRecord) -> str:
    """``"Celtics 101 @ Knicks 99, 2026-11-30 (final)"``: the teams, the score, the game day, the status.

    The day is the league's (:data:`lib.protocol.LEAGUE_TIMEZONE`) of the tip-off, or of the latest
    state when the feed gave no tip-off time: the archive's ``game_date``.
    """
    game = record.game
    when = game.start_time or datetime.fromtimestamp(record.updated_at, LEAGUE_TIMEZONE)
    return (
        f"{game.away_team} {game.away_score} @ {game.home_team} {game.home_score}, "
        f"{local_date(when, LEAGUE_TIMEZONE)} ({game.status})"
    )


def choose_scope(key: str, archived: int | None, counted: str) -> Scope:
    """This session's games or the archive's; only this session's while there is no archive to read.

    Args:
        key: The widget's key (each tab keeps its own choice).
        archived: How many of what the tab shows the archive holds, ``None`` when there is none to
            read. The tab shows the archive from the same read, so the two numbers are one.
        counted: What that number counts, singular: ``"game"`` (game detail's picker), ``"scored
            game"`` (the scorecard's games).
    """
    if archived is None:
        return "session"
    labels: Mapping[Scope, str] = {"session": "this session", "archive": f"the archive ({plural(archived, counted)})"}
    chosen = st.segmented_control(
        "Games from", SCOPES, format_func=labels.__getitem__, default="session", key=key, label_visibility="collapsed"
    )
    return chosen or "session"


def render_archive_state(caption: str, warning: bool) -> None:
    """The archive's line in the sidebar: a caption, or a warning when something is wrong."""
    if warning:
        st.warning(escape_markdown(caption), icon="🗄️")
    else:
        st.caption(escape_markdown(caption))
