"""The demo feed server: FastAPI on uvicorn, ``/ws/live`` and ``/health``.

The seed's backend is a FastAPI service at ``ws://localhost:8080/ws/live``; this is that
service, serving a simulated night (or any other :class:`Source`). It is also the server the
tests run the client against, so its control surface (:meth:`FeedServer.publish`,
:meth:`FeedServer.publish_raw`, :meth:`FeedServer.close_all`) lets a test push exactly the
frames it needs over a real socket.

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
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import uvicorn
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from lib.protocol import (
    Game,
    GameEnd,
    Message,
    Pong,
    PongMessage,
    PredictionUpdate,
    ScoreUpdate,
    encode,
    parse_ping,
)

logger = logging.getLogger(__name__)

OUTBOX_LIMIT: Final = 10_000
"""Frames queued for one slow client before it is cut off (it reconnects and resynchronises)."""
_TRY_AGAIN_LATER: Final = 1013
_POLICY_VIOLATION: Final = 1008


class Source(Protocol):
    """Where a feed's messages come from: the simulator, a replay, real game flows."""

    def advance(self, now: float) -> list[Message]:
        """Messages for everything that changed up to ``now`` (epoch seconds)."""
        ...

    @property
    def games(self) -> Sequence[Game]:
        """The games the source currently has; the others are forgotten by the server."""
        ...


Frame = str | bytes


class _Connection:
    """One connected client: its outbox and its own sequence numbers."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.outbox: asyncio.Queue[Frame | int] = asyncio.Queue()
        self.seq = 0

    def push(self, frame: Frame | int) -> bool:
        if self.outbox.qsize() >= OUTBOX_LIMIT:
            return False
        self.outbox.put_nowait(frame)
        return True

    def stamp(self, body: str) -> str:
        """The encoded message ``body`` with this connection's next ``seq`` spliced in."""
        self.seq += 1
        return f'{body[:-1]},"seq":{self.seq}}}'


class FeedHub:
    """The server's state and its clients. Runs on the event loop; not thread-safe by itself.

    It keeps the latest game message and prediction of every game it has published, so that
    each new connection can start with the full current state.
    """

    def __init__(self) -> None:
        self.connections: set[_Connection] = set()
        self._games: dict[str, ScoreUpdate | GameEnd] = {}
        self._predictions: dict[str, PredictionUpdate] = {}
        self.frames_sent = 0

    @property
    def game_count(self) -> int:
        """Games in the current state."""
        return len(self._games)

    def snapshot(self) -> list[Message]:
        """The current state as a list of messages: each game, then its latest prediction."""
        messages: list[Message] = []
        for game_id, message in self._games.items():
            messages.append(message)
            prediction = self._predictions.get(game_id)
            if prediction is not None:
                messages.append(prediction)
        return messages

    def attach(self, connection: _Connection) -> None:
        # Synchronous on purpose: no publish can slip in between the snapshot and joining.
        now = time.time()
        for message in self.snapshot():
            self._push(connection, connection.stamp(_body(message, now)))
        self.connections.add(connection)

    def detach(self, connection: _Connection) -> None:
        self.connections.discard(connection)

    def publish(self, messages: Iterable[Message]) -> None:
        """Remember the messages' state and send them to every client, stamped with ``ts`` and ``seq``."""
        now = time.time()
        for message in messages:
            self._remember(message)
            body = _body(message, now)
            for connection in list(self.connections):
                self._push(connection, connection.stamp(body))

    def publish_raw(self, frames: Iterable[Frame]) -> None:
        """Send frames exactly as given (``bytes`` as binary frames); the state is not touched."""
        for frame in frames:
            for connection in list(self.connections):
                self._push(connection, frame)

    def close_all(self, code: int) -> None:
        """Close every connection with ``code`` after the frames already queued for it."""
        for connection in list(self.connections):
            connection.outbox.put_nowait(code)

    def retain(self, game_ids: set[str]) -> None:
        """Forget every game not in ``game_ids`` (a new slate replaced the old one)."""
        for table in (self._games, self._predictions):
            for game_id in [g for g in table if g not in game_ids]:
                del table[game_id]

    def _remember(self, message: Message) -> None:
        if isinstance(message, PredictionUpdate):
            self._predictions[message.data.game_id] = message
        elif isinstance(message, GameEnd):
            self._games[message.data.game_id] = message
        elif not isinstance(message, PongMessage):
            # A new connection learns a live game from a score_update: a repeated game_start
            # would read as a new tip-off.
            self._games[message.data.game_id] = ScoreUpdate(data=message.data)

    def _push(self, connection: _Connection, frame: Frame) -> None:
        if not connection.push(frame):
            logger.warning("client too slow (%d frames queued); disconnecting it", OUTBOX_LIMIT)
            self.connections.discard(connection)
            connection.outbox.put_nowait(_TRY_AGAIN_LATER)


