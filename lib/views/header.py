"""Where the data stands, as the page says it: the strip under the title, with its notice over the board."""

from __future__ import annotations

from html import escape
from typing import Final

import streamlit as st

from lib.views.format import Connection, Notice, apply_time, escape_markdown, plural

_DOT: Final = {"green": "#22c55e", "orange": "#f59e0b", "red": "#ef4444", "grey": "#6b7280"}
_WORDS: Final = {"green": "#9ca3af", "orange": "#f59e0b", "red": "#f87171", "grey": "#9ca3af"}


def header_html(connection: Connection, latency_ms: float | None, games: int, shown: int | None = None) -> str:
    """The status strip under the title, as escaped HTML.

    Args:
        connection: Where the data stands.
        latency_ms: The newest frame's apply time, if any.
        games: The games on the board (its cards before a viewer's filters): not every game the
            store holds, whose older finals the board no longer shows.
        shown: The cards this viewer's filters leave, when fewer than ``games``; said beside them.
    """
    count = plural(games, "game") if shown is None or shown == games else f"{shown} of {plural(games, 'game')} shown"
    detail = f'<span style="color:#f87171">{escape(connection.detail)}</span>' if connection.detail else ""
    upstream = f'<span data-testid="nba-source">{escape(connection.upstream)}</span>' if connection.upstream else ""
    return (
        '<div style="display:flex;gap:22px;align-items:center;color:#9ca3af;font-size:.9rem;flex-wrap:wrap">'
        f'<span data-testid="nba-connection" style="color:{_WORDS[connection.tone]}">'
        '<span style="display:inline-block;width:9px;height:9px;'
        f'border-radius:50%;background:{_DOT[connection.tone]};margin-right:7px"></span>'
        f"{escape(connection.words)}</span>{detail}{upstream}"
        f'<span title="Parse, validate and store">Last update applied in {apply_time(latency_ms)}</span>'
        f'<span data-testid="nba-game-count">{count}</span></div>'
    )


def render_header(connection: Connection, latency_ms: float | None, games: int, shown: int | None = None) -> bool:
    """Draw the status strip (``games`` and ``shown`` as :func:`header_html` takes them); returns True when the
    user pressed Reconnect."""
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.html(header_html(connection, latency_ms, games, shown))
    return connection.can_reconnect and right.button("Reconnect", key="reconnect", width="stretch")


def render_notice(notice: Notice | None) -> None:
    """The board's notice, as text (a feed's error words never become markup)."""
    if notice is None:
        return
    show = {"info": st.info, "warning": st.warning, "error": st.error}[notice.kind]
    show(escape_markdown(notice.text), icon={"info": "🏀", "warning": "⚠️", "error": "🚫"}[notice.kind])
