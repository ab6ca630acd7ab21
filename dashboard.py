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

import os
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, timedelta, timezone, tzinfo
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from lib import ArchiveError, FeedStatus, LiveFeed, NbaOptions, Snapshot
from lib.access import KeyGuard, is_local_viewer, ping_budget, reconnect_budget
from lib.analytics.game import GameSummary
from lib.config import FeedSettings, OperatorSettings, feed_settings, operator_settings
from lib.frames import ScorecardFrames
from lib.protocol import REGULATION_PERIODS
from lib.rate import SharedBucket
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
from lib.views.exports import Export, ExportShelf, download_budget, file_version, quiet_refusals, render_exports
from lib.views.format import (
    SORT_KEYS,
    Connection,
    board_note,
    build_cards,
    connection_indicator,
    escape_markdown,
    sort_cards,
    source_caption,
    source_health,
)
from lib.views.header import render_header
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
    return LiveFeed(settings.url, source=settings.nba, options=settings.options, archive=settings.archive).start()


@st.cache_resource(show_spinner=False)
def reconnects() -> SharedBucket:
    """Every viewer may press Reconnect; the process reconnects at most every 5 s, whoever presses."""
    return reconnect_budget(time.monotonic())


@st.cache_resource(show_spinner=False)
def test_pings() -> SharedBucket:
    """Every viewer may send a test ping; the shared connection carries at most one a second, whoever sends."""
    return ping_budget(time.monotonic())


@st.cache_resource(show_spinner=False)
def key_guard(key: str | None) -> KeyGuard:
    """Operator-key tries for the whole process: a few at once, then one every 10 s, each refusal logged."""
    return KeyGuard(key, time.monotonic())


# How long the page reuses what it read from the archive: every viewer shares one read.
ARCHIVE_REFRESH_SECONDS = 30


@st.cache_data(ttl=ARCHIVE_REFRESH_SECONDS, show_spinner=False)
def archive_reading(path: Path) -> tuple[int | None, str | None]:
    """How many finished games the archive holds, or why it cannot be read (kept too: a retry could wait seconds)."""
    try:
        return int(feed.query("SELECT count(*) AS games FROM finished_games")["games"].iloc[0]), None
    except ArchiveError as problem:
        return None, without_folders(str(problem), path)


@st.cache_data(ttl=ARCHIVE_REFRESH_SECONDS, show_spinner=False)
def archived_scorecard(path: Path) -> ScorecardFrames:
    """The scorecard over every finished game in the archive."""
    return feed.archived_scorecard()


@st.cache_data(ttl=ARCHIVE_REFRESH_SECONDS, show_spinner=False)
def archived_games(path: Path) -> dict[str, GameRecord]:
    """Every archived game's latest state."""
    return feed.archived_games()


@st.cache_data(ttl=ARCHIVE_REFRESH_SECONDS, show_spinner=False, max_entries=64)
def archived_game(
    path: Path, game_id: str
) -> tuple[GameSummary, tuple[HistoryPoint, ...], tuple[PredictionPoint, ...]]:
    """One archived game's figures, score changes and predictions."""
    return feed.archived_game(game_id)


@st.cache_resource(show_spinner=False)
def export_shelf() -> ExportShelf:
    """The download files, built once per change and shared by every viewer; refusals kept out of the log."""
    quiet_refusals()
    return ExportShelf()


def archive_readable() -> int | None:
    """Finished games in the archive, or ``None`` when there is no archive to read (the sidebar says why)."""
    state = feed.archive
    return None if state is None else archive_reading(state.path)[0]


@st.fragment(run_every=5)
def archive_state() -> None:
    """The archive's line in the sidebar, kept current: what the writer has done, or why it cannot write or read."""
    state = feed.archive
    assert state is not None  # shown only with an archive
    render_archive_state(*archive_caption(state.path, state.write, state.writer, state.problem))
    unreadable = archive_reading(state.path)[1]
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
        guard, viewer = key_guard(settings.operator_key), st.context.ip_address or "this machine"
        render_operator_login(lambda given: guard.check(given, viewer, time.monotonic()))
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
    connection = connection_indicator(status, now)
    render_times: deque[float] = st.session_state.setdefault("render_ms", deque(maxlen=300))

    last_apply = snapshot.latency[-1].apply_ms if snapshot.latency else None
    pressed = render_header(connection, last_apply, len(snapshot.games), source_health(snapshot.source, now))
    if pressed and reconnects().admit(time.monotonic()):
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

    if not snapshot.games:
        connected = connection.tone == "green"
        st.info(
            ("No live games at the moment" if connected else "Connecting to live data...")
            + "  \n"
            + ("Games will appear here when they start" if connected else "Please wait..."),
            icon="🏀",
        )
    else:
        note = board_note(snapshot.games, now, tz)
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
        st.session_state.ping_refused = not test_pings().admit(time.monotonic())
        if not st.session_state.ping_refused:
            st.session_state.ping_sent_ms = now * 1000.0
            feed.send({"type": "ping", "timestamp": st.session_state.ping_sent_ms})
    if st.session_state.get("ping_refused"):
        result_col.caption("Viewers are sending many test pings right now: try again in a second.")
    elif "ping_sent_ms" in st.session_state:
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
            monitor_figures(status, snapshot.latency, render_times[-1] if render_times else None, connection, now)
        )


