"""How the feed server is served: the one uvicorn configuration, with every connection bounded.

:class:`FeedConfig` is used by the embedded server (:class:`lib.feed.server.FeedServer`) and by
``python -m lib.feed`` alike, so both enforce the same :class:`~lib.feed.limits.FeedLimits`:

- uvicorn's WebSocket implementation is pinned to ``websockets-sansio``: its ``max_size`` is what
  stops an oversized message, counted while the frame is read and, with compression, while it
  is inflated. Compression (permessage-deflate) is off: the feed's frames are small, and
  inflating or deflating each one per client costs CPU a hostile client could multiply.
- Connections are counted from the first byte: past ``max_connections`` a new one gets a 503,
  and one that has not completed its handshake (or had its HTTP request answered) within
  ``handshake_timeout`` is closed, so silent or half-sent requests cannot pile up.
- Frames from a client are rate-limited (messages and control frames alike).
- A send waits at most ``send_timeout`` for a client that does not read; then the connection
  is aborted, and nothing more is written to a connection that is gone.
- The logs show no query value (a token in a URL stays out of them), and each limit that bites
  is logged at most once a minute (with counts), so a flood cannot flood the log too.
- Broadcasting is cheap per client: the data frames a client gets in one pass of the event loop
  go out in one write, and the app can write a frame at once, without a round through ``send``,
  to a client that can take it (:data:`WRITE_NOW`). ``bench/broadcast.py`` measures it.

The protocol classes extend uvicorn's own implementation classes (``h11`` for HTTP,
``websockets-sansio`` for WebSocket) and rely on their internals (handlers, flags, the
transport): ``tests/feed/test_serving.py`` is what tells whether a new uvicorn still fits.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import struct
import time
from typing import Any, Final

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import CloseCode, Frame, Opcode

from lib.feed.limits import FeedLimits
from lib.rate import TokenBucket
from lib.urls import hide_query_values

logger = logging.getLogger(__name__)

_REPORT_EVERY: Final = 60.0
"""Seconds between two log lines about the same limit."""
_SERVICE_UNAVAILABLE: Final = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_FLUSH_BYTES: Final = 64 * 1024
"""Data frames waiting for the end of a pass of the event loop are written at once past this size: asyncio's
default high-water mark, past which the transport asks to stop writing."""
_REQUEST_TIMEOUT: Final = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_LOGGERS_WITH_PATHS: Final = ("uvicorn.access", "uvicorn.error")

WRITE_NOW: Final = "lib.feed.write_now"
"""An ASGI extension of the feed's WebSocket protocol, in ``scope["extensions"]``: its ``"write"``
takes a frame (``str``: a text frame, ``bytes``: a binary one) and writes it at once, without
a round through ``send`` per frame, returning ``True``; or, when the client cannot take it now
(it has not read what it was sent, or the connection is closing), writes nothing and returns
``False``, and the frame is to be sent the usual way."""


class FeedConfig(uvicorn.Config):
    """uvicorn's configuration for the feed server, with the limits applied.

    Args:
        app: The ASGI app (:func:`lib.feed.server.create_app`).
        limits: The bounds on every client.
        host: Interface to listen on (when uvicorn binds; an embedded server passes its socket).
        port: Port to listen on, likewise.
        keepalive: Ping every client this often and drop one that has not answered within as long
            again; ``None`` never pings.
        tls: ``(certificate file, key file)`` to serve ``wss://``.
        log_level: uvicorn's log level.
    """

    def __init__(
        self,
        app: Any,
        *,
        limits: FeedLimits,
        host: str = "127.0.0.1",
        port: int = 8080,
        keepalive: float | None,
        tls: tuple[str, str] | None = None,
        log_level: str = "info",
    ) -> None:
        certfile, keyfile = tls or (None, None)
        super().__init__(
            app,
            host=host,
            port=port,
            http=_FeedHttpProtocol,
            ws=_FeedWebSocketProtocol,
            ws_max_size=limits.max_message_bytes,
            ws_per_message_deflate=False,
            ws_ping_interval=keepalive,
            ws_ping_timeout=keepalive,
            timeout_graceful_shutdown=1,
            lifespan="on",
            log_level=log_level,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
        self.limits = limits
        self.report = LimitReport()
        # After uvicorn's own logging setup (in the constructor above), which would not keep it.
        for name in _LOGGERS_WITH_PATHS:
            logging.getLogger(name).addFilter(_HIDE_QUERY_VALUES)


def freeze_startup_objects() -> None:
    """Leave everything built so far (modules, the app, the model) out of the garbage collector's passes.

    For a process that is a feed server (``python -m lib.feed``), called once before serving. A
    full collection walks every tracked object; with a thousand clients connected it took 50-90 ms,
    and a broadcast that met one waited for it. What is frozen stays: these objects live as long as
    the process anyway.
    """
    gc.collect()
    gc.freeze()


class _HideQueryValues(logging.Filter):
    """Masks query values in the request targets uvicorn logs (its access log and handshake lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(arg, str) and "?" in arg for arg in record.args):
            record.args = tuple(hide_query_values(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


_HIDE_QUERY_VALUES: Final = _HideQueryValues()


class LimitReport:
    """Counts what each limit stopped and logs it: the first time at once, then at most once a minute."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._logged_at: dict[str, float] = {}

    def count(self, what: str) -> None:
        """Count one more of ``what`` (a description of the limit that acted)."""
        self._counts[what] = self._counts.get(what, 0) + 1
        now = time.monotonic()
        if now - self._logged_at.get(what, -_REPORT_EVERY) >= _REPORT_EVERY:
            logger.warning("%s: %d since the last report", what, self._counts.pop(what))
            self._logged_at[what] = now


class _Limited:
    """What the feed's protocols share: their limits and report, from the :class:`FeedConfig` they run with."""

    config: uvicorn.Config

    @property
    def _limits(self) -> FeedLimits:
        return self._feed_config.limits

    @property
    def _report(self) -> LimitReport:
        return self._feed_config.report

    @property
    def _feed_config(self) -> FeedConfig:
        if not isinstance(self.config, FeedConfig):
            raise TypeError("the feed's protocols run with a FeedConfig")
        return self.config


class _FeedHttpProtocol(_Limited, H11Protocol):
    """uvicorn's HTTP protocol, with a connection limit and a deadline for each request.

    A WebSocket connection starts here (its upgrade request) and is handed over to
    :class:`_FeedWebSocketProtocol`; the deadline set here covers the handshake there too.
    """

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self._limits.max_connections:
            self._report.count(f"connections refused at the limit of {self._limits.max_connections}")
            transport.write(_SERVICE_UNAVAILABLE)
            transport.close()
            return
        self._arm_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_deadline()  # the next request on this connection has as long again

    def _arm_deadline(self) -> None:
        self._disarm_deadline()
        self._deadline = self.loop.call_later(self._limits.handshake_timeout, self._deadline_passed)

    def _disarm_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _deadline_passed(self) -> None:
        self._deadline = None
        transport = self.transport
        if transport.is_closing():
            return
        protocol = transport.get_protocol()
        if protocol is self:
            if self.cycle is not None and not self.cycle.response_complete and self.conn.their_state is h11.DONE:
                return  # the request is in; the app is answering it
            self._report.count(f"HTTP requests not complete within {self._limits.handshake_timeout:g} s, closed")
            transport.write(_REQUEST_TIMEOUT)
            transport.close()
        elif isinstance(protocol, _FeedWebSocketProtocol) and not protocol.handshake_complete:
            self._report.count(f"WebSocket handshakes not complete within {self._limits.handshake_timeout:g} s, closed")
            transport.abort()


class _FeedWebSocketProtocol(_Limited, WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol, with a frame rate, a send timeout and quiet disconnects."""

    _dropped = False
    """Dropped for not reading: logged as such, not as a client that went away."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rate = TokenBucket(self._limits.frames_per_second, self._limits.frame_burst, self.loop.time())
        self._pending: list[bytes] = []
        """Data frames framed in this pass of the event loop, written together at its end."""
        self._pending_bytes = 0

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.handshake_initiated and self.conn.handshake_exc is not None:
            # A request websockets refuses (a header over its limits: 431): uvicorn would hold
            # the connection without sending the answer websockets prepared.
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        closed_cleanly = self.close_sent or self.conn.close_sent is not None or self.conn.close_rcvd is not None
        if self.handshake_complete and not closed_cleanly and not self._dropped:
            logger.info("client %s went away without closing (%s)", _address(self.client), exc or "end of stream")
        super().connection_lost(exc)

    def shutdown(self) -> None:
        if self.transport.is_closing() and not self.close_sent:
            # The client closed first and its close was answered: the connection ends once the answer
            # is flushed. uvicorn would send a close of its own, which websockets refuses (InvalidState).
            self.stop_keepalive()
            return
        super().shutdown()

    def handle_text(self, event: Frame) -> None:
        if self._admit():
            super().handle_text(event)

    def handle_bytes(self, event: Frame) -> None:
        if self._admit():
            super().handle_bytes(event)

    def handle_cont(self, event: Frame) -> None:
        if self._admit():
            super().handle_cont(event)

    def handle_ping(self) -> None:
        if self._admit():
            super().handle_ping()

    def handle_pong(self, event: Frame) -> None:
        if self._admit():
            super().handle_pong(event)

    def handle_parser_exception(self) -> None:
        if self.conn.close_sent is not None and self.conn.close_sent.code == CloseCode.MESSAGE_TOO_BIG:
            self._report.count(f"clients closed for a message over {self._limits.max_message_bytes} bytes (1009)")
        super().handle_parser_exception()

    def _admit(self) -> bool:
        """Whether to handle one more frame from the client; past the rate, close the connection (1008)."""
        if self.close_sent or self.transport.is_closing():
            return False
        if self._rate.admit(self.loop.time()):
            return True
        self._report.count(f"clients closed for more than {self._limits.frames_per_second:g} frames/s (1008)")
        self.conn.fail(CloseCode.POLICY_VIOLATION, "too many messages")
        self.handle_parser_exception()
        return False

    async def send(self, message: Any) -> None:
        if self.transport.is_closing() and self.handshake_complete:
            # Gone (reset, or being closed): writing on would only make asyncio warn once per write.
            raise ClientDisconnected
        if not self.writable.is_set():
            try:
                await asyncio.wait_for(self.writable.wait(), self._limits.send_timeout)
            except TimeoutError:
                self._report.count(f"clients not reading for {self._limits.send_timeout:g} s, dropped")
                self._dropped = True
                self.transport.abort()  # close() would wait for the client to read what is buffered
                raise ClientDisconnected from None
        if message["type"] == "websocket.send" and self._open:
            if self.disconnected:
                raise ClientDisconnected
            self._write_frame(message.get("text", message.get("bytes")))
            return
        self._flush()  # what was sent before goes out before an accept or a close
        await super().send(message)

    async def run_asgi(self) -> None:
        self.scope["extensions"][WRITE_NOW] = {"write": self._write_now}
        await super().run_asgi()

    @property
    def _open(self) -> bool:
        """Whether data frames can go out: handshake done, no close sent, no HTTP response instead."""
        return self.handshake_complete and not self.close_sent and self.initial_response is None

    def _write_now(self, frame: str | bytes) -> bool:
        """The :data:`WRITE_NOW` extension: write a frame at once if the client can take it now."""
        if not (self._open and self.writable.is_set()) or self.disconnected or self.transport.is_closing():
            return False
        self._write_frame(frame)
        return True

    def _write_frame(self, frame: str | bytes) -> None:
        """Frame a message now and write it with the others framed in this pass of the event loop.

        The broadcast's hot path. A broadcast frames a burst of messages for every client in one
        pass of the loop: one write per client at the end of it, rather than one per frame, saves a
        system call per frame, and framing here (compression is off, and a server does not mask)
        skips the general framing of websockets. Pings and pongs written meanwhile may go out
        first, which the protocol allows; a close goes after (see :meth:`send`).
        """
        opcode, payload = (Opcode.TEXT, frame.encode()) if isinstance(frame, str) else (Opcode.BINARY, frame)
        if not self._pending:
            self.loop.call_soon(self._flush)
        self._pending += (_frame_header(opcode, len(payload)), payload)
        self._pending_bytes += len(payload)
        if self._pending_bytes >= _FLUSH_BYTES:
            # Written now, so that a client that reads slowly pauses the sending (and its send
            # timeout counts) frame by frame, not after a whole burst has been buffered for it.
            self._flush()

    def _flush(self) -> None:
        if self._pending and not self.transport.is_closing():
            self.transport.write(b"".join(self._pending))
        self._pending.clear()  # the same list again: one fewer object for the garbage collector per write
        self._pending_bytes = 0


def _frame_header(opcode: Opcode, length: int) -> bytes:
    """The header of an unfragmented, unmasked data frame of ``length`` bytes (RFC 6455, section 5.2)."""
    if length < 126:
        return struct.pack("!BB", 0x80 | opcode, length)
    if length < 1 << 16:
        return struct.pack("!BBH", 0x80 | opcode, 126, length)
    return struct.pack("!BBQ", 0x80 | opcode, 127, length)


def _address(client: tuple[str, int] | None) -> str:
    return "unknown" if client is None else f"{client[0]}:{client[1]}"
