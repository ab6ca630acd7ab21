"""The header: connection dot with its words, the source's health, update latency, game count."""

from __future__ import annotations

from html import escape
from typing import Final

import streamlit as st

from lib.views.format import Connection, SourceHealth, plural

_DOT: Final = {"green": "#22c55e", "orange": "#f59e0b", "red": "#ef4444", "grey": "#6b7280"}
_WORDS: Final = {"green": "#9ca3af", "orange": "#f59e0b", "red": "#f87171", "grey": "#9ca3af"}


def header_html(
    connection: Connection, latency_ms: float | None, games: int, source: SourceHealth | None = None
) -> str:
    """The status strip under the title, as escaped HTML."""
    if latency_ms is None:
        latency = "Update: –"
    elif latency_ms < 1:
        latency = f"Update: {latency_ms * 1000:.0f} µs"
    else:
        latency = f"Update: {latency_ms:.1f} ms"
    detail = f'<span style="color:#f87171">{escape(connection.detail)}</span>' if connection.detail else ""
    upstream = (
        f'<span data-testid="nba-source" style="color:{_WORDS[source.tone]}">{escape(source.words)}</span>'
        if source is not None
        else ""
    )
    return (
        '<div style="display:flex;gap:22px;align-items:center;color:#9ca3af;font-size:.9rem;flex-wrap:wrap">'
        f'<span data-testid="nba-connection"><span style="display:inline-block;width:9px;height:9px;'
        f'border-radius:50%;background:{_DOT[connection.tone]};margin-right:7px"></span>'
        f"{escape(connection.words)}</span>{detail}{upstream}<span>{latency}</span>"
        f'<span data-testid="nba-game-count">{plural(games, "game")}</span></div>'
    )


def render_header(
    connection: Connection, latency_ms: float | None, games: int, source: SourceHealth | None = None
) -> bool:
    """Draw the status strip; returns True when the user pressed Reconnect."""
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.html(header_html(connection, latency_ms, games, source))
    return connection.can_reconnect and right.button("Reconnect", key="reconnect", width="stretch")
