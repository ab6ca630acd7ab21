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
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, timedelta, timezone, tzinfo
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from lib import ArchiveError, LiveFeed, NbaOptions
from lib.access import is_local_viewer
from lib.analytics.game import GameSummary
from lib.board import Board
from lib.config import FeedSettings, OperatorSettings, feed_settings, operator_settings, settings_warnings
from lib.crowd import Crowd
from lib.frames import ScorecardFrames
from lib.pacing import (
    DEFAULT_REFRESH,
    MAX_REFRESH,
    MIN_REFRESH,
    Refresh,
    SessionPacer,
)
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
from lib.views.events import render_event_log, render_toasts, unseen
from lib.views.exports import Export, download_budget, file_version, quiet_refusals, render_exports
from lib.views.format import (
    SORT_KEYS,
    Connection,
    SortKey,
    board_notice,
    escape_markdown,
    source_caption,
    status_rank,
)
from lib.views.header import render_header, render_notice
from lib.views.latency import monitor_figures, render_latency, render_monitor
from lib.views.plays import PlaysView, plays_view, render_plays, render_tonights_biggest
from lib.views.predictions import render_predictions
from lib.views.recording import render_operator_login, render_recording_controls, render_recording_downloads
from lib.views.scorecard import render_scorecard

# A public page never shows a traceback (server paths, settings), whatever a host's flags say.
st.set_option("client.showErrorDetails", "none")
st.set_page_config(page_title="NBA Live Predictions", page_icon="🏀", layout="wide")
# A crafted client can ask for runs as fast as it likes: each session waits its turn (see lib/pacing.py).
pacer: SessionPacer = st.session_state.setdefault("pacer", SessionPacer(time.monotonic()))
time.sleep(pacer.page_run(time.monotonic()))


# Keyed by the settings' own hash: it leaves out the reconnect schedule's random state, which
# would otherwise make every run a new feed.
@st.cache_resource(on_release=LiveFeed.stop, show_spinner=False, hash_funcs={FeedSettings: hash})
def shared_feed(settings: FeedSettings) -> LiveFeed:
    """One feed per server process, shared by every viewer: twenty viewers, one connection (and one NBA poller)."""
    return LiveFeed(settings.url, source=settings.source, options=settings.options, archive=settings.archive).start()


# How long the page reuses what it read from the archive: every viewer shares one read.
ARCHIVE_REFRESH_SECONDS = 30
TABS = ("🏀 Live", "🎯 Game detail", "📈 Scorecard", "⬇️ Data")
SHOW_FINAL = True  # the finished-games switch's default
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
def archived_scorecard(path: Path, include_partial: bool) -> ScorecardFrames:
    """The scorecard over every finished game in the archive."""
    return feed.archived_scorecard(include_partial=include_partial)


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


@st.cache_data(ttl=ARCHIVE_REFRESH_SECONDS, show_spinner=False, max_entries=64)
def archived_plays(path: Path, game_id: str, final: bool) -> PlaysView | None:
    """What Game detail shows of an archived game's plays; ``None`` for a game without any."""
    return plays_view(feed.archived_game_wpa(game_id), final=final)


@st.cache_resource(show_spinner=False, hash_funcs={LiveFeed: id})
def crowd(live: LiveFeed, operator_key: str | None) -> Crowd:
    """What every viewer of the process shares: the live board, the refresh pace, the budgets, the downloads."""
    quiet_refusals()
    return Crowd.make(
        live.snapshot,
        live.status,
        operator_key,
        now=time.monotonic(),
        cpu=time.process_time(),
        plays=live.store.game_plays,
        histories=live.store.game_histories,
    )


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


ARCHIVE_STATE_SECONDS = 5


@st.fragment(run_every=ARCHIVE_STATE_SECONDS)
def archive_state() -> None:
    """The archive's line in the sidebar, kept current: what the writer has done, or why it cannot write or read."""
    time.sleep(pacer.refresh(time.monotonic(), ARCHIVE_STATE_SECONDS, "archive"))
    state = feed.archive
    assert state is not None  # shown only with an archive
    render_archive_state(*archive_caption(state.path, state.write, state.writer, state.problem, state.writer_elsewhere))
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
        viewer = st.context.ip_address or "this machine"
        render_operator_login(lambda given: shared.keys.check(given, viewer, time.monotonic()))
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
shared = crowd(feed, operators.operator_key)

with st.sidebar:
    st.header("Settings")
    refresh = st.slider(
        "Refresh every (seconds)", min_value=MIN_REFRESH, max_value=MAX_REFRESH, value=DEFAULT_REFRESH, step=0.5
    )
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