def game_detail(snapshot: Snapshot) -> None:
    """The game-detail tab: pick a game, see its win probability and margin, and every game's figures."""
    if choose_scope("detail_scope", archive_readable()) == "archive":
        from_archive(archived_game_detail)
        return
    if not snapshot.games:
        st.caption("No games yet.")
        return
    summaries = feed.game_summaries()
    by_id = {s.game_id: s for s in summaries}
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


def archived_game_detail(path: Path) -> None:
    """Game detail for any archived game, the most recent first."""
    records = sorted(archived_games(path).values(), key=lambda record: record.updated_at, reverse=True)
    if not records:
        st.caption("The archive holds no games yet.")
        return
    labels = {record.game.game_id: archived_game_label(record) for record in records}
    chosen = st.selectbox("Archived game", list(labels), format_func=labels.__getitem__, key="archived_game")
    summary, history, predictions = archived_game(path, chosen)
    probability, margin = timeline(history, predictions)
    last_period = max((h.period for h in history), default=REGULATION_PERIODS)
    render_timeline(summary, probability, margin, period_marks(last_period))
    render_figures(summary)


def from_archive(render: Callable[[Path], None]) -> None:
    """Render from the archive; a read that fails says why and leaves the rest of the page alone."""
    assert feed.archive is not None  # the scope offers the archive only when there is one
    try:
        render(feed.archive.path)
    except ArchiveError as problem:
        st.warning(escape_markdown(without_folders(str(problem), feed.archive.path)), icon="🗄️")


def scorecard_tab() -> None:
    """The scorecard tab: how good the predictions were, over this session or the whole archive."""
    if choose_scope("scorecard_scope", archive_readable()) == "archive":
        from_archive(lambda path: render_scorecard(archived_scorecard(path)))
    else:
        render_scorecard(feed.scorecard())


def downloads() -> None:
    """The data tab: every table as CSV or Parquet, built when first asked for; for operators, the recordings."""
    shelf, budget = export_shelf(), st.session_state.setdefault("downloads", download_budget(time.monotonic()))
    live = lambda: feed.snapshot().version  # noqa: E731 -- every live table is built from the store's snapshot
    render_exports(
        [
            Export("games", "one row per game, latest state", feed.games, live),
            Export("predictions", "latest prediction per game", feed.predictions, live),
            Export("score-history", "every accepted score change", feed.history, live),
            Export(
                "prediction-history", "every accepted prediction with the game state", feed.prediction_history, live
            ),
            Export("latency", "latency samples (end-to-end and apply, ms)", feed.latency, live),
            Export("game-stats", "the game-detail figures for every game", feed.game_stats, live),
            Export("scorecard", "prediction quality per finished game", lambda: feed.scorecard().games, live),
        ],
        stem=time.strftime("nba-live-%Y%m%d-%H%M"),
        shelf=shelf,
        budget=budget,
    )
    if archive_readable() is not None:
        assert feed.archive is not None
        path = feed.archive.path
        archived = partial(file_version, path, path.with_name(path.name + ".wal"))
        st.subheader("The archive")
        render_exports(
            [
                Export(
                    f"archive-{view.replace('_', '-')}",
                    description,
                    partial(feed.query, f"SELECT * FROM {view}"),
                    archived,
                )
                for view, description in (
                    ("games", "every archived game, latest state"),
                    ("score_changes", "every archived score change"),
                    ("predictions", "every archived prediction"),
                    ("finished_games", "finished games with their figures"),
                )
            ],
            stem=time.strftime("nba-archive-%Y%m%d-%H%M"),
            shelf=shelf,
            budget=budget,
        )
    if operator:
        render_recording_downloads(recording_files(operators.recordings_dir))


live_section()
