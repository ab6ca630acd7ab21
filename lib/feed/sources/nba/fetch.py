"""HTTP GETs of the NBA's live files, each failure named by its kind.

httpx, not hand-written HTTP: one client keeps the connection to the CDN open between polls,
every request has a timeout, and redirects are refused. The CDN answers 403 to requests
without a browser-like ``Referer`` and ``User-Agent``, so every request carries them.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Final

import httpx

from lib.feed.sources.nba import DEFAULT_BASE_URL

logger = logging.getLogger(__name__)

MAX_FILE_BYTES: Final = 16 * 1024 * 1024
"""A whole night's play-by-play is about 1 MB; a larger answer is not one of the NBA's files."""
DEFAULT_TIMEOUT: Final = 5.0

HEADERS: Final = {
    "Referer": "https://www.nba.com/",
    "Origin": "https://www.nba.com",
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    ),
    "Accept": "application/json, text/plain, */*",
    "Accept-Language": "en-US,en;q=0.9",
}


class UpstreamFault(Exception):  # noqa: N818 -- a fault of the upstream, reported and counted, not a bug
    """A fetch that did not give a JSON document.

    Attributes:
        kind: The fault's kind, counted in the source's health: ``timeout``, ``connection``,
            ``truncated``, ``http_<code>``, ``too_large`` or ``invalid_json``.
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
    """Fetches the NBA's live files under one base URL over a reused connection.

    Thread-safe: the play-by-play files of several games are fetched at once.

    Args:
        base_url: The live-data root; the paths beneath it are the CDN's own, so a local stand-in
            can take its place.
        timeout: Seconds allowed for each request (connect, and each read).
        max_bytes: Largest response accepted.
    """

    def __init__(
        self, base_url: str = DEFAULT_BASE_URL, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = MAX_FILE_BYTES
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"the NBA base URL must be an http:// or https:// URL, got {base_url!r}")
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.base_url = base_url.rstrip("/")
        self.max_bytes = max_bytes
        self.requests = 0
        """Requests sent so far."""
        self.received_bytes = 0
        """Response bytes received so far, as they came over the wire (compressed, when they were)."""
        self._timeout = timeout
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _connection(self) -> httpx.Client:
        # Opened on first use, and again after close(): a feed server stopped and started again
        # polls with the same source.
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    base_url=self.base_url + "/",
                    headers=HEADERS,
                    timeout=httpx.Timeout(self._timeout),
                    follow_redirects=False,
                    limits=httpx.Limits(max_connections=8, max_keepalive_connections=8),
                )
            return self._client

    def get(self, path: str) -> object:
        """GET one file and parse its JSON.

        Args:
            path: The file's path under the base URL, as the CDN names it.

        Returns:
            The parsed JSON.

        Raises:
            UpstreamFault: The request failed, or the answer was not a JSON document.
        """
        self.requests += 1
        try:
            with self._connection().stream("GET", path) as response:
                if response.status_code != httpx.codes.OK:
                    raise UpstreamFault(f"http_{response.status_code}", f"HTTP {response.status_code}")
                body = self._read(response)
        except httpx.TimeoutException:
            raise UpstreamFault("timeout", "timed out") from None
        except httpx.RemoteProtocolError:
            raise UpstreamFault("truncated", "the answer was cut off") from None
        except httpx.DecodingError:
            raise UpstreamFault("invalid_json", "the answer could not be decompressed") from None
        except httpx.HTTPError as error:
            raise UpstreamFault("connection", _connection_words(error)) from None
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise UpstreamFault("invalid_json", "the answer is not JSON (truncated?)") from None

    def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise UpstreamFault("too_large", f"an answer of {int(declared):,} bytes")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise UpstreamFault("too_large", f"an answer over {self.max_bytes:,} bytes")
            chunks.append(chunk)
        self.received_bytes += response.num_bytes_downloaded
        return b"".join(chunks)

    def close(self) -> None:
        """Close the connections; a later request opens new ones."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


def _connection_words(error: httpx.HTTPError) -> str:
    text = str(error).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return "host not found"
    return "cannot connect"
