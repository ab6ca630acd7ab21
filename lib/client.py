"""The reconnecting WebSocket client: one background thread between the feed and the store.

A flat loop over ``websocket.WebSocket.connect()`` and ``recv_data_frame()`` with a short
timeout, rather than ``WebSocketApp.run_forever(reconnect=...)``: that path recurses on every
reconnect, has no backoff and hides disconnects (websocket-client issues 858, 970, 977).
Everything that is not I/O lives elsewhere: parsing and state in :mod:`lib.store`, the
reconnect schedule in :mod:`lib.backoff`.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, get_args

import websocket

from lib.options import FRAME_RESERVE, FeedOptions
from lib.outbox import Outbox, encode_message
from lib.protocol import MAX_FRAME_BYTES, Rejection, RejectReason
from lib.rate import TokenBucket
from lib.store import CloseCause, ConnectionState, FeedEvent, IngestResult, Store
from lib.urls import check_feed_url, redact_url
from lib.wire import (
    CLOSE_NO_STATUS,
    Close,
    DataMessage,
    Event,
    FrameReader,
    Oversized,
    PingFrame,
    PongFrame,
    ProtocolError,
)

logger = logging.getLogger(__name__)

EventName = Literal["connect", "disconnect", "game_update", "prediction", "game_start", "game_end", "error"]
EVENT_NAMES: Final[tuple[str, ...]] = get_args(EventName)

NORMAL_CLOSURE: Final = 1000
MESSAGE_TOO_BIG: Final = 1009
_POLL_SECONDS: Final = 0.2
"""How long one ``recv`` waits: bounds how late the loop notices ``stop()`` or a due ping."""
_READ_SIZE: Final = 256 * 1024


class _Dropped(Exception):  # noqa: N818 -- a control-flow signal, not an error to report
    """The connection ended; the loop decides what next from ``state``, ``cause``, ``reason`` and ``code``."""

    def __init__(
        self, state: ConnectionState, cause: CloseCause, reason: str, code: int | None = None, error: str | None = None
    ):
        super().__init__(reason)
        self.state, self.cause, self.reason, self.code, self.error = state, cause, reason, code, error


class FeedClient:
    """Keeps one WebSocket connection to a feed alive and writes what arrives into a store.

    The connection runs in one daemon thread. Public methods may be called from any thread.

    Args:
        url: ``ws://`` or ``wss://`` URL of the feed.
        store: Where frames go.
        options: How to connect and stay connected: token, reconnect schedule, pings, queue, TLS.
        on_frame: Called in the client thread with every data frame as received
            (payload, whether binary, receive time) before it is parsed; for recording.
        on_accepted: Called in the client thread with every data frame the store applied
            (payload, receive time), after it is applied; for the archive.
    """

    def __init__(
        self,
        url: str,
        store: Store,
        options: FeedOptions | None = None,
        *,
        on_frame: Callable[[bytes, bool, float], None] | None = None,
        on_accepted: Callable[[bytes, float], None] | None = None,
    ) -> None:
        check_feed_url(url)
        self.url = url
        self.store = store
        self.options = options or FeedOptions()
        self.backoff = self.options.reconnect
        self._on_frame = on_frame
        self._on_accepted = on_accepted
        self._handlers: dict[str, list[Callable[..., None]]] = {name: [] for name in EVENT_NAMES}
        self._outbox = Outbox(self.options.queue_size, self.options.queue_bytes)
        self._send_lock = threading.Lock()  # guards the outbox, _open and _ping_id, and orders writes
        self._open = False  # direct sends allowed: connected and the queue flushed
        self._send_error: str | None = None  # why the last write failed, for the receive loop to report
        self._ping_id = 0  # numbers our pings; a pong's number acknowledges what was sent before it
        self._pace: TokenBucket | None = None  # this connection's frame budget (options.frames_per_second)
        self._ack_due = False  # a message was written and no ping has followed it yet
        self._pong_due: bytes | None = None  # the answer to the server's last ping, waiting for the budget
        self._ws: websocket.WebSocket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._connection = 0

    # -- public --------------------------------------------------------------------------

    def on(self, event: EventName, handler: Callable[..., None]) -> None:
        """Register a callback, called in the client thread.

        ``connect`` and ``disconnect`` get no argument; ``game_update``, ``game_start`` and
        ``game_end`` get the :class:`~lib.protocol.Game`; ``prediction`` gets the
        :class:`~lib.protocol.Prediction`; ``error`` gets a string. A callback that raises is
        logged and does not disturb the client; one that blocks holds up the feed.
        """
        if event not in self._handlers:
            raise ValueError(f"unknown event {event!r}; expected one of {', '.join(EVENT_NAMES)}")
        self._handlers[event].append(handler)

    def start(self) -> None:
        """Start the client thread (no-op when it is already running). Returns at once."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._wake.clear()
        self._thread = threading.Thread(target=self._run, name="nba-feed-client", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Close the connection and end the thread, within ``timeout`` seconds. Any thread may call it."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is None or not thread.is_alive():  # never started, gave up or closed already
            if self.store.snapshot().connection.state is not ConnectionState.CLOSED:
                self._set_state(ConnectionState.CLOSED, "stopped", cause=CloseCause.STOPPED)
            return
        thread.join(timeout / 2)
        if thread.is_alive():  # blocked in a handshake: cut the socket beneath it
            self._abort_socket()
            thread.join(timeout / 2)
        if thread.is_alive():
            logger.warning("feed client thread did not stop within %.1f s", timeout)

    def reconnect(self) -> None:
        """Try to connect now, with a fresh attempt count: after giving up, or to cut a backoff short."""
        if self._thread is None or not self._thread.is_alive():
            self.start()
        else:
            self._wake.set()

    def send(self, message: Mapping[str, Any] | str) -> None:
        """Send a message (a mapping as JSON, a string as it is), or queue it while disconnected.

        A message is at most :data:`~lib.protocol.MAX_CLIENT_MESSAGE_BYTES` (4 KiB) of UTF-8;
        anything bigger is refused here, before it is queued. Queued messages go out in order,
        before anything else, as soon as a connection is up. However fast a caller sends, the
        client writes at most ``frames_per_second`` frames a second (after ``frame_burst`` at
        once), under the rate at which a server may close the connection: messages over it
        wait in the queue. A message stays in flight until a
        pong shows the server read it; if the connection dies first it is sent again after the
        reconnect, so it may arrive twice, never not at all, unless more than ``queue_size``
        messages or ``queue_bytes`` bytes pile up (then the oldest is dropped and counted), or
        the server closes with 1009, message too big (then the largest message in flight is
        dropped and counted).

        Raises:
            TypeError: A value in the message cannot be serialised to JSON.
            ValueError: The message is too big, holds NaN or Infinity, refers to itself or
                nests too deeply for JSON, or is a string with a lone surrogate.
        """
        payload = encode_message(message)
        with self._send_lock:
            ws = self._ws
            direct = self._open and not self._outbox.queued and ws is not None
            if direct and ws is not None and self._spend(FRAME_RESERVE) and self._write(ws, payload):
                self._outbox.sent(payload, self._ping_id + 1)
                self._ack_due = True
                self._acknowledge(ws)
                return
            self._count_drops(self._outbox.queue(payload))

    @property
    def queued(self) -> int:
        """Outgoing messages waiting for a connection."""
        return self._outbox.queued

    @property
    def running(self) -> bool:
        """Whether the client thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        failed = 0  # connection attempts that failed in a row
        retries = 0  # retries scheduled since the last good connection
        state = ConnectionState.CONNECTING
        while not self._stop.is_set():
            self._set_state(state, f"connecting to {redact_url(self.url)}", attempts=failed)
            try:
                ws = self._connect()
            except Exception as error:
                if self._stop.is_set():
                    break
                failed += 1
                message = _describe(error)
                logger.info("connection attempt %d to %s failed: %s", failed, redact_url(self.url), message)
                self._emit("error", message)
                if self.backoff.gives_up(failed):
                    self._set_state(
                        ConnectionState.GIVEN_UP,
                        f"gave up after {failed} failed attempts",
                        cause=CloseCause.GAVE_UP,
                        error=message,
                        attempts=failed,
                    )
                    return
                retries += 1
                state = ConnectionState.RECONNECTING
                if self._wait(
                    self.backoff.delay(retries), failed, CloseCause.CONNECT_FAILED, "could not connect", error=message
                ):
                    failed = retries = 0
                continue
            failed = retries = 0
            try:
                self._serve(ws)
            except _Dropped as drop:
                self._close_socket(ws)
                self._emit("disconnect")
                if drop.error:
                    self._emit("error", drop.error)
                if drop.state is ConnectionState.CLOSED or self._stop.is_set():
                    self._set_state(
                        ConnectionState.CLOSED, drop.reason, cause=drop.cause, code=drop.code, error=drop.error
                    )
                    return
                logger.info("connection lost (%s); reconnecting", drop.reason)
                retries = 1
                state = ConnectionState.RECONNECTING
                delay = self.backoff.delay(retries)
                if self._wait(delay, failed, drop.cause, drop.reason, code=drop.code, error=drop.error):
                    retries = 0
        self._set_state(ConnectionState.CLOSED, "stopped", cause=CloseCause.STOPPED)

    def _connect(self) -> websocket.WebSocket:
        context = self.options.ssl_context
        sslopt: dict[str, Any] = {} if context is None else {"context": context}
        ws = websocket.WebSocket(skip_utf8_validation=True, enable_multithread=True, sslopt=sslopt)
        self._ws = ws
        header = self.options.authorization
        try:
            ws.connect(self.url, timeout=self.options.connect_timeout, header=header)  # type: ignore[no-untyped-call]
        except Exception:
            self._close_socket(ws)
            raise
        ws.settimeout(_POLL_SECONDS)
        return ws

    def _serve(self, ws: websocket.WebSocket) -> None:
        """Receive until the connection ends; raises :class:`_Dropped` saying how it ended."""
        self._connection += 1
        connection = self._connection
        with self._send_lock:
            # The server counts frames per connection, from its start: so does the client.
            self._pace = TokenBucket(self.options.frames_per_second, self.options.frame_burst, time.monotonic())
            self._ack_due, self._pong_due = False, None
        self._drain(ws)
        with self._send_lock:
            self._open = True
        self._set_state(ConnectionState.CONNECTED, f"connected to {redact_url(self.url)}")
        logger.info("connected to %s", redact_url(self.url))
        self._emit("connect")
        self._receive(ws, connection)

    def _receive(self, ws: websocket.WebSocket, connection: int) -> None:
        """Read frames, answer them and keep pinging until the connection ends (:class:`_Dropped`)."""
        sock = ws.sock
        assert sock is not None
        reader = FrameReader(max_message=MAX_FRAME_BYTES)
        now = last_bytes_at = time.monotonic()
        next_ping, ping_sent_at = now + self.options.ping_interval, None
        while True:
            if self._stop.is_set():
                self._say_goodbye(ws)
                raise _Dropped(ConnectionState.CLOSED, CloseCause.STOPPED, "stopped", NORMAL_CLOSURE)
            try:
                data = sock.recv(_READ_SIZE)
            except TimeoutError:
                data = None
            except OSError as error:
                raise _Dropped(
                    ConnectionState.RECONNECTING, CloseCause.CONNECTION_LOST, "connection lost", error=_describe(error)
                ) from None
            now = time.monotonic()
            if data is not None:
                if not data:
                    raise _Dropped(
                        ConnectionState.RECONNECTING,
                        CloseCause.CONNECTION_LOST,
                        "connection lost",
                        error="closed without a close frame",
                    )
                # Liveness is bytes arriving, not whole frames: a peer dribbling a big frame is alive.
                last_bytes_at = now
                try:
                    events = reader.feed(data)
                except ProtocolError as error:
                    raise _Dropped(
                        ConnectionState.RECONNECTING, CloseCause.PROTOCOL_ERROR, "protocol error", error=str(error)
                    ) from None
                for event in events:
                    self._on_event(ws, event, connection)
            timeout = self.options.ping_timeout
            if ping_sent_at is not None and last_bytes_at < ping_sent_at and now - ping_sent_at > timeout:
                raise _Dropped(
                    ConnectionState.RECONNECTING,
                    CloseCause.NO_PING_ANSWER,
                    "no answer to ping",
                    error=f"no data for {self.options.ping_timeout:g} s after a ping",
                )
            if self._outbox.queued or self._ack_due or self._pong_due is not None:
                self._drain(ws)
            if now >= next_ping:
                with self._send_lock:
                    sent = self._spend(0)
                    if sent:
                        self._ping(ws)
                if sent:  # else the budget is spent: the next pass tries again
                    next_ping = now + self.options.ping_interval
                    if ping_sent_at is None or last_bytes_at >= ping_sent_at:
                        ping_sent_at = now  # the oldest unanswered ping is the one that counts
            if not self._open:  # a direct send failed: the socket is broken
                raise _Dropped(
                    ConnectionState.RECONNECTING, CloseCause.SEND_FAILED, "send failed", error=self._send_error
                )

    def _on_event(self, ws: websocket.WebSocket, event: Event, connection: int) -> None:
        if isinstance(event, DataMessage):
            received_at = time.time()
            if self._on_frame is not None:
                self._call(self._on_frame, event.payload, event.binary, received_at)
            result = self.store.ingest(
                event.payload, received_at=received_at, binary=event.binary, connection=connection
            )
            if self._on_accepted is not None and result.status == "applied":
                self._call(self._on_accepted, event.payload, received_at)
            self._dispatch(result)
        elif isinstance(event, Oversized):
            rejection = Rejection(RejectReason.TOO_LARGE, f"frame of {event.size} bytes exceeds {MAX_FRAME_BYTES}")
            self._dispatch(self.store.reject(rejection, received_at=time.time()))
        elif isinstance(event, PongFrame):
            if event.payload.isdigit():
                with self._send_lock:
                    self._outbox.acknowledge(int(event.payload))
        elif isinstance(event, PingFrame):
            with self._send_lock:
                self._pong_due = event.payload  # only the latest ping needs its answer
                self._answer_ping(ws)
        elif isinstance(event, Close):
            with contextlib.suppress(websocket.WebSocketException, OSError):
                ws.send_close(event.code if event.code != CLOSE_NO_STATUS else NORMAL_CLOSURE)
            if event.code == NORMAL_CLOSURE:
                raise _Dropped(
                    ConnectionState.CLOSED, CloseCause.SERVER_CLOSED, "server closed the connection", event.code
                )
            refused = self._drop_refused() if event.code == MESSAGE_TOO_BIG else None
            raise _Dropped(
                ConnectionState.RECONNECTING,
                CloseCause.SERVER_CLOSED_WITH_CODE,
                f"server closed with code {event.code}",
                event.code,
                error=refused,
            )

    def _dispatch(self, result: IngestResult) -> None:
        if result.status == "rejected":
            assert result.rejection is not None
            self._emit("error", f"rejected frame ({result.rejection.reason}): {result.rejection.detail}")
            return
        if result.status != "applied" or result.message is None:
            return
        message = result.message
        if message.type == "prediction":
            self._emit("prediction", message.data)
        elif message.type == "score_update":
            self._emit("game_update", message.data)
        event: FeedEvent | None = result.event
        if event is not None:
            self._emit(event.kind, event.game)

    def _drop_refused(self) -> str:
        """The server closed with 1009: drop the message it refused, so it is not sent for ever."""
        with self._send_lock:
            size = self._outbox.drop_largest_in_flight()
        if size is None:
            return "the server refused a message as too big (close code 1009)"
        self.store.count_queue_drop()
        logger.warning("the server refused a message as too big; dropped a %d-byte message", size)
        return f"the server refused a message as too big (close code 1009); dropped the {size:,}-byte message"

    def _drain(self, ws: websocket.WebSocket) -> None:
        """Write what waits, as far as this connection's frame budget allows: the answer to a
        ping, queued messages in order, then the ping that acknowledges them."""
        # Under the send lock, so that no direct send can overtake a queued message.
        with self._send_lock:
            self._answer_ping(ws)
            while (payload := self._outbox.next_queued()) is not None and self._spend(FRAME_RESERVE):
                if not self._write(ws, payload):
                    raise _Dropped(
                        ConnectionState.RECONNECTING, CloseCause.SEND_FAILED, "send failed", error=self._send_error
                    )
                self._outbox.sent_queued(self._ping_id + 1)
                self._ack_due = True
            self._acknowledge(ws)

    def _spend(self, keep: int) -> bool:
        """Take one frame from this connection's budget, leaving ``keep`` frames (send lock held)."""
        return self._pace is not None and self._pace.admit(time.monotonic(), keep=keep)

    def _acknowledge(self, ws: websocket.WebSocket) -> None:
        """Ping after messages written, when the budget allows: its pong acknowledges them (send lock held)."""
        if self._ack_due and self._spend(FRAME_RESERVE):
            self._ping(ws)

    def _answer_ping(self, ws: websocket.WebSocket) -> None:
        """Send the pong owed to the server, when the budget allows (send lock held)."""
        if self._pong_due is None or not self._spend(0):
            return
        payload, self._pong_due = self._pong_due, None
        try:
            ws.pong(payload)
        except (websocket.WebSocketException, OSError) as error:
            self._fail_send(error)

    def _write(self, ws: websocket.WebSocket, payload: bytes) -> bool:
        """Write one text message; on failure mark the connection broken (the receive loop reconnects)."""
        try:
            ws.send(payload, websocket.ABNF.OPCODE_TEXT)
        except (websocket.WebSocketException, OSError) as error:
            self._fail_send(error)
            return False
        return True

    def _fail_send(self, error: BaseException) -> None:
        """A write failed (send lock held): the socket is broken, the receive loop says why."""
        self._send_error = f"send failed: {_describe(error)}"
        self._open = False

    def _ping(self, ws: websocket.WebSocket) -> None:
        """Send the next numbered ping (send lock held); its pong acknowledges all sent before it."""
        self._ping_id += 1
        self._ack_due = False
        try:
            ws.ping(str(self._ping_id))
        except (websocket.WebSocketException, OSError) as error:
            self._fail_send(error)

    def _count_drops(self, dropped: int) -> None:
        for _ in range(dropped):
            self.store.count_queue_drop()

    def _wait(
        self,
        delay: float,
        failed: int,
        cause: CloseCause,
        reason: str,
        *,
        code: int | None = None,
        error: str | None = None,
    ) -> bool:
        """Back off for ``delay`` seconds; True when ``reconnect()`` cut it short."""
        self._set_state(
            ConnectionState.RECONNECTING,
            reason,
            cause=cause,
            code=code,
            error=error,
            attempts=failed,
            next_retry_at=time.time() + delay,
        )
        woken = self._wake.wait(delay)
        self._wake.clear()
        return woken and not self._stop.is_set()

    def _say_goodbye(self, ws: websocket.WebSocket) -> None:
        with contextlib.suppress(websocket.WebSocketException, OSError):
            ws.send_close(NORMAL_CLOSURE)

    def _close_socket(self, ws: websocket.WebSocket) -> None:
        with self._send_lock:
            self._open = False
            self._count_drops(self._outbox.requeue())
        # Drop at once: a close handshake would wait on a peer that may be gone.
        ws.shutdown()  # type: ignore[no-untyped-call]

    def _abort_socket(self) -> None:
        ws = self._ws
        sock = None if ws is None else ws.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _set_state(
        self,
        state: ConnectionState,
        reason: str,
        *,
        cause: CloseCause | None = None,
        code: int | None = None,
        error: str | None = None,
        attempts: int = 0,
        next_retry_at: float | None = None,
    ) -> None:
        self.store.set_connection(
            state,
            reason=reason,
            cause=cause,
            close_code=code,
            error=error,
            reconnect_attempts=attempts,
            max_reconnect_attempts=self.backoff.max_attempts,
            next_retry_at=next_retry_at,
        )

    def _emit(self, event: EventName, *args: Any) -> None:
        for handler in self._handlers[event]:
            self._call(handler, *args)

    @staticmethod
    def _call(handler: Callable[..., None], *args: Any) -> None:
        try:
            handler(*args)
        except Exception:
            logger.exception("feed callback %r raised; the client carries on", handler)


def _describe(error: BaseException) -> str:
    """A one-line description of a connection error, for users; never includes request headers."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {error.verify_message}"
    if isinstance(error, websocket.WebSocketBadStatusException):
        return f"the server refused the WebSocket handshake with HTTP {error.status_code}"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is the feed running?)"
    if isinstance(error, socket.gaierror):
        return f"host not found ({error.strerror})"
    if isinstance(error, TimeoutError | websocket.WebSocketTimeoutException):
        return "timed out"
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:200]
