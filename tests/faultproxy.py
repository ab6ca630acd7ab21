"""A small fault-injecting TCP proxy for tests, between a real client with a real server.

It forwards bytes both ways until told to misbehave: black-hole the open connections (no FIN,
no RST, just silence), reset them, dribble bytes slowly, or refuse to forward new ones.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time
from dataclasses import dataclass, field


@dataclass
class _Pair:
    client: socket.socket
    upstream: socket.socket
    blackholed: bool = False
    closed: bool = False
    inject: list[bytes] = field(default_factory=list)


class FaultProxy:
    """Forward ``127.0.0.1:<port>`` to ``target``; break the connections on demand.

    Args:
        target: ``(host, port)`` of the real server.
        dribble: When set, bytes towards the client go out one at a time, this many seconds apart.
    """

    def __init__(self, target: tuple[str, int], *, dribble: float | None = None) -> None:
        self.target = target
        self.dribble = dribble
        self.hold_new = False  # accept new connections but never forward them (a stuck handshake)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # so the accept loop notices stop(); closing does not wake accept()
        self.port: int = self._listener.getsockname()[1]
        self._pairs: list[_Pair] = []
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.accepted = 0

    def url(self, path: str = "/ws/live") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def start(self) -> FaultProxy:
        thread = threading.Thread(target=self._accept_loop, name="fault-proxy-accept", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads[:1]:
            thread.join(5)
        self._listener.close()
        with self._lock:
            pairs, held = list(self._pairs), list(self._held)
        for pair in pairs:
            self._close(pair)
        for sock in held:
            sock.close()
        for thread in self._threads:
            thread.join(5)
        assert not any(t.is_alive() for t in self._threads), "fault proxy threads left behind"

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return sum(not p.closed for p in self._pairs)

    def blackhole(self) -> None:
        """Stop forwarding on every open connection, leaving the sockets open: pure silence."""
        with self._lock:
            for pair in self._pairs:
                pair.blackholed = True

    def reset(self) -> None:
        """Abort every open connection with a TCP RST."""
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            for sock in (pair.client, pair.upstream):
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self._close(pair)

    def inject_to_client(self, data: bytes) -> None:
        """Send raw bytes to every client as if the server had sent them (e.g. a hand-made frame)."""
        with self._lock:
            for pair in self._pairs:
                if not pair.closed:
                    pair.inject.append(data)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            self.accepted += 1
            if self.hold_new:
                with self._lock:
                    self._held.append(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            pair = _Pair(client, upstream)
            with self._lock:
                self._pairs.append(pair)
            thread = threading.Thread(target=self._pump, args=(pair,), name="fault-proxy-pump", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _pump(self, pair: _Pair) -> None:
        selector = selectors.DefaultSelector()
        selector.register(pair.client, selectors.EVENT_READ, pair.upstream)
        selector.register(pair.upstream, selectors.EVENT_READ, pair.client)
        try:
            while not self._stop.is_set() and not pair.closed:
                if pair.inject and not pair.blackholed:
                    with self._lock:
                        chunks, pair.inject = pair.inject, []
                    for chunk in chunks:
                        pair.client.sendall(chunk)
                for key, _ in selector.select(0.05):
                    if pair.blackholed:
                        continue
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    self._forward(key.data, data, towards_client=key.data is pair.client)
                if pair.blackholed:
                    time.sleep(0.05)  # silence: read nothing, write nothing, close nothing
        except OSError:
            return
        finally:
            selector.close()
            self._close(pair)

    def _forward(self, sink: socket.socket, data: bytes, *, towards_client: bool) -> None:
        if self.dribble is None or not towards_client:
            sink.sendall(data)
            return
        for byte in data:
            sink.sendall(bytes([byte]))
            time.sleep(self.dribble)

    def _close(self, pair: _Pair) -> None:
        pair.closed = True
        for sock in (pair.client, pair.upstream):
            with contextlib.suppress(OSError):
                sock.close()
