"""🏀 NBA Live Predictions: the page.

``streamlit run dashboard.py``. With no configuration it shows the embedded demo feed; set
``FEED_SOURCE=nba`` (or ``feed_source = "nba"`` in ``.streamlit/secrets.toml``) for tonight's
real NBA games, or ``FEED_URL`` for a feed server elsewhere.

The page, top to bottom: a sidebar of settings; the header with the connection state; then
tabs: the live board (game cards, predictions, latency, event log, performance monitor), game
detail, the prediction scorecard, and data downloads. Everything live is one fragment that
reruns every second or so and renders one snapshot; only the open tab is built. With
``FEED_ARCHIVE`` set, game detail, the scorecard and the downloads also reach every archived game.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, timedelta, timezone, tzinfo
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from lib import ArchiveError, FeedStatus, LiveFeed, NbaOptions, Snapshot
from lib.access import Throttle, is_local_viewer, key_matches
from lib.analytics.game import GameSummary
from lib.config import FeedSettings, OperatorSettings, feed_settings, operator_settings, settings_warnings
from lib.frames import ScorecardFrames
from lib.protocol import REGULATION_PERIODS
from lib.recorder import recording_files
from lib.store import GameRecord, HistoryPoint, PredictionPoint
from lib.views.archive import (
    archive_caption,
    archived_game_label,
    choose_scope,
    render_archive_state,
    without_folders,
)
from lib.views.cards import render_cards
from lib.views.detail import period_marks, render_figures, render_game_table, render_timeline, timeline
from lib.views.events import event_log_table, render_event_log, render_toasts, unseen
from lib.views.exports import Export, render_exports
from lib.views.format import (
    SORT_KEYS,
    Connection,
    board_note,
    board_notice,
    build_cards,
    connection_indicator,
    escape_markdown,
    sort_cards,
    source_caption,
    status_rank,
)
from lib.views.header import render_header, render_notice
from lib.views.latency import latency_figures, monitor_figures, render_latency, render_monitor
from lib.views.predictions import predictions_table, render_predictions
from lib.views.recording import render_operator_login, render_recording_controls, render_recording_downloads
from lib.views.scorecard import render_scorecard

# A public page never shows a traceback (server paths, settings), whatever a host's flags say.
st.set_option("client.showErrorDetails", "none")
st.set_page_config(page_title="NBA Live Predictions", page_icon="🏀", layout="wide")


# Keyed by the settings' own hash: it leaves out the reconnect schedule's random state, which
# would otherwise make every run a new feed.
@st.cache_resource(on_release=LiveFeed.stop, show_spinner=False, hash_funcs={FeedSettings: hash})
def shared_feed(settings: FeedSettings) -> LiveFeed:
    """One feed per server process, shared by every viewer: twenty viewers, one connection (and one NBA poller)."""
    return LiveFeed(settings.url, source=settings.source, options=settings.options, archive=settings.archive).start()


@st.cache_resource(show_spinner=False)
def reconnects() -> Throttle:
    """Every viewer may press Reconnect; the process reconnects at most every 5 s, whoever presses."""
    return Throttle(5.0)


# How long the page reuses what it read from the archive: every viewer shares one read.
ARCHIVE_REFRESH_SECONDS = 30
T = TypeVar("T")


@st.cache_data(ttl=ARCHIVE_REFRESH_SECONDS, show_spinner=False)
def archive_reading(path: Path) -> str | None:
    """Why the archive cannot be read, or ``None`` when it can (kept too: a retry could wait seconds)."""
    try:
        feed.query("SELECT count(*) FROM games")
    except ArchiveError as problem:
        return without_folders(str(problem), path)
    return None


@st.cache_data(ttl=ARCHIVE_REFRESH_SECONDS, show_spinner=False)
def archived_scorecard(path: Path) -> ScorecardFrames:
    """The scorecard over every finished game in the archive."""
    return feed.archived_scorecard()


@st.cache_data(ttl=ARCHIVE_REFRESH_SECONDS, show_spinner=False)
def archived_games(path: Path) -> list[GameRecord]:
    """Every archived game's latest state, the most recently updated first."""
    return sorted(feed.archived_games().values(), key=lambda record: record.updated_at, reverse=True)