def _body(message: Message, now: float) -> str:
    return encode(message.model_copy(update={"ts": round(now, 6), "seq": None}))


@dataclass(frozen=True)
class FeedOptions:
    """How the server runs.

    Attributes:
        interval: Seconds between pushes from the source (the seed pushes every 5 s).
        token: When set, clients must send ``Authorization: Bearer <token>``.
    """

    interval: float = 5.0
    token: str | None = None


def create_app(source: Source | None = None, options: FeedOptions | None = None, hub: FeedHub | None = None) -> FastAPI:
    """The FastAPI app: ``/ws/live`` and ``/health``, pushing ``source`` every ``options.interval``.

    Args:
        source: What to serve; ``None`` serves only what is published through the hub.
        options: Push interval and access token.
        hub: The hub to use (lets a caller publish into the app); a new one by default.
    """
    options = options or FeedOptions()
    feed = hub or FeedHub()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = None if source is None else asyncio.create_task(_drive(source, feed, options.interval))
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title="NBA live feed", lifespan=lifespan)
    app.state.hub = feed

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "clients": len(feed.connections), "games": feed.game_count}

    @app.websocket("/ws/live")
    async def live(websocket: WebSocket) -> None:
        if options.token is not None and not _authorized(websocket, options.token):
            await websocket.close(code=_POLICY_VIOLATION)  # before accept: an HTTP 403 to the client
            return
        await websocket.accept()
        connection = _Connection(websocket)
        feed.attach(connection)
        sender = asyncio.create_task(_send_loop(connection))
        try:
            await _receive_loop(connection)
        finally:
            feed.detach(connection)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender

    return app


def _authorized(websocket: WebSocket, token: str) -> bool:
    given = websocket.headers.get("authorization", "")
    return secrets.compare_digest(given.encode(), f"Bearer {token}".encode())


async def _drive(source: Source, hub: FeedHub, interval: float) -> None:
    known: set[str] = set()
    while True:
        try:
            hub.publish(source.advance(time.time()))
            ids = {game.game_id for game in source.games}
            if ids != known:
                hub.retain(ids)
                known = ids
        except Exception:
            logger.exception("the feed source failed; trying again next tick")
        await asyncio.sleep(interval)


async def _send_loop(connection: _Connection) -> None:
    websocket = connection.websocket
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while True:
            frame = await connection.outbox.get()
            if isinstance(frame, int):
                await websocket.close(code=frame)
                return
            if isinstance(frame, bytes):
                await websocket.send_bytes(frame)
            else:
                await websocket.send_text(frame)


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
        interval: Seconds between pushes from the source.
        token: Require this bearer token from clients.
    """

    def __init__(
        self,
        source: Source | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        interval: float = 5.0,
        token: str | None = None,
    ) -> None:
        self.source = source
        self.host = host
        self.port = port
        self.hub = FeedHub()
        self.app = create_app(source, FeedOptions(interval=interval, token=token), self.hub)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        """The ``ws://`` URL of ``/ws/live``."""
        return f"ws://{self.host}:{self.port}/ws/live"

    def start(self, timeout: float = 10.0) -> FeedServer:
        """Start serving in a daemon thread; returns once the port accepts connections."""
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_level="warning", ws_ping_interval=None, timeout_graceful_shutdown=1, lifespan="on"
        )
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

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def publish(self, messages: Sequence[Message]) -> None:
        """Send messages to every client (stamped with ``ts`` and ``seq``) and keep their state."""
        self._call(self.hub.publish, list(messages))

    def publish_raw(self, frames: Sequence[Frame]) -> None:
        """Send frames exactly as given; ``bytes`` go as binary frames."""
        self._call(self.hub.publish_raw, list(frames))

    def close_all(self, code: int = 1000) -> None:
        """Close every client connection with ``code``."""
        self._call(self.hub.close_all, code)

    @property
    def client_count(self) -> int:
        """Clients connected right now."""
        return len(self.hub.connections)

    def _call(self, function: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is None:
            raise RuntimeError("the feed server is not running")
        done = threading.Event()

        def run() -> None:
            try:
                function(*args)
            finally:
                done.set()

        loop.call_soon_threadsafe(run)
        if not done.wait(5.0):
            raise RuntimeError("the feed server did not respond")
