"""The feed server: FastAPI on uvicorn, serving ``/ws/live`` with ``/health`` beside it.

Clients connect at ``ws://host:8080/ws/live`` (the address the dashboard's protocol was
designed around). The server serves any :class:`~lib.feed.sources.Source`: a simulated night,
real game flows, a recording replayed frame for frame, or tonight's NBA games; it knows only
that interface, and tells its clients when what it serves is a replay. It is also the real
server the tests run the client against.

It shares only :mod:`lib.protocol` with the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Self

import uvicorn
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from starlette.responses import Response

from lib.feed.limits import FeedLimits
from lib.feed.serving import WRITE_NOW, FeedConfig
from lib.feed.sources import Frame, Source
from lib.protocol import (
    PLAYS_PER_GAME,
    REPLAY_SOURCES,
    GameEnd,
    GameStart,
    Message,
    PlayUpdate,
    Pong,
    PongMessage,
    PredictionUpdate,
    ScoreUpdate,
    SourceStatus,
    SourceStatusUpdate,
    encode,
    parse,
    parse_ping,
)

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS: Final = 20.0
"""The server pings every client this often and drops one silent for as long again."""
_TRY_AGAIN_LATER: Final = 1013


class _Connection:
    """One connected client: its outbox, bounded in bytes, and its own sequence numbers."""

    def __init__(self, websocket: WebSocket, outbox_bytes: int) -> None:
        self.websocket = websocket
        # Deques and an event rather than an asyncio.Queue: a broadcast pushes a frame per client
        # per message, and the queue's bookkeeping was a tenth of the server's time. They hold
        # strings and numbers, which the garbage collector does not track (tuples it would).
        self.outbox: deque[Frame | int] = deque()
        self._sizes: deque[int] = deque()
        self._pushed = asyncio.Event()
        extension = websocket.scope.get("extensions", {}).get(WRITE_NOW)
        self._write_now: Callable[[Frame], bool] | None = None if extension is None else extension["write"]
        self.outbox_bytes = outbox_bytes
        self.queued_bytes = 0
        self.seq = 0

    def push(self, frame: Frame) -> bool:
        """Queue a frame, unless it would take the outbox past its bytes.

        An empty outbox takes any frame, so that a frame larger than the bound can still be sent.
        With nothing queued, a client that can take the frame now gets it written at once (the
        broadcast's fast path: no round through the sender); the others get it from the sender.
        """
        if not self.outbox and self._write_now is not None and self._write_now(frame):
            return True
        size = _size(frame)
        if self.queued_bytes and self.queued_bytes + size > self.outbox_bytes:
            return False
        self.queued_bytes += size
        self._append(frame, size)
        return True

    def close(self, code: int) -> None:
        """Queue closing with ``code`` after the frames already queued (whatever the outbox holds)."""
        self._append(code, 0)

    def _append(self, frame: Frame | int, size: int) -> None:
        self.outbox.append(frame)
        self._sizes.append(size)
        if len(self.outbox) == 1:  # the sender may be waiting; otherwise it has yet to drain the rest
            self._pushed.set()

    async def next(self) -> Frame | int:
        """The next frame (or close code) to send, waiting for one; it stays queued until :meth:`sent`.

        So nothing is written at once while a frame is on its way (the order on the wire is kept).
        """
        while not self.outbox:
            self._pushed.clear()
            await self._pushed.wait()
        return self.outbox[0]

    def sent(self) -> None:
        """The frame :meth:`next` gave is sent."""
        self.outbox.popleft()
        self.queued_bytes -= self._sizes.popleft()

    def stamp(self, body: str) -> str:
        """The encoded message ``body`` with this connection's next ``seq`` spliced in."""
        self.seq += 1
        return f'{body[:-1]},"seq":{self.seq}}}'


@dataclass(frozen=True, slots=True)
class _Latest:
    """The latest state of a game, or of its prediction, as a new connection is to get it."""

    item: Message | Frame
    """A message, stamped afresh for each connection, or a raw frame, sent as it is."""
    ts: float | None = None
    """A raw frame's own ``ts``."""


@dataclass(frozen=True, slots=True)
class _SentPlay:
    """A play as it was sent, to send again, as it is, to a new connection.

    Without a ``seq`` of each connection's: the one text is shared by every connection's outbox,
    where a stamped copy each would cost every new client its own copy of a night's plays.
    """

    frame: Frame
    """The play's message without ``ts`` or ``seq``: it is history to a new connection, whose latency
    figures would otherwise count the time since the play was first sent (hours, into a night)."""
    ts: float | None
    """When it was first sent (its message's ``ts``): the order of a play's versions, as a client judges them."""


class _GamePlays:
    """A game's plays as sent, each once (the latest with its ``play_id``), in the order first sent, bounded."""

    __slots__ = ("bytes", "sent")

    def __init__(self) -> None:
        self.sent: dict[int, _SentPlay] = {}
        self.bytes = 0

    def keep(self, play_id: int, play: _SentPlay) -> None:
        held = self.sent.get(play_id)
        if held is not None:
            # The client's rule: a play strictly older than the one held is stale and never replaces it.
            if held.ts is not None and play.ts is not None and play.ts < held.ts:
                return
            self.bytes -= _size(held.frame)
        self.sent[play_id] = play
        self.bytes += _size(play.frame)
        if len(self.sent) > PLAYS_PER_GAME:
            oldest = next(iter(self.sent))
            self.bytes -= _size(self.sent.pop(oldest).frame)


class FeedHub:
    """The server's state and its clients. Runs on the event loop; not thread-safe by itself.

    It keeps the latest game message and prediction of every game it has published, and its
    plays, so that each new connection can start with the full current state. Raw frames count
    too (a replay publishes nothing else): they are parsed to learn their game, kept, and a game's
    or prediction's sent again exactly as it is, ``ts`` included, so a client's stale check judges it
    as it did the first time; a play is sent again without ``ts``, as every kept play is (:class:`_SentPlay`).
    Frames that do not parse as a game, a prediction or a play are sent but not kept.
    """

    def __init__(self, archive: Callable[[Frame, float], None] | None = None) -> None:
        self.connections: set[_Connection] = set()
        self.archive = archive
        """Given every frame published, as sent (without ``seq``), with its time of sending: the server's own
        archive (:class:`lib.archive.ServedArchive`)."""
        self._games: dict[str, _Latest] = {}
        self._predictions: dict[str, _Latest] = {}
        self._plays: dict[str, _GamePlays] = {}
        self.source_status: SourceStatus | None = None
        """The source's latest health report, sent first to every new connection."""

    @property
    def game_count(self) -> int:
        """Games in the current state."""
        return len(self._games)

    def snapshot(self) -> list[Message | Frame]:
        """The current state: the source's health, then each game's latest message or frame and its prediction."""
        items: list[Message | Frame] = []
        if self.source_status is not None:
            items.append(SourceStatusUpdate(data=self.source_status))
        for game_id, latest in self._games.items():
            items.append(latest.item)
            prediction = self._predictions.get(game_id)
            if prediction is not None:
                items.append(prediction.item)
        return items

    def plays_on_connect(self, budget: int) -> list[_SentPlay]:
        """The plays a new connection gets: each game's, whole, the games with the latest first play first,
        as long as they total at most ``budget`` bytes; in the order they were sent."""
        chosen: list[_GamePlays] = []
        total = 0
        for plays in reversed(self._plays.values()):
            if total + plays.bytes <= budget:
                chosen.append(plays)
                total += plays.bytes
        return [play for plays in reversed(chosen) for play in plays.sent.values()]

    def attach(self, connection: _Connection) -> None:
        # Synchronous on purpose: no publish can slip in between the snapshot and joining.
        now = time.time()
        for item in self.snapshot():
            self._push(connection, item if isinstance(item, str | bytes) else connection.stamp(_body(item, now)))
        # Half the outbox at most, so the state a client joins never takes it past its bound.
        for play in self.plays_on_connect(connection.outbox_bytes // 2):
            self._push(connection, play.frame)
        self.connections.add(connection)

    def detach(self, connection: _Connection) -> None:
        self.connections.discard(connection)

    def publish(self, items: Iterable[Message | Frame]) -> None:
        """Keep the state the items carry and send them to every client.

        Messages are stamped with ``ts`` and each connection's ``seq``; raw frames are sent exactly
        as given (``bytes`` as binary frames).
        """
        now = time.time()
        for item in items:
            if isinstance(item, str | bytes):
                self._remember_frame(item)
                self.publish_raw((item,))
                continue
            body = _body(item, now)
            if isinstance(item, PlayUpdate):
                self._keep_play(item.data.game_id, item.data.play_id, _SentPlay(_history(item), now))
            else:
                self._remember(item)
            if self.archive is not None:
                self.archive(body, now)
            for connection in list(self.connections):
                self._push(connection, connection.stamp(body))

    def publish_raw(self, frames: Iterable[Frame]) -> None:
        """Send frames exactly as given (``bytes`` as binary frames); the state is not touched."""
        for frame in frames:
            if self.archive is not None:
                self.archive(frame, time.time())
            for connection in list(self.connections):
                self._push(connection, frame)

    def close_all(self, code: int) -> None:
        """Close every connection with ``code`` after the frames already queued for it."""
        for connection in list(self.connections):
            connection.close(code)

    def retain(self, game_ids: set[str]) -> None:
        """Forget every game not in ``game_ids`` (a new slate replaced the old one)."""
        for table in (self._games, self._predictions, self._plays):
            for game_id in [g for g in table if g not in game_ids]:
                del table[game_id]

    def _keep_play(self, game_id: str, play_id: int, play: _SentPlay) -> None:
        if game_id not in self._games:
            return  # a client rejects it (unknown_game), and it would outlive any game eviction
        plays = self._plays.get(game_id)
        if plays is None:
            plays = self._plays[game_id] = _GamePlays()
        plays.keep(play_id, play)

    def _remember(self, message: Message) -> None:
        if isinstance(message, PredictionUpdate):
            self._predictions[message.data.game_id] = _Latest(message)
        elif isinstance(message, SourceStatusUpdate):
            self.source_status = message.data
        elif isinstance(message, GameEnd):
            self._games[message.data.game_id] = _Latest(message)
        elif not isinstance(message, PongMessage | PlayUpdate):
            # A new connection learns a live game from a score_update: a repeated game_start
            # would read as a new tip-off.
            self._games[message.data.game_id] = _Latest(ScoreUpdate(data=message.data))

    def _remember_frame(self, frame: Frame) -> None:
        message = parse(frame, binary=isinstance(frame, bytes))
        if isinstance(message, PlayUpdate):
            self._keep_play(message.data.game_id, message.data.play_id, _SentPlay(_history(message), message.ts))
            return
        if isinstance(message, PredictionUpdate):
            table = self._predictions
        elif isinstance(message, ScoreUpdate | GameStart | GameEnd):
            table = self._games
        else:  # a rejection or a pong: not part of any game's state
            return
        game_id = message.data.game_id
        held = table.get(game_id)
        # The client's rule: a frame strictly older than the one held is stale and never replaces
        # it, so a late joiner ends up with the state that a client connected all along has.
        if held is None or held.ts is None or message.ts is None or message.ts >= held.ts:
            table[game_id] = _Latest(frame, message.ts)

    def _push(self, connection: _Connection, frame: Frame) -> None:
        if not connection.push(frame):
            logger.warning("client too slow (%d bytes queued); disconnecting it", connection.queued_bytes)
            self.connections.discard(connection)
            connection.close(_TRY_AGAIN_LATER)


def _size(frame: Frame) -> int:
    """A frame's size on the wire (its UTF-8 bytes)."""
    # isascii() is O(1) in CPython: the common case costs no encoding.
    return len(frame) if isinstance(frame, bytes) or frame.isascii() else len(frame.encode())


def _body(message: Message, now: float) -> str:
    return encode(message.model_copy(update={"ts": round(now, 6), "seq": None}))


def _history(message: Message) -> str:
    return encode(message.model_copy(update={"ts": None, "seq": None}))


@dataclass(frozen=True)
class ServeOptions:
    """How the server serves: push interval, token, limits (the client's side is :class:`lib.options.FeedOptions`).

    Attributes:
        interval: Seconds between pushes from the source (5 s by default: scores change every few seconds).
        token: When set (and not empty), clients must send ``Authorization: Bearer <token>``.
        limits: What one client may cost the server.
        wait_for_client: Leave the source alone until the first client connects, so that a replay
            starts as its first viewer arrives and that viewer sees the tip-off. The source's status
            is served meanwhile.
    """

    interval: float = 5.0
    token: str | None = None
    limits: FeedLimits = field(default_factory=FeedLimits)
    wait_for_client: bool = False


def create_app(
    source: Source | None = None, options: ServeOptions | None = None, hub: FeedHub | None = None
) -> FastAPI:
    """The FastAPI app: ``/ws/live`` and ``/health``, pushing ``source`` as it changes.

    The source is polled every ``options.interval`` seconds, or sooner when it says it is due;
    with ``options.wait_for_client``, from when the first client connects. A WebSocket handshake
    is refused with HTTP 404 on any other path, with 401 without credentials when a token is
    required, and with 403 with credentials that are not the token.

    Args:
        source: What to serve; ``None`` serves only what is published through the hub.
        options: Push interval and access token.
        hub: The hub to use (lets a caller publish into the app); a new one by default.
    """
    options = options or ServeOptions()
    feed = hub or FeedHub()
    client_arrived = asyncio.Event()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        start = client_arrived if options.wait_for_client else None
        task = None if source is None else asyncio.create_task(_drive(source, feed, options.interval, start))
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if source is not None:
            source.close()

    app = FastAPI(title="NBA live feed", lifespan=lifespan)
    app.state.hub = feed

    @app.get("/health")
    async def health() -> dict[str, Any]:
        report: dict[str, Any] = {"status": "ok", "clients": len(feed.connections), "games": feed.game_count}
        if source is not None:
            upstream = feed.source_status
            report["source"] = {"source": source.name} if upstream is None else upstream.model_dump(mode="json")
            report["started"] = client_arrived.is_set() or not options.wait_for_client
        return report

    @app.websocket("/ws/live")
    async def live(websocket: WebSocket) -> None:
        if options.token:
            refusal = _refusal(websocket, options.token)
            if refusal is not None:
                await websocket.send_denial_response(refusal)
                return
        await websocket.accept()
        connection = _Connection(websocket, options.limits.outbox_bytes)
        feed.attach(connection)
        client_arrived.set()
        sender = asyncio.create_task(_send_loop(connection))
        try:
            await _receive_loop(connection)
        finally:
            feed.detach(connection)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender

    @app.websocket("/{path:path}")
    async def elsewhere(websocket: WebSocket) -> None:
        # Starlette would close before accepting, which reaches the client as HTTP 403: a wrong
        # path would read as a rejected token.
        await websocket.send_denial_response(Response(status_code=404))

    return app


def _refusal(websocket: WebSocket, token: str) -> Response | None:
    """The answer to a handshake without the token: 401 without credentials, 403 with others; ``None``: let in."""
    authorization = websocket.headers.get("authorization")
    if authorization is None:
        return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    # The scheme is case-insensitive (RFC 7235). Header bytes reach us decoded as Latin-1, so
    # encoding back gives the bytes the client sent, compared with the token's UTF-8.
    scheme, _, credentials = authorization.partition(" ")
    given = credentials.lstrip(" ").encode("latin-1")
    if scheme.lower() == "bearer" and secrets.compare_digest(given, token.encode()):
        return None
    return Response(status_code=403)


def _status(source: Source) -> SourceStatus | None:
    """The source's health; for a replay without an upstream, that it is one, so no client takes it for live."""
    status = source.status()
    if status is None and source.name in REPLAY_SOURCES:
        return SourceStatus(source=source.name, state="ok")
    return status


async def _drive(source: Source, hub: FeedHub, interval: float, start: asyncio.Event | None) -> None:
    """Publish what the source has, then sleep until it is next due, ``interval`` at most.

    With ``start``, the source's status is published at once but the source is first advanced
    once ``start`` is set (the first client has arrived). The source advances in a worker
    thread: one that waits on its upstream (the NBA's files) must not hold up the event loop,
    and with it every client's frames.
    """
    if start is not None:
        status = _status(source)
        if status is not None:
            hub.publish([SourceStatusUpdate(data=status)])
        await start.wait()
    known: set[str] = set()
    while True:
        due = None
        try:
            items = await asyncio.to_thread(source.advance, time.time())
            status = _status(source)
            if status is not None and status != hub.source_status:
                items = [SourceStatusUpdate(data=status), *items]
            hub.publish(items)
            games = source.games
            ids = None if games is None else {game.game_id for game in games}
            if ids is not None and ids != known:
                hub.retain(ids)
                known = ids
            due = source.next_due()
        except Exception:
            logger.exception("the feed source failed; trying again next tick")
        # A source that knows when it next changes (a replay) is woken just then, not at the
        # next coarse tick, so frames keep their recorded spacing.
        await asyncio.sleep(interval if due is None else min(interval, max(0.0, due - time.time())))


async def _send_loop(connection: _Connection) -> None:
    websocket = connection.websocket
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while True:
            frame = await connection.next()
            if isinstance(frame, int):
                await websocket.close(code=frame)
                return
            if isinstance(frame, bytes):
                await websocket.send_bytes(frame)
            else:
                await websocket.send_text(frame)
            connection.sent()


async def _receive_loop(connection: _Connection) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await connection.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            ping = parse_ping(message.get("text") or message.get("bytes") or b"")
            if ping is not None:
                pong = PongMessage(data=Pong(timestamp=ping.timestamp))
                connection.push(connection.stamp(_body(pong, time.time())))


class FeedServer:
    """A feed server running in a background thread, on a port of its own.

    ``FeedServer(...).start()`` is the embedded demo feed behind ``LiveFeed(url=None)``; tests
    use it as the real server on loopback. Methods are safe to call from any thread.

    Args:
        source: What to serve (``None``: only what is published).
        host: Interface to listen on.
        port: Port to listen on; 0 picks a free one.
        interval: Seconds between pushes from the source (at most: a replay is pushed when due).
        token: Require this bearer token from clients (``None`` or empty: no token).
        keepalive: Ping every client this often and drop one that has not answered within as
            long again, so dead connections do not pile up; ``None`` never pings.
        tls: ``(certificate file, key file)`` to serve ``wss://``.
        limits: What one client may cost the server (:class:`~lib.feed.limits.FeedLimits`'s defaults).
        wait_for_client: Advance the source only once the first client has connected
            (:attr:`ServeOptions.wait_for_client`).
    """

    def __init__(
        self,
        source: Source | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        interval: float = 5.0,
        token: str | None = None,
        keepalive: float | None = KEEPALIVE_SECONDS,
        tls: tuple[str, str] | None = None,
        limits: FeedLimits | None = None,
        wait_for_client: bool = False,
    ) -> None:
        self.source = source
        self.host = host
        self.port = port
        self.keepalive = keepalive
        self.tls = tls
        self.limits = limits or FeedLimits()
        self.hub = FeedHub()
        serve = ServeOptions(interval=interval, token=token, limits=self.limits, wait_for_client=wait_for_client)
        self.app = create_app(source, serve, self.hub)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        """The ``ws://`` (or, with TLS, ``wss://``) URL of ``/ws/live``."""
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}/ws/live"

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving in a daemon thread; returns once the port accepts connections."""
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = FeedConfig(self.app, limits=self.limits, keepalive=self.keepalive, tls=self.tls, log_level="warning")
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=self._serve, args=(server, sock), name="nba-feed-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the feed server did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        return self

    def _serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            await server.serve(sockets=[sock])

        asyncio.run(serve())

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and join the thread; open connections are closed (1012, service restart)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("feed server thread did not stop within %.1f s", timeout)
        self._server = self._thread = self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
