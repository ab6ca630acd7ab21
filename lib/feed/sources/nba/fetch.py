"""HTTP GETs of the NBA's live files, each bounded in time and size, each failure named by its kind.

httpcore (the HTTP engine under httpx), not hand-written HTTP: one pool keeps the connection to
the CDN open between polls, and redirects are never followed. httpx itself is not used, for
what it does on top: it decompresses with no bound on what comes out (and stacks a decoder per
layer, so ``Content-Encoding: gzip, gzip`` inflates a 2 kB answer to gigabytes before any size
check), its timeouts are per read (a server trickling a byte every half second holds a request
for ever), and it logs every URL with its query. Here:

* every request has one deadline for all of it, connection, headers and body: each socket
  operation may wait only for what is left of it;
* the body is decompressed here, one layer of gzip or deflate at most, and what comes out is
  measured against the file's limits as it is produced (its size, and the entries and nesting
  of its JSON text: :class:`~lib.feed.sources.nba.cdn.JsonMeter`), so no answer grows past its
  cap even for a moment, and one of millions of tiny entries is dropped after its first ones;
* credentials in the base URL (``user:password@``, a query such as ``?apikey=...``) are sent
  with each request (Basic authorization; the query on every file) and never logged.

The CDN answers 403 to requests without a browser-like ``Referer`` and ``User-Agent``, so every
request carries them.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Final
from urllib.parse import SplitResult, unquote, urlsplit

import httpcore

from lib.feed.sources.nba import DEFAULT_BASE_URL
from lib.feed.sources.nba.cdn import CdnShapeError, JsonLimits, JsonMeter

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 5.0

HEADERS: Final = {
    "Referer": "https://www.nba.com/",
    "Origin": "https://www.nba.com",
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    ),
    "Accept": "application/json, text/plain, */*",
    "Accept-Language": "en-US,en;q=0.9",
    "Accept-Encoding": "gzip, deflate",
}

_PIECE: Final = 256 * 1024
"""Most bytes inflated at a time, so a bomb's output is measured in small pieces."""
_WBITS: Final = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
"""zlib's framing for each encoding we ask for; any other encoding is refused."""


class UpstreamFault(Exception):  # noqa: N818 -- a fault of the upstream, reported and counted, not a bug
    """A fetch that did not give a body.

    Attributes:
        kind: The fault's kind, counted in the source's health: ``timeout``, ``connection``,
            ``truncated``, ``http_<code>``, ``unsupported_encoding`` or ``invalid_encoding``.
        words: The fault as a page shows it (``HTTP 403``, ``timed out``).
    """

    def __init__(self, kind: str, words: str) -> None:
        super().__init__(words)
        self.kind = kind
        self.words = words

    @property
    def throttling(self) -> bool:
        """Whether the CDN asked us, by its answer, to come back later (429, or a 5xx)."""
        return self.kind == "http_429" or self.kind.startswith("http_5")


