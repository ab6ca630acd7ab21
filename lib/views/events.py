"""Tip-offs with finals as they happen: a toast for each new one, a short event log."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import streamlit as st

from lib.store import FeedEvent
from lib.views.format import escape_markdown


def unseen(events: Sequence[FeedEvent], last_seen: int | None) -> list[FeedEvent]:
    """Events newer than ``last_seen``; none on a viewer's first look (old news is not toasted)."""
    if last_seen is None:
        return []
    return [event for event in events if event.id > last_seen]


def toast_text(event: FeedEvent) -> str:
    """The toast for one event, with the team names escaped for markdown."""
    game = event.game
    matchup = f"{escape_markdown(game.away_team)} @ {escape_markdown(game.home_team)}"
    if event.kind == "game_start":
        return f"🏀 Tip-off: {matchup}"
    return f"🏁 Final: {matchup} {game.away_score}–{game.home_score}"


def render_toasts(events: Sequence[FeedEvent]) -> None:
    """One toast per event (at most a handful, so a reconnect burst does not flood the screen)."""
    for event in events[-5:]:
        st.toast(toast_text(event))


def event_log_table(events: Sequence[FeedEvent], limit: int = 10) -> pd.DataFrame:
    """The newest game starts and ends, newest first; a tip-off is about the start, so it has no score."""
    rows = [
        {
            "Time": pd.Timestamp(event.at, unit="s", tz="UTC"),
            "Event": "Tip-off" if event.kind == "game_start" else "Final",
            "Game": f"{event.game.away_team} @ {event.game.home_team}",
            "Score": "" if event.kind == "game_start" else f"{event.game.away_score}–{event.game.home_score}",
        }
        for event in reversed(events[-limit:])
    ]
    return pd.DataFrame(rows, columns=["Time", "Event", "Game", "Score"])


def render_event_log(table: pd.DataFrame | pa.Table) -> None:
    """The event log, as a table (or the Arrow table made of it; feed text shows as text)."""
    if len(table) == 0:
        st.caption("No tip-offs or finals yet.")
        return
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"Time": st.column_config.DatetimeColumn("Time (UTC)", format="HH:mm:ss")},
    )