# The fragment's timer runs in the browser and is set by a whole-page run: a session adopts a new
# interval (the server's load changed it) by running the whole page again. On the Data tab it
# stops: each rerun gives a download button a new file id, and a click landing between the server
# dropping the old one and the browser receiving the new one downloads nothing.
downloading = st.session_state.get("tab") == TABS[-1]
st.session_state.refresh_every = None if downloading else shared.governor.refresh(refresh).interval


@st.fragment(run_every=st.session_state.refresh_every)
def live_section() -> None:
    """Everything that changes: the shared board, rendered top to bottom; only the open tab runs."""
    clock = time.monotonic()
    shared.governor.observe(clock, time.process_time())
    pace = shared.governor.refresh(refresh)
    # The tabs are in this fragment, so a viewer's click on one reruns only the fragment: the timer
    # stops or starts with the Data tab only when the whole page runs again.
    tab_changed = (st.session_state.get("tab") == TABS[-1]) != downloading
    if tab_changed or (not downloading and pace.interval != st.session_state.refresh_every):
        st.rerun()
    page = pacer.in_page_run()
    time.sleep(pacer.refresh(clock, pace.interval))
    with shared.gate.turn(page=page):
        live_contents(pace)


def live_contents(pace: Refresh) -> None:
    """The live section's contents, from one board shared with every other viewer."""
    started = time.perf_counter()
    board = shared.boards.board(time.time(), time.monotonic())
    snapshot = board.snapshot
    tz = viewer_timezone()
    connection = board.connection(tz)
    render_times: deque[float] = st.session_state.setdefault("render_ms", deque(maxlen=300))

    # The games on the board, not in the store (which keeps finals the board no longer shows), and as many as this
    # viewer's filters leave: the widgets below hold their choices from the last run.
    shown = board.view(*board_choices(), tz).cards
    pressed = render_header(connection, board.last_apply_ms, board.on_board, len(shown))
    if pressed and shared.reconnects.admit(time.monotonic()):
        feed.reconnect()
    if pace.degraded:
        st.caption(
            f"⏳ Many viewers right now: the page refreshes every {pace.interval:g} s (you chose {pace.chosen:g} s)."
        )
    render_toasts(unseen(snapshot.events, st.session_state.get("last_event")))
    st.session_state.last_event = snapshot.events[-1].id if snapshot.events else 0

    live, detail, review, data = st.tabs(list(TABS), key="tab", on_change="rerun")
    if live.open is not False:  # None when the tabs do not track state: then everything renders
        with live:
            live_board(board, connection, list(render_times))
    if detail.open:
        with detail:
            game_detail(board)
    if review.open:
        with review:
            scorecard_tab()
    if data.open:
        with data:
            downloads()
    render_times.append((time.perf_counter() - started) * 1000.0)


def board_choices() -> tuple[SortKey, list[str], bool]:
    """The viewer's sort, team filter and finished-games switch, as the live tab's widgets hold them."""
    state = st.session_state
    return state.get("sort_by", SORT_KEYS[0]), state.get("teams", []), state.get("show_final", SHOW_FINAL)


def live_board(board: Board, connection: Connection, render_times: list[float]) -> None:
    """The live tab: game cards, predictions, tonight's biggest plays, the test ping, latency, the event log,
    the monitor."""
    snapshot = board.snapshot
    sort_col, team_col, final_col = st.columns([2, 4, 2], vertical_alignment="bottom")
    sort_by = sort_col.selectbox("Sort games by", SORT_KEYS, key="sort_by")
    team_filter = team_col.multiselect("Teams", board.teams, key="teams", placeholder="All teams")
    show_final = final_col.toggle("Show finished games", value=SHOW_FINAL, key="show_final")
    view = board.view(sort_by, team_filter, show_final, viewer_timezone())

    render_notice(board_notice(connection, bool(snapshot.games)))
    if snapshot.games:
        if view.note is not None and connection.problem is None:
            st.info(view.note, icon="🕖")
        if view.grid_html is not None:
            render_cards(view.grid_html)
        else:
            st.caption("No game matches the filter.")

    st.subheader("Predictions")
    render_predictions(view.predictions)

    st.subheader("Tonight's biggest plays")
    render_tonights_biggest(board.biggest, any_plays=bool(board.plays))

    ping_col, result_col = st.columns([1, 4], vertical_alignment="center")
    if ping_col.button("Send test ping", key="ping"):
        st.session_state.ping_refused = not shared.pings.admit(time.monotonic())
        if not st.session_state.ping_refused:
            st.session_state.ping_sent_ms = time.time() * 1000.0
            feed.send({"type": "ping", "timestamp": st.session_state.ping_sent_ms})
    if st.session_state.get("ping_refused"):
        result_col.caption("Viewers are sending many test pings right now: try again in a second.")
    elif "ping_sent_ms" in st.session_state:
        pong = next((p for p in feed.snapshot().pongs if p.timestamp_ms == st.session_state.ping_sent_ms), None)
        if pong is not None:
            result_col.caption(f"Pong: round trip {pong.rtt_ms:.1f} ms")
        else:
            queued = " (queued until connected)" if board.status.queued else ""
            result_col.caption(f"Ping sent, waiting for the pong…{queued}")

    if show_latency:
        st.subheader("Latency")
        render_latency(board.latency_for(render_times))

    st.subheader("Event log")
    render_event_log(board.events)

    if show_monitor:
        render_monitor(
            monitor_figures(board.status, snapshot.latency, render_times[-1] if render_times else None, board.now)
        )


