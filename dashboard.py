"""🏀 NBA Live Predictions: the page.

``streamlit run dashboard.py``. With no configuration it shows the embedded demo feed; set
``FEED_URL`` (or ``feed_url`` in ``.streamlit/secrets.toml``) to show a real one.

The page, top to bottom: a sidebar of settings; the header with the connection state; the
game cards; the predictions table; latency charts; the event log; the performance monitor.
Everything live is one fragment that reruns every second or so and renders one snapshot.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

import streamlit as st

from lib import LiveFeed
from lib.config import FeedSettings, feed_settings
from lib.views.cards import render_cards
from lib.views.events import event_log_table, render_event_log, render_toasts, unseen
from lib.views.format import (
    SORT_KEYS,
    build_cards,
    connection_indicator,
    escape_markdown,
    sort_cards,
)
from lib.views.header import render_header
from lib.views.latency import latency_figures, monitor_figures, render_latency, render_monitor
from lib.views.tables import predictions_table, render_predictions

st.set_page_config(page_title="NBA Live Predictions", page_icon="🏀", layout="wide")


@st.cache_resource(on_release=LiveFeed.stop, show_spinner=False)
def shared_feed(settings: FeedSettings) -> LiveFeed:
    """One feed per server process, shared by every viewer: twenty viewers, one connection."""
    return LiveFeed(
        settings.url,
        token=settings.token,
        max_reconnect_attempts=settings.max_reconnect_attempts,
        reconnect_base_delay=settings.reconnect_base_delay,
        reconnect_max_delay=settings.reconnect_max_delay,
    ).start()


def secrets() -> Mapping[str, Any]:
    """``.streamlit/secrets.toml`` if there is one; nothing otherwise."""
    try:
        return dict(st.secrets)
    except FileNotFoundError:
        return {}


try:
    feed = shared_feed(feed_settings(os.environ, secrets()))
except ValueError as problem:
    st.error(f"The feed is misconfigured: {problem}")
    st.stop()

with st.sidebar:
    st.header("Settings")
    refresh = st.slider("Refresh every (seconds)", min_value=0.5, max_value=10.0, value=1.0, step=0.5)
    show_latency = st.toggle("Latency charts", value=True)
    show_monitor = st.toggle("📊 Performance monitor", value=False)
    st.caption(f"Feed: {escape_markdown(feed.url or '')}{' (embedded demo)' if feed.is_demo else ''}")

st.title("🏀 NBA Live Predictions")


@st.fragment(run_every=refresh)
def live_section() -> None:
    """Everything that changes: one snapshot, rendered top to bottom."""
    started = time.perf_counter()
    now = time.time()
    snapshot = feed.snapshot()
    status = feed.status(snapshot)
    connection = connection_indicator(status, now)
    render_times: deque[float] = st.session_state.setdefault("render_ms", deque(maxlen=300))

    last_apply = snapshot.latency[-1].apply_ms if snapshot.latency else None
    if render_header(connection, last_apply, len(snapshot.games)):
        feed.reconnect()

    newest = snapshot.events[-1].id if snapshot.events else 0
    render_toasts(unseen(snapshot.events, st.session_state.get("last_event")))
    st.session_state.last_event = newest

    sort_col, team_col, final_col = st.columns([2, 4, 2], vertical_alignment="bottom")
    sort_by = sort_col.selectbox("Sort games by", SORT_KEYS, key="sort_by")
    teams = sorted({team for r in snapshot.games.values() for team in (r.game.home_team, r.game.away_team)})
    team_filter = team_col.multiselect("Teams", teams, key="teams", placeholder="All teams")
    show_final = final_col.toggle("Show finished games", value=True, key="show_final")
    cards = sort_cards(
        build_cards(snapshot.games, snapshot.predictions, now=now, team_filter=team_filter, show_final=show_final),
        sort_by,
    )

    if not snapshot.games:
        connected = connection.tone == "green"
        st.info(
            ("No live games at the moment" if connected else "Connecting to live data...")
            + "  \n"
            + ("Games will appear here when they start" if connected else "Please wait..."),
            icon="🏀",
        )
    elif not cards:
        st.caption("No game matches the filter.")
    else:
        render_cards(cards, now)

    st.subheader("Predictions")
    render_predictions(predictions_table(cards, now))

    ping_col, result_col = st.columns([1, 4], vertical_alignment="center")
    if ping_col.button("Send test ping", key="ping"):
        st.session_state.ping_sent_ms = now * 1000.0
        feed.send({"type": "ping", "timestamp": st.session_state.ping_sent_ms})
    if "ping_sent_ms" in st.session_state:
        pong = next((p for p in snapshot.pongs if p.timestamp_ms == st.session_state.ping_sent_ms), None)
        if pong is not None:
            result_col.caption(f"Pong: round trip {pong.rtt_ms:.1f} ms")
        else:
            queued = " (queued until connected)" if status.queued else ""
            result_col.caption(f"Ping sent, waiting for the pong…{queued}")

    if show_latency:
        st.subheader("Latency")
        render_latency(latency_figures(snapshot.latency, snapshot.rate, list(render_times), now))

    st.subheader("Event log")
    render_event_log(event_log_table(snapshot.events))

    if show_monitor:
        last_render = render_times[-1] if render_times else None
        render_monitor(monitor_figures(status, snapshot.latency, last_render, connection, now))

    render_times.append((time.perf_counter() - started) * 1000.0)


live_section()