@st.cache_data(ttl=ARCHIVE_REFRESH_SECONDS, show_spinner=False, max_entries=64)
def archived_game(
    path: Path, game_id: str
) -> tuple[GameSummary, tuple[HistoryPoint, ...], tuple[PredictionPoint, ...]]:
    """One archived game's figures, score changes and predictions."""
    return feed.archived_game(game_id)


@st.cache_data(ttl=ARCHIVE_REFRESH_SECONDS, show_spinner=False, max_entries=8)
def archived_table(path: Path, view: str) -> Any:
    """One of the archive's views, whole, for a download."""
    return feed.query(f"SELECT * FROM {view}")


def archive_readable() -> bool:
    """Whether there is an archive to read (the sidebar says why not)."""
    state = feed.archive
    return state is not None and archive_reading(state.path) is None


def from_archive(read: Callable[[Path], T]) -> T | None:
    """What ``read`` gives from the archive, or ``None`` when there is none to read; a read that fails says why."""
    state = feed.archive
    if state is None or not archive_readable():
        return None
    try:
        return read(state.path)
    except ArchiveError as problem:
        st.warning(escape_markdown(without_folders(str(problem), state.path)), icon="🗄️")
        return None


@st.fragment(run_every=5)
def archive_state() -> None:
    """The archive's line in the sidebar, kept current: what the writer has done, or why it cannot write or read."""
    state = feed.archive
    assert state is not None  # shown only with an archive
    render_archive_state(
        *archive_caption(state.path, state.write, state.writer, state.problem, state.writer_elsewhere)
    )
    unreadable = archive_reading(state.path)
    if unreadable is not None:
        st.caption(escape_markdown(f"Cannot read the archive: {unreadable}"))


def new_recording_path(folder: Path) -> Path:
    """A fresh file in ``folder`` (``recordings/`` by default, git-ignored), named by the time it starts."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder / time.strftime("night-%Y%m%d-%H%M%S.jsonl")


def is_operator(settings: OperatorSettings) -> bool:
    """Whether this viewer may change the shared process: on this machine, or with the operator key."""
    if is_local_viewer(st.context.ip_address, st.context.headers) or st.session_state.get("operator"):
        return True
    if settings.operator_key is not None:
        render_operator_login(lambda given: key_matches(given, settings.operator_key))
    return bool(st.session_state.get("operator"))


def viewer_timezone() -> tzinfo:
    """The viewer's time zone, as the browser reports it (UTC when it does not)."""
    try:
        return ZoneInfo(st.context.timezone) if st.context.timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        offset = st.context.timezone_offset
        return UTC if offset is None else timezone(-timedelta(minutes=offset))


def secrets() -> Mapping[str, Any]:
    """``.streamlit/secrets.toml`` if there is one; nothing otherwise."""
    try:
        return dict(st.secrets)
    except FileNotFoundError:
        return {}


@st.cache_resource(show_spinner=False)
def logged(warnings: tuple[str, ...]) -> tuple[str, ...]:
    """The settings' warnings, logged once per process; the page shows them to every viewer."""
    for warning in warnings:
        logging.getLogger("dashboard").warning("%s", warning)
    return warnings


for warning in logged(settings_warnings(os.environ, secrets())):
    st.warning(escape_markdown(warning), icon="⚠️")
try:
    feed = shared_feed(feed_settings(os.environ, secrets()))
    operators = operator_settings(os.environ, secrets())
except ValueError as problem:
    st.error(f"The feed is misconfigured: {problem}")
    st.stop()