class CdnFetcher:
    """Fetches the NBA's live files under one base URL over reused connections.

    Thread-safe: the play-by-play files of several games are fetched at once.

    Args:
        base_url: The live-data root; the paths beneath it are the CDN's own, so a local stand-in
            can take its place. Credentials in it are sent, never shown.
        timeout: Seconds allowed for each whole request: connecting, sending, the headers and
            every byte of the body.

    Raises:
        ValueError: The URL is not an http(s) URL with a host (the message never repeats it), or
            the timeout is not positive.
    """

    def __init__(self, base_url: str = DEFAULT_BASE_URL, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self._root = _Root.of(base_url)
        self.base_url = base_url.rstrip("/")
        """The live-data root as given, credentials and all: never to be shown (``lib.urls.redact_url``)."""
        self.requests = 0
        """Requests sent so far."""
        self.received_bytes = 0
        """Response bytes received so far, as they came over the wire (compressed, when they were)."""
        self._timeout = timeout
        self._backend = _DeadlineBackend()
        self._pool: httpcore.ConnectionPool | None = None
        self._lock = threading.Lock()

    def _connections(self) -> httpcore.ConnectionPool:
        # Opened on first use, and again after close(): a feed server stopped and started again
        # polls with the same source.
        with self._lock:
            if self._pool is None:
                self._pool = httpcore.ConnectionPool(
                    max_connections=8, max_keepalive_connections=8, network_backend=self._backend
                )
            return self._pool

    def get(self, path: str, limits: JsonLimits, *, deadline: float | None = None) -> bytearray:
        """GET one file: its body, decompressed and measured against its limits as it arrived.

        Args:
            path: The file's path under the base URL, as the CDN names it; each leading ``../``
                climbs one folder above it (the schedule is beside the live-data root).
            limits: What its text may hold; the body can then be parsed as it is
                (:meth:`~lib.feed.sources.nba.cdn.CdnFile.read_measured`).
            deadline: A ``time.monotonic()`` by which the request must be over, when it must end
                before its own timeout (the poll's files share one).

        Returns:
            The body.

        Raises:
            UpstreamFault: The request failed, took too long, or its body was not decodable.
            CdnShapeError: The body broke its limits (``too_large``, ``too_many_entries``,
                ``too_deep``); the rest of it was not read.
        """
        with self._lock:
            self.requests += 1
        started = time.monotonic()
        ends = started + self._timeout if deadline is None else min(deadline, started + self._timeout)
        if ends <= started:
            raise UpstreamFault("timeout", "timed out: the poll's time ran out before this file")
        try:
            with (
                self._backend.until(ends),
                self._connections().stream(
                    "GET", self._root.url(path), headers=self._root.headers, extensions=_timeouts(ends - started)
                ) as response,
            ):
                if response.status != 200:
                    raise UpstreamFault(f"http_{response.status}", f"HTTP {response.status}")
                return self._read(response, limits)
        except httpcore.TimeoutException:
            raise UpstreamFault("timeout", f"timed out: no whole answer within {ends - started:.3g} s") from None
        except httpcore.RemoteProtocolError:
            raise UpstreamFault("truncated", "the answer was cut off") from None
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, OSError) as error:
            raise UpstreamFault("connection", _connection_words(error)) from None

    def _read(self, response: httpcore.Response, limits: JsonLimits) -> bytearray:
        headers = {name.lower(): value for name, value in response.headers}
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limits.max_bytes:
            raise CdnShapeError(f"an answer of {int(declared):,} bytes, more than {limits.max_bytes:,}", "too_large")
        encodings = b",".join(value for name, value in response.headers if name.lower() == b"content-encoding")
        body = _Body(encodings.decode("latin-1"), JsonMeter(limits))
        received = 0
        try:
            for chunk in response.iter_stream():
                received += len(chunk)
                body.add(chunk)
        finally:
            with self._lock:
                self.received_bytes += received
        return body.finish()

    def close(self) -> None:
        """Close the connections; a later request opens new ones."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


class _Body:
    """An answer's body as it arrives, decompressed (one layer at most) and measured as it is produced."""

    def __init__(self, content_encoding: str, meter: JsonMeter) -> None:
        layers = [part.strip().lower() for part in content_encoding.split(",") if part.strip()]
        layers = [layer for layer in layers if layer != "identity"]
        if len(layers) > 1:
            raise UpstreamFault("unsupported_encoding", f"an answer compressed {len(layers)} times over")
        if layers and layers[0] not in _WBITS:
            raise UpstreamFault("unsupported_encoding", f"an answer in an encoding not asked for ({layers[0][:20]})")
        self._meter = meter
        self._max = meter.limits.max_bytes
        self._encoding = layers[0] if layers else None
        self._inflater = zlib.decompressobj(_WBITS[self._encoding]) if self._encoding else None
        self._raw = 0
        self._data = bytearray()

    def add(self, chunk: bytes) -> None:
        self._raw += len(chunk)
        if self._raw > self._max:  # compressed or not, never more on the wire than in the body
            raise CdnShapeError(f"an answer of more than {self._max:,} bytes", "too_large")
        if self._inflater is None:
            self._keep(chunk)
            return
        pending = chunk
        while not self._inflater.eof:
            try:
                piece = self._inflater.decompress(pending, _PIECE)
            except zlib.error:
                pending = self._retry_raw_deflate(pending)
                continue
            self._keep(piece)
            pending = self._inflater.unconsumed_tail
            if not pending and len(piece) < _PIECE:  # all in, and nothing more held back
                return

    def _retry_raw_deflate(self, pending: bytes) -> bytes:
        # "deflate" is zlib-wrapped by the standard, raw deflate on some servers; nothing else is retried.
        if self._encoding == "deflate" and not self._data and self._raw == len(pending):
            self._encoding = "raw deflate"
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return pending
        raise UpstreamFault("invalid_encoding", "the answer could not be decompressed")

    def _keep(self, data: bytes) -> None:
        self._meter.feed(data)  # before it is kept: a piece over a limit is never held with the rest
        self._data += data

    def finish(self) -> bytearray:
        if self._inflater is not None and not self._inflater.eof:
            raise UpstreamFault("invalid_encoding", "the compressed answer was cut off")
        return self._data  # not copied into bytes: at the cap that would be one more body in memory


