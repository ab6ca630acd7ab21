"""``LiveFeed``: the one object an analyst or the dashboard holds.

It wires a :class:`~lib.client.FeedClient` to a :class:`~lib.store.Store`, runs an embedded
feed server when no URL is given (the demo night, or the bridge to tonight's real NBA games),
keeps what it accepts in an archive when given one, and hands out snapshots and pandas frames.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from lib import archive as archive_module
from lib.analytics.game import GameSummary
from lib.analytics.plays import GameWpa, game_wpa
from lib.analytics.report import game_summaries, score_finished_games
from lib.client import EventName, FeedClient
from lib.feed.sources.nba import NbaOptions
from lib.frames import (
    ScorecardFrames,
    game_stats_frame,
    games_frame,
    history_frame,
    latency_frame,
    player_wpa_frame,
    plays_frame,
    prediction_history_frame,
    predictions_frame,
    scorecard_frames,
)
from lib.options import FeedOptions
from lib.protocol import GameEnd, Play, PlayUpdate, PredictionUpdate, ScoreUpdate, encode
from lib.recorder import DEFAULT_MAX_TOTAL_BYTES, DEFAULT_MIN_FREE_BYTES, Recorder, RecorderStats
from lib.status import FeedStatus, status_of
from lib.store import GameRecord, HistoryPoint, PredictionPoint, Snapshot, Store
from lib.urls import redact_url

if TYPE_CHECKING:
    from lib.feed.server import FeedServer
    from lib.feed.sources import Source

logger = logging.getLogger(__name__)

DEMO_INTERVAL: Final = 1.0
"""Seconds between pushes of the embedded demo feed: a board that moves every second, not every five."""


@dataclass(frozen=True)
class DemoOptions:
    """The embedded demo feed's night.

    Attributes:
        games: Games per slate.
        speed: Game seconds per real second.
        interval: Seconds between pushes.
        seed: Makes the night reproducible.

    Raises:
        ValueError: If ``speed`` or ``interval`` is not a positive number.
    """

    games: int = 8
    speed: float = 24.0
    interval: float = DEMO_INTERVAL
    seed: int | None = None

    def __post_init__(self) -> None:
        # As `python -m lib.feed` refuses them: an interval of 0 would push in a loop that never rests.
        for name in ("speed", "interval"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"DemoOptions.{name} must be a positive number, got {value!r}")

    def source(self) -> Source:
        """A simulated night to serve (the embedded feed's source)."""
        from lib.feed.sources.night import NightSimulator  # noqa: PLC0415 -- a URL feed never loads the server side

        return NightSimulator(games=self.games, seed=self.seed, speed=self.speed)


@dataclass(frozen=True, init=False)
class ArchiveOptions:
    """Where a feed keeps what it accepts, and whether it writes there or only reads.

    Attributes:
        path: The DuckDB archive file.
        write: Write what the feed accepts; ``False`` only reads, for a dashboard or notebook
            sharing an archive that another process (``python -m lib.feed --archive``) writes.
        source: The label the feed's rows carry; by default ``demo``, ``nba`` or the feed's URL
            with its credentials removed.
    """

    path: Path
    write: bool
    source: str | None

    def __init__(self, path: str | os.PathLike[str], write: bool = True, source: str | None = None) -> None:
        # A notebook passes a string ("nba.duckdb"); everything after takes the path as a Path.
        object.__setattr__(self, "path", Path(path))
        object.__setattr__(self, "write", write)
        object.__setattr__(self, "source", source)


@dataclass(frozen=True)
class ArchiveState:
    """The feed's archive: where it is, whether this feed writes it, and why not.

    Attributes:
        path: The archive file.
        write: Whether this feed is to write the archive (else it only reads it).
        writer: The writer's counters while this feed writes the archive; ``None`` when it does
            not (not started, only reading, or the file could not be opened for writing).
        problem: Why this feed does not write the archive, naming the file (another process
            writes it, a newer schema, a read-only folder, ...); ``None`` while it writes.
        writer_elsewhere: While this feed does not write the archive, the id of the process that
            does, as its writer lock gives it; ``None`` when no process writes it now.
    """

    path: Path
    write: bool
    writer: archive_module.WriterStats | None
    problem: str | None
    writer_elsewhere: str | None = None


class LiveFeed:
    """A live NBA feed in the background, readable at any moment.

    Example:
        >>> feed = LiveFeed()          # no URL: the embedded demo feed
        >>> feed.start()               # returns at once
        >>> feed.games()               # a DataFrame, one row per game
        >>> LiveFeed(source=NbaOptions()).start()   # tonight's real NBA games, bridged in-process

    Args:
        url: ``ws://`` or ``wss://`` URL of a feed server; ``None`` runs an embedded one.
        source: What the embedded feed serves: :class:`DemoOptions` (the default, a simulated
            night) or :class:`~lib.feed.sources.nba.NbaOptions` (tonight's real games). Each builds its
            own source; this class knows none of them.
        options: How to connect and stay connected (:class:`~lib.options.FeedOptions`: token,
            reconnect schedule, pings, outgoing queue, TLS).
        store: The store to write into (a new one by default).
        record_to: Append every received frame, with its receive time, to this JSON Lines file
            (rotated by size; see :class:`~lib.recorder.Recorder`). Switch recording on and off
            later with :meth:`start_recording` and :meth:`stop_recording`.
        archive: Append every game state and prediction the store accepts to this DuckDB file
            (created if missing; see ``docs/archive.md``), in batches off the client thread, and
            read it with :meth:`query`; :class:`ArchiveOptions` to only read it, or to label the
            rows. If the file cannot be written (another process writes it, a read-only folder,
            a newer schema) the feed runs without writing it, says why in :attr:`archive`, and
            still reads it.

    Raises:
        ValueError: If a URL comes with a source, or an option is out of its range.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        source: DemoOptions | NbaOptions | None = None,
        options: FeedOptions | None = None,
        store: Store | None = None,
        record_to: str | os.PathLike[str] | None = None,
        archive: str | os.PathLike[str] | ArchiveOptions | None = None,
    ) -> None:
        if url is not None and source is not None:
            raise ValueError("a feed URL leaves nothing to embed: give the URL or a source, not both")
        self.store = store or Store()
        self.options = options or FeedOptions()
        self._embedded: DemoOptions | NbaOptions | None = None if url is not None else source or DemoOptions()
        self._source: Source | None = None
        """The embedded feed's source, built once: a restart continues the same night."""
        self._server: FeedServer | None = None
        self._port = 0
        self._recorder: Recorder | None = None if record_to is None else Recorder(record_to, first=self._joined_state)
        if archive is not None and not isinstance(archive, ArchiveOptions):
            archive = ArchiveOptions(Path(archive))
        self._archive_options: ArchiveOptions | None = archive
        self._scorecard: tuple[tuple[bool, frozenset[tuple[str, float]]], ScorecardFrames] | None = None
        self._scorecard_lock = threading.Lock()
        self._writer: archive_module.ArchiveWriter | None = None
        self._archive_problem: str | None = None
        self._url = url
        self._handlers: list[tuple[EventName, Callable[..., None]]] = []
        # With a URL the client exists from the start, so bad options fail here and early sends queue.
        self._client: FeedClient | None = None if url is None else self._make_client(url)

    @property
    def url(self) -> str | None:
        """The feed URL with credentials removed; for an embedded feed, known once started."""
        return None if self._url is None else redact_url(self._url)

    @property
    def is_demo(self) -> bool:
        """Whether this feed is the embedded demo feed."""
        return isinstance(self._embedded, DemoOptions)

    @property
    def embedded(self) -> DemoOptions | NbaOptions | None:
        """The embedded feed's options: the demo's, the NBA bridge's, or ``None`` for a feed at a URL."""
        return self._embedded

    def _make_client(self, url: str) -> FeedClient:
        client = FeedClient(url, self.store, self.options, on_frame=self._record, on_accepted=self._archive)
        for event, handler in self._handlers:
            client.on(event, handler)
        return client

    def _record(self, payload: bytes, binary: bool, received_at: float) -> None:
        recorder = self._recorder  # read once: another thread may switch recording off meanwhile
        if recorder is not None:
            recorder.record(payload, binary, received_at)

    def _archive(self, payload: bytes, received_at: float) -> None:
        writer = self._writer  # read once: stop() may close it meanwhile
        if writer is not None:
            writer.offer(payload, received_at)

    def _open_archive(self, options: ArchiveOptions) -> None:
        embedded = self._embedded
        kind = "demo" if isinstance(embedded, DemoOptions) else "nba" if embedded is not None else self._url or ""
        try:
            self._writer = archive_module.ArchiveWriter(options.path, source=options.source or kind)
            self._archive_problem = None
        except archive_module.ArchiveError as error:
            self._archive_problem = str(error)
            logger.warning("the feed runs without writing its archive: %s", error)

    @property
    def archive(self) -> ArchiveState | None:
        """The archive's path, the writer's counters or who writes it instead, and any problem; ``None`` without one."""
        options = self._archive_options
        if options is None:
            return None
        writer = self._writer
        if writer is not None:
            return ArchiveState(options.path, options.write, writer.stats, self._archive_problem)
        elsewhere = archive_module.writer_process(options.path.resolve())
        return ArchiveState(options.path, options.write, None, self._archive_problem, elsewhere)

    def query(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run SQL on the archive, read-only: its views ``games``, ``score_changes``,
        ``predictions``, ``finished_games``, ``plays`` and ``player_wpa`` are described in ``docs/archive.md``.

        Example:
            >>> feed.query("SELECT * FROM finished_games ORDER BY winner_lowest_probability LIMIT 5")

        Raises:
            RuntimeError: This feed was given no archive.
            ArchiveError: The file is missing, busy for too long, not an archive of this
                version, or the SQL failed; the message says which.
        """
        return archive_module.query(self._archive_file(), sql, parameters)

    def archived_games(self) -> dict[str, GameRecord]:
        """Every archived game's latest state, in the order they last changed.

        Raises:
            RuntimeError: This feed was given no archive.
            ArchiveError: As :meth:`query`.
        """
        return archive_module.games(self._archive_file())

    def archived_game(self, game_id: str) -> tuple[GameSummary, tuple[HistoryPoint, ...], tuple[PredictionPoint, ...]]:
        """One archived game: its figures, its score changes and its predictions, oldest first.

        Raises:
            RuntimeError: This feed was given no archive.
            KeyError: The archive has no such game.
            ArchiveError: As :meth:`query`.
        """
        path = self._archive_file()
        found = archive_module.game_accounts(path, [game_id])
        if game_id not in found.games:
            raise KeyError(f"the archive {path.name} has no game {game_id!r}")
        flow, predictions = found.histories.get(game_id, ((), ()))
        # Its figures as Game detail gives them live: from its plays where they reach back further.
        summary = game_summaries(found.games, found.histories, found.plays)[0]
        return summary, tuple(flow), tuple(predictions)

    def archived_game_wpa(self, game_id: str) -> GameWpa:
        """One archived game's plays with their win probability added, as :meth:`game_wpa` gives a live game's.

        Raises:
            RuntimeError: This feed was given no archive.
            ArchiveError: As :meth:`query`.
        """
        found = archive_module.game_wpas(self._archive_file(), [game_id]).get(game_id)
        return found if found is not None else game_wpa(game_id, "", "", ())

    def archived_scorecard(self, *, include_partial: bool = False) -> ScorecardFrames:
        """:meth:`scorecard` over every finished game in the archive.

        Raises:
            RuntimeError: This feed was given no archive.
            ArchiveError: As :meth:`query`.
        """
        return archive_module.scorecard(self._archive_file(), include_partial=include_partial)

    def _archive_file(self) -> Path:
        if self._archive_options is None:
            raise RuntimeError("this feed has no archive: give LiveFeed(archive=...) a DuckDB file")
        return self._archive_options.path

    def start_recording(
        self,
        path: str | os.PathLike[str],
        *,
        max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
        min_free_bytes: int = DEFAULT_MIN_FREE_BYTES,
    ) -> None:
        """Append every frame received from now on to ``path`` (JSON Lines, flushed per frame).

        The recording starts with the state it joins: before the first frame it records (or when
        stopped, if none came), every game's latest state, prediction and plays, as frames with the
        ``ts`` they came with, so that a replay or an import of it starts from the scores it joined.
        Replay it with ``python -m lib.feed --replay PATH``. Recording to a new path ends the
        current recording first. The recording stops by itself, its reason in
        :attr:`recording`, before its files together pass ``max_total_bytes`` or once the disk
        has less than ``min_free_bytes`` free.
        """
        recorder = Recorder(
            path, max_total_bytes=max_total_bytes, min_free_bytes=min_free_bytes, first=self._joined_state
        )
        previous, self._recorder = self._recorder, recorder
        if previous is not None:
            previous.close()

    def _joined_state(self) -> list[bytes]:
        """Every game's latest state, then its prediction, then its plays, as frames with the ``ts`` they came with."""
        snapshot = self.store.snapshot()
        plays = self.store.game_plays()
        frames = []
        for game_id, record in snapshot.games.items():
            message = GameEnd if record.game.status == "final" else ScoreUpdate
            frames.append(encode(message(data=record.game, ts=record.ts)).encode())
            prediction = snapshot.predictions.get(game_id)
            if prediction is not None:
                frames.append(encode(PredictionUpdate(data=prediction.prediction, ts=prediction.ts)).encode())
            for play in plays.get(game_id, ()):
                data = Play.model_validate({name: getattr(play, name) for name in Play.model_fields})
                frames.append(encode(PlayUpdate(data=data, ts=play.ts)).encode())
        return frames

    def stop_recording(self) -> None:
        """Stop recording and close the file (what was written stays)."""
        previous, self._recorder = self._recorder, None
        if previous is not None:
            previous.close()

    @property
    def recording(self) -> RecorderStats | None:
        """The current recording's path and counts (``stopped`` says why, if it stopped by itself); ``None`` when
        not recording."""
        recorder = self._recorder
        return None if recorder is None else recorder.stats

    def start(self) -> LiveFeed:
        """Connect in the background (starting the embedded feed first when there is no URL). Returns at once.

        Calling it again after :meth:`stop` starts everything again, the embedded feed included.
        """
        if self._embedded is not None and self._server is None:
            # Imported here: a feed with a URL never needs the server side (FastAPI, uvicorn, httpcore).
            from lib.feed.server import FeedServer  # noqa: PLC0415

            embedded = self._embedded
            if self._source is None:
                self._source = embedded.source()
            # The same port after a restart, so the client's URL still leads to it. A demo night waits
            # for this feed's own client, so that the store sees its first games announced before tip-off.
            self._server = FeedServer(
                self._source,
                interval=embedded.interval,
                port=self._port,
                wait_for_client=isinstance(embedded, DemoOptions),
            ).start()
            self._port = self._server.port
            self._url = self._server.url
            logger.info("embedded %s feed serving %s", self._source.name, self._url)
        options = self._archive_options
        if options is not None and options.write and self._writer is None:
            self._open_archive(options)
        if self._client is None:
            assert self._url is not None  # a URL feed made its client at construction
            self._client = self._make_client(self._url)
        self._client.start()
        return self

    def stop(self) -> None:
        """Stop all this feed started: the connection, the embedded feed, any recording, the archive's writer."""
        if self._client is not None:
            self._client.stop()
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.stop_recording()

    def reconnect(self) -> None:
        """Connect again now with a fresh attempt count: after giving up or a server close."""
        if self._client is None:
            self.start()
        else:
            self._client.reconnect()

    def send(self, message: Mapping[str, Any] | str) -> None:
        """Send a message to the feed, at most 4 KiB as UTF-8; queued (bounded) while disconnected.

        See :meth:`FeedClient.send <lib.client.FeedClient.send>`.

        Raises:
            TypeError: A value in the message cannot be serialised to JSON.
            ValueError: The message is bigger than 4 KiB, holds NaN or Infinity, refers to
                itself or nests too deeply for JSON, or is a string with a lone surrogate.
        """
        if self._client is None:
            raise RuntimeError("start() the embedded feed before sending to it")
        self._client.send(message)

    def on(self, event: EventName, handler: Callable[..., None]) -> None:
        """Call ``handler`` in the client thread on ``event``; see :meth:`FeedClient.on`."""
        if self._client is not None:
            self._client.on(event, handler)
        self._handlers.append((event, handler))

    def snapshot(self) -> Snapshot:
        """An immutable view of everything received so far."""
        return self.store.snapshot()

    def games(self) -> pd.DataFrame:
        """One row per game: teams, score, period, clock, status, differential, updated_at, ..."""
        return games_frame(self.store.snapshot().games)

    def predictions(self) -> pd.DataFrame:
        """The latest prediction per game: game_id, home_win_probability, predicted scores, model."""
        return predictions_frame(self.store.snapshot().predictions)

    def history(self, game_id: str | None = None) -> pd.DataFrame:
        """Every accepted score change (one game, or all): game_id, received_at, scores, period, clock, ..."""
        return history_frame(self.store.history(game_id))

    def prediction_history(self, game_id: str | None = None) -> pd.DataFrame:
        """Every accepted prediction (one game, or all), with the game's period, clock and score."""
        return prediction_history_frame(self.store.prediction_history(game_id))

    def history_points(self, game_id: str) -> tuple[HistoryPoint, ...]:
        """One game's accepted score changes as records, oldest first: what :meth:`history` tabulates."""
        return self.store.history(game_id)

    def prediction_points(self, game_id: str) -> tuple[PredictionPoint, ...]:
        """One game's accepted predictions as records, oldest first: what :meth:`prediction_history` tabulates."""
        return self.store.prediction_history(game_id)

    def plays(self, game_id: str | None = None) -> pd.DataFrame:
        """Every accepted play (one game, or all) in game order, with its win probability added: game_id,
        play_id, period, clock, team, player, description, kind, home_score, away_score,
        home_win_probability, home_wp_change (from the play before) and wpa (that change from the side
        of the play's team); see :mod:`lib.analytics.plays`."""
        return plays_frame(self.game_wpas() if game_id is None else [self.game_wpa(game_id)])

    def player_wpa(self, game_id: str | None = None) -> pd.DataFrame:
        """Each player's win probability added in each game (one game, or all), the most first: game_id, team,
        player, plays, wpa (the sum of his plays' wpa)."""
        return player_wpa_frame(self.game_wpas() if game_id is None else [self.game_wpa(game_id)])

    def game_wpa(self, game_id: str) -> GameWpa:
        """One game's plays with their win probability added, its players' and teams' WPA, as records:
        what :meth:`plays` and :meth:`player_wpa` tabulate. A game without plays (or unknown) has none."""
        record = self.store.snapshot().games.get(game_id)
        home, away = ("", "") if record is None else (record.game.home_team, record.game.away_team)
        return game_wpa(game_id, home, away, self.store.plays(game_id))

    def game_wpas(self) -> list[GameWpa]:
        """:meth:`game_wpa` for every game with plays, in the order the games arrived."""
        games = self.store.snapshot().games
        plays = self.store.game_plays()
        return [
            game_wpa(game_id, record.game.home_team, record.game.away_team, plays[game_id])
            for game_id, record in games.items()
            if game_id in plays
        ]

    def game_summaries(self) -> list[GameSummary]:
        """Every game's figures as records, most exciting first: what :meth:`game_stats` tabulates, and what the
        page's Game detail shows."""
        return game_summaries(self.store.snapshot().games, self.store.game_histories(), self.store.game_plays())

    def game_stats(self) -> pd.DataFrame:
        """One row per game, most exciting first: lead changes, times tied, biggest leads and run,
        excitement index (sum of win-probability swings), comeback factor (the winner's lowest
        win probability); live figures while a game runs, final once it ends. ``partial`` marks a
        game first seen after its tip-off, whose figures are known only from ``known_from_period``
        and ``known_from_clock`` on; a game whose plays reach back to its tip-off (a feed sends a
        game's plays whole on connect) has whole figures from its plays instead, as the page's."""
        return game_stats_frame(self.game_summaries())

    def scorecard(self, *, include_partial: bool = False) -> ScorecardFrames:
        """How good the predictions were on finished games: Brier score, log loss, favourite
        accuracy and calibration, per game and overall, with the number of predictions behind each;
        and by game phase, beside two baselines on the same states (``phases``).

        Args:
            include_partial: Count in the overall figures the games first seen after their
                tip-off too. By default they are only listed, marked ``partial``, and counted in
                ``partial_left_out``: predictions from mid-game on are easier than a whole game's.
        """
        games = self.store.snapshot().games
        # Only finished games are scored, and what is scored of one never changes once it is
        # final unless its state does: a page refreshing every second for many viewers scores
        # again only when a game ends (or is corrected, or evicted).
        finals = frozenset((r.game.game_id, r.updated_at) for r in games.values() if r.game.status == "final")
        key = (include_partial, finals)
        with self._scorecard_lock:
            kept = self._scorecard
            if kept is None or kept[0] != key:
                card = score_finished_games(games, self.store.game_histories(), include_partial=include_partial)
                kept = self._scorecard = (key, scorecard_frames(card))
        return kept[1].copy()

    def latency(self) -> pd.DataFrame:
        """Latency samples: received_at, e2e_ms, apply_ms, type."""
        return latency_frame(self.store.snapshot().latency)

    def status(self, snapshot: Snapshot | None = None) -> FeedStatus:
        """The connection state and the counters (of ``snapshot``, to stay consistent with it; else now)."""
        return status_of(snapshot or self.store.snapshot(), self.url or "", self.is_demo, self.queued)

    @property
    def queued(self) -> int:
        """Outgoing messages waiting for a connection."""
        return 0 if self._client is None else self._client.queued

    def __enter__(self) -> LiveFeed:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        snapshot = self.store.snapshot()
        return f"<LiveFeed {self.url or 'demo'} {snapshot.connection.state} games={len(snapshot.games)}>"