with st.sidebar:
    st.header("Settings")
    refresh = st.slider("Refresh every (seconds)", min_value=0.5, max_value=10.0, value=1.0, step=0.5)
    show_latency = st.toggle("Latency charts", value=True)
    show_monitor = st.toggle("📊 Performance monitor", value=False)
    embedded = feed.embedded
    nba_options = embedded if isinstance(embedded, NbaOptions) else None
    st.caption(escape_markdown(source_caption(feed.url or "", demo=feed.is_demo, nba=nba_options)))
    operator = is_operator(operators)
    render_recording_controls(
        feed.recording,
        operator=operator,
        start=lambda: feed.start_recording(
            new_recording_path(operators.recordings_dir),
            max_total_bytes=operators.recording_max_bytes,
            min_free_bytes=operators.recording_min_free_bytes,
        ),
        stop=feed.stop_recording,
    )
    if feed.archive is not None:
        archive_state()

st.title("🏀 NBA Live Predictions")


@st.fragment(run_every=refresh)
def live_section() -> None:
    """Everything that changes: one snapshot, rendered top to bottom; only the open tab runs."""
    started = time.perf_counter()
    now = time.time()
    snapshot = feed.snapshot()
    status = feed.status(snapshot)
    connection = connection_indicator(status, now, snapshot.source, viewer_timezone())
    render_times: deque[float] = st.session_state.setdefault("render_ms", deque(maxlen=300))

    last_apply = snapshot.latency[-1].apply_ms if snapshot.latency else None
    pressed = render_header(connection, last_apply, len(snapshot.games))
    if pressed and reconnects().allow(now):
        feed.reconnect()
    render_toasts(unseen(snapshot.events, st.session_state.get("last_event")))
    st.session_state.last_event = snapshot.events[-1].id if snapshot.events else 0

    board, detail, review, data = st.tabs(
        ["🏀 Live", "🎯 Game detail", "📈 Scorecard", "⬇️ Data"], key="tab", on_change="rerun"
    )
    if board.open is not False:  # None when the tabs do not track state: then everything renders
        with board:
            live_board(snapshot, status, connection, list(render_times), now)
    if detail.open:
        with detail:
            game_detail(snapshot)
    if review.open:
        with review:
            scorecard_tab()
    if data.open:
        with data:
            downloads()
    render_times.append((time.perf_counter() - started) * 1000.0)


def live_board(
    snapshot: Snapshot, status: FeedStatus, connection: Connection, render_times: list[float], now: float
) -> None:
    """The live tab: game cards, predictions, the test ping, latency, the event log, the monitor."""
    sort_col, team_col, final_col = st.columns([2, 4, 2], vertical_alignment="bottom")
    sort_by = sort_col.selectbox("Sort games by", SORT_KEYS, key="sort_by")
    teams = sorted({team for r in snapshot.games.values() for team in (r.game.home_team, r.game.away_team)})
    team_filter = team_col.multiselect("Teams", teams, key="teams", placeholder="All teams")
    show_final = final_col.toggle("Show finished games", value=True, key="show_final")
    cards = sort_cards(
        build_cards(snapshot.games, snapshot.predictions, now=now, team_filter=team_filter, show_final=show_final),
        sort_by,
    )
    tz = viewer_timezone()

    render_notice(board_notice(connection, bool(snapshot.games)))
    if snapshot.games:
        note = board_note(snapshot.games, now, tz) if connection.problem is None else None
        if note is not None:
            st.info(note, icon="🕖")
        if cards:
            render_cards(cards, now, tz)
        else:
            st.caption("No game matches the filter.")

    st.subheader("Predictions")
    render_predictions(predictions_table(cards, now, tz))

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
        render_latency(latency_figures(snapshot.latency, snapshot.rate, render_times, now))

    st.subheader("Event log")
    render_event_log(event_log_table(snapshot.events))

    if show_monitor:
        render_monitor(
            monitor_figures(status, snapshot.latency, render_times[-1] if render_times else None, now)
        )