class _Root:
    """The base URL taken apart: where requests go, and the credentials they carry."""

    def __init__(
        self, scheme: bytes, host: bytes, port: int | None, path: str, query: str, headers: list[tuple[bytes, bytes]]
    ) -> None:
        self._scheme = scheme
        self._host = host
        self._port = port
        self._path = path
        self._query = query
        self.headers = headers

    @classmethod
    def of(cls, base_url: str) -> _Root:
        try:
            parts: SplitResult = urlsplit(base_url)
            port = parts.port
            host = parts.hostname
        except ValueError:
            raise ValueError("the NBA base URL is malformed (its host or port)") from None
        if parts.scheme not in ("http", "https") or not host:
            raise ValueError("the NBA base URL must be an http:// or https:// URL with a host")
        if any(ord(character) < 33 or ord(character) > 126 for character in base_url):
            raise ValueError("the NBA base URL must be printable ASCII, percent-encoded")
        headers = [(name.encode(), value.encode()) for name, value in HEADERS.items()]
        netloc = f"[{host}]" if ":" in host else host
        headers.insert(0, (b"Host", (netloc if port is None else f"{netloc}:{port}").encode()))
        if parts.username is not None or parts.password is not None:
            user = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}".encode()
            headers.append((b"Authorization", b"Basic " + base64.b64encode(user)))
        return cls(parts.scheme.encode(), host.encode(), port, parts.path.rstrip("/"), parts.query, headers)

    def url(self, path: str) -> httpcore.URL:
        root = self._path
        while path.startswith("../"):  # a file beside the live-data root: the season's schedule
            root, path = root.rpartition("/")[0], path[3:]
        target = f"{root}/{path.lstrip('/')}" + (f"?{self._query}" if self._query else "")
        return httpcore.URL(scheme=self._scheme, host=self._host, port=self._port, target=target.encode())


def _timeouts(seconds: float) -> dict[str, dict[str, float]]:
    return {"timeout": {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}}


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sockets, each operation given only what is left of its thread's request deadline.

    httpcore times each read on its own, which a trickle of one byte per read defeats; a deadline
    per request (one thread makes one request at a time) bounds the whole of it.
    """

    def __init__(self) -> None:
        self._sockets = httpcore.SyncBackend()
        self._deadline = threading.local()

    @contextlib.contextmanager
    def until(self, deadline: float) -> Iterator[None]:
        """Requests made by this thread inside the block end by ``deadline`` (``time.monotonic()``)."""
        self._deadline.at = deadline
        try:
            yield
        finally:
            self._deadline.at = None

    def left(self, timeout: float | None, late: type[httpcore.TimeoutException]) -> float | None:
        """The timeout for one socket operation: the smaller of its own and what is left of the deadline."""
        deadline: float | None = getattr(self._deadline, "at", None)
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise late("the request's deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: object = None,
    ) -> httpcore.NetworkStream:
        stream = self._sockets.connect_tcp(
            host,
            port,
            self.left(timeout, httpcore.ConnectTimeout),
            local_address,
            socket_options,  # type: ignore[arg-type]
        )
        return _DeadlineStream(stream, self)

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, backend: _DeadlineBackend) -> None:
        self._stream = stream
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._backend.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._backend.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: object, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        secure = self._stream.start_tls(
            ssl_context,  # type: ignore[arg-type]
            server_hostname,
            self._backend.left(timeout, httpcore.ConnectTimeout),
        )
        return _DeadlineStream(secure, self._backend)

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


def _connection_words(error: Exception) -> str:
    text = str(error).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return "host not found"
    return "cannot connect"