def game_detail(board: Board) -> None:
    """The game-detail tab: pick a game, see its win probability and margin, its figures, key moments and WPA by
    player, and every game's figures."""
    records = from_archive(archived_games)
    if choose_scope("detail_scope", None if records is None else len(records), "game") == "archive":
        assert records is not None  # the scope offers the archive only when it was read
        archived_game_detail(records)
        return
    if not board.snapshot.games:
        st.caption("No games yet.")
        return
    summaries = board.summaries()
    by_id = {s.game_id: s for s in sorted(summaries, key=lambda s: status_rank(s.status))}
    labels = {s.game_id: f"{s.away_team} @ {s.home_team} ({s.status})" for s in summaries}
    chosen = st.selectbox("Game", list(by_id), format_func=labels.__getitem__, key="detail_game")
    plays = board.plays_view(chosen)
    if plays is None:
        one_game(by_id[chosen], plays, feed.history_points(chosen), feed.prediction_points(chosen))
    else:  # the plays draw the charts
        one_game(by_id[chosen], plays, (), ())
    st.subheader("Every game, most exciting first")
    render_game_table(summaries)


def one_game(
    summary: GameSummary,
    plays: PlaysView | None,
    history: Sequence[HistoryPoint],
    predictions: Sequence[PredictionPoint],
) -> None:
    """One game's charts (from its plays, or else its score changes and predictions), figures, key moments and
    WPA by player."""
    if plays is not None:
        render_timeline(summary, plays.chart, plays.chart, period_marks(plays.last_period), plays=True)
    else:
        probability, margin = timeline(history, predictions)
        last_period = max((h.period for h in history), default=REGULATION_PERIODS)
        render_timeline(summary, probability, margin, period_marks(last_period))
    render_figures(summary)
    render_plays(plays, started=summary.status != "scheduled")


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
    plays = from_archive(lambda path: archived_plays(path, chosen, summary.final))
    one_game(summary, plays, history, predictions)


def scorecard_tab() -> None:
    """The scorecard tab: how good the predictions were, over this session or the whole archive."""
    include_partial = bool(st.session_state.get("include_partial", False))
    archived = from_archive(lambda path: archived_scorecard(path, include_partial))
    scored = None if archived is None else int(archived.overall.iloc[0]["games"])
    if choose_scope("scorecard_scope", scored, "scored game") == "archive":
        assert archived is not None  # the scope offers the archive only when it was read
        card = archived
    else:
        card = feed.scorecard(include_partial=include_partial)
    if bool(card.games["partial"].any()):
        st.toggle(
            "Count partial games",
            key="include_partial",
            help="Games first seen after their tip-off: their predictions miss the start, which is easier to predict",
        )
    render_scorecard(card)


def downloads() -> None:
    """The data tab: every table as CSV or Parquet, built when first asked for; for operators, the recordings."""
    st.caption(
        "The page stops refreshing on this tab, so that no refresh gets in the way of a download; each file "
        "holds the data as of your click. The other tabs refresh again."
    )
    shelf, budget = shared.exports, st.session_state.setdefault("downloads", download_budget(time.monotonic()))
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
            Export("plays", "every play with its win probability added", feed.plays, live),
            Export("player-wpa", "each player's win probability added in each game", feed.player_wpa, live),
        ],
        stem=time.strftime("nba-live-%Y%m%d-%H%M"),
        shelf=shelf,
        budget=budget,
    )
    if archive_readable():
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
                    ("plays", "every archived play with its win probability added"),
                    ("player_wpa", "each player's win probability added in each archived game"),
                )
            ],
            stem=time.strftime("nba-archive-%Y%m%d-%H%M"),
            shelf=shelf,
            budget=budget,
        )
    if operator:
        render_recording_downloads(recording_files(operators.recordings_dir))


live_section()
