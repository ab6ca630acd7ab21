"""Purpose-built WebSocket servers for the client's tests: real, on loopback port 0, in a thread.

The feed server (``lib.feed``) behaves; these behave the ways a third-party backend may: one
refuses a message over ``max_size`` bytes by closing with 1009 (message too big), or stops
reading altogether so that the client's writes stall; another sends its first messages in the
same write as its handshake response. Built on the ``websockets`` library, which answers
WebSocket pings as any server does.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.server import ServerProtocol
from websockets.sync.server import ServerConnection, serve


class SinkServer:
    """Records every message it reads; ``reading=False`` reads none after the handshake.

    Args:
        max_size: Messages over this many bytes are refused with close code 1009.
        reading: When false, the handler never reads, so after one buffered frame the server
            stops reading its socket (``max_queue=1``) and the client's writes fill it up.
    """

    def __init__(self, *, max_size: int = 2**20, reading: bool = True) -> None:
        self.received: list[str] = []
        self.connections = 0
        self._reading = reading
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = serve(
            self._handle,
            "127.0.0.1",
            0,
            max_size=max_size,
            max_queue=1,
            compression=None,
            ping_interval=None,
            close_timeout=0.5,  # a connection that is not read from never sees the client's close
        )
        self.port: int = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="sink-server", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/live"

    def start(self) -> SinkServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._thread.join(5)
        assert not self._thread.is_alive(), "sink server thread left behind"

    def __enter__(self) -> SinkServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            self.connections += 1
        if not self._reading:
            self._stop.wait()
            return
        with contextlib.suppress(ConnectionClosed):
            for message in connection:
                with self._lock:
                    self.received.append(message if isinstance(message, str) else message.decode())


class EagerServer:
    """Answers each upgrade and sends ``messages`` in the same write as its 101 response.

    The bytes of the response and of the first frames then reach the client together: a client
    whose WebSocket library read past the end of the response would lose the frames.
    """

    def __init__(self, messages: list[str]) -> None:
        self._payload = [message.encode() for message in messages]
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="eager-server", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/live"

    def __enter__(self) -> EagerServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        assert not self._thread.is_alive(), "eager server thread left behind"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            with connection, contextlib.suppress(OSError):
                connection.settimeout(0.1)
                self._handle(connection)

    def _handle(self, connection: socket.socket) -> None:
        protocol = ServerProtocol()
        request: Request | None = None
        while request is None and not self._stop.is_set():
            try:
                data = connection.recv(4096)
            except TimeoutError:
                continue
            if not data:
                return
            protocol.receive_data(data)
            request = next((event for event in protocol.events_received() if isinstance(event, Request)), None)
        if request is None:
            return
        protocol.send_response(protocol.accept(request))
        for payload in self._payload:
            protocol.send_text(payload)
        connection.sendall(b"".join(protocol.data_to_send()))
        while not self._stop.is_set():  # read (and drop) the client's pings until it goes
            try:
                if not connection.recv(65536):
                    return
            except TimeoutError:
                continue