def game_detail(snapshot: Snapshot) -> None:
    """The game-detail tab: pick a game, see its win probability and margin, and every game's figures."""
    records = from_archive(archived_games)
    if choose_scope("detail_scope", None if records is None else len(records), "game") == "archive":
        assert records is not None  # the scope offers the archive only when it was read
        archived_game_detail(records)
        return
    if not snapshot.games:
        st.caption("No games yet.")
        return
    summaries = feed.game_summaries()
    by_id = {s.game_id: s for s in sorted(summaries, key=lambda s: status_rank(s.status))}
    labels = {s.game_id: f"{s.away_team} @ {s.home_team} ({s.status})" for s in summaries}
    chosen = st.selectbox("Game", list(by_id), format_func=labels.__getitem__, key="detail_game")
    summary = by_id[chosen]
    history = feed.history_points(chosen)
    probability, margin = timeline(history, feed.prediction_points(chosen))
    last_period = max((h.period for h in history), default=REGULATION_PERIODS)
    render_timeline(summary, probability, margin, period_marks(last_period))
    render_figures(summary)
    st.subheader("Every game, most exciting first")
    render_game_table(summaries)


def archived_game_detail(records: list[GameRecord]) -> None:
    """Game detail for any archived game, the most recent first."""
    if not records:
        st.caption("The archive holds no games yet.")
        return
    labels = {record.game.game_id: archived_game_label(record) for record in records}
    chosen = st.selectbox("Archived game", list(labels), format_func=labels.__getitem__, key="archived_game")
    read = from_archive(lambda path: archived_game(path, chosen))
    if read is None:
        return
    summary, history, predictions = read
    probability, margin = timeline(history, predictions)
    last_period = max((h.period for h in history), default=REGULATION_PERIODS)
    render_timeline(summary, probability, margin, period_marks(last_period))
    render_figures(summary)


def scorecard_tab() -> None:
    """The scorecard tab: how good the predictions were, over this session or the whole archive."""
    card = from_archive(archived_scorecard)
    scored = None if card is None else int(card.overall.iloc[0]["games"])
    if choose_scope("scorecard_scope", scored, "scored game") == "archive":
        assert card is not None  # the scope offers the archive only when it was read
        render_scorecard(card)
    else:
        render_scorecard(feed.scorecard())


def downloads() -> None:
    """The data tab: every table as CSV or Parquet, built when clicked; for operators, the recordings."""
    render_exports(
        [
            Export("games", "one row per game, latest state", feed.games),
            Export("predictions", "latest prediction per game", feed.predictions),
            Export("score-history", "every accepted score change", feed.history),
            Export("prediction-history", "every accepted prediction with the game state", feed.prediction_history),
            Export("latency", "latency samples (end-to-end and apply, ms)", feed.latency),
            Export("game-stats", "the game-detail figures for every game", feed.game_stats),
            Export("scorecard", "prediction quality per finished game", lambda: feed.scorecard().games),
        ],
        stem=time.strftime("nba-live-%Y%m%d-%H%M"),
    )
    if archive_readable():
        assert feed.archive is not None
        path = feed.archive.path
        st.subheader("The archive")
        render_exports(
            [
                Export("archive-games", "every archived game, latest state", partial(archived_table, path, "games")),
                Export(
                    "archive-score-changes",
                    "every archived score change",
                    partial(archived_table, path, "score_changes"),
                ),
                Export(
                    "archive-predictions", "every archived prediction", partial(archived_table, path, "predictions")
                ),
                Export(
                    "archive-finished-games",
                    "finished games with their figures",
                    partial(archived_table, path, "finished_games"),
                ),
            ],
            stem=time.strftime("nba-archive-%Y%m%d-%H%M"),
        )
    if operator:
        render_recording_downloads(recording_files(operators.recordings_dir))


live_section()
