"""Tonight's real NBA games, bridged from the NBA's live data into the feed's protocol.

The settings an embedded bridge is configured with live here, so that reading them does not
load the HTTP machinery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from lib.urls import redact_url

if TYPE_CHECKING:
    from lib.feed.sources.nba.source import NbaSource

DEFAULT_BASE_URL: Final = "https://cdn.nba.com/static/json/liveData"
"""Where the NBA publishes its live files; the paths beneath it are the CDN's own."""
DEFAULT_POLL: Final = 5.0
"""Seconds between polls: the pace of the original backend's pushes."""
MIN_POLL: Final = 1.0
"""Faster polling would only add load on the CDN: its files change every few seconds at most."""


@dataclass(frozen=True)
class NbaOptions:
    """The embedded bridge to tonight's real NBA games, polled from the NBA's live data.

    Attributes:
        base_url: The live-data root, the CDN's paths beneath it (a stand-in's, in tests). It may
            carry credentials (``user:password@``, ``?apikey=...``): they are sent to the CDN and
            never shown; show :attr:`shown_url` instead (the repr does).
        poll: Seconds between polls of the NBA's files, at least 1.

    Raises:
        ValueError: If ``poll`` is under a second or the URL is not http(s).
    """

    base_url: str = field(default=DEFAULT_BASE_URL, repr=False)
    poll: float = DEFAULT_POLL

    @property
    def shown_url(self) -> str:
        """The base URL as it may be shown or logged: no ``user:password@``, every query part masked."""
        return redact_url(self.base_url)

    def __repr__(self) -> str:
        return f"NbaOptions(base_url={self.shown_url!r}, poll={self.poll!r})"

    @property
    def interval(self) -> float:
        """Seconds between the feed server's looks at the source: the poll."""
        return self.poll

    def source(self) -> NbaSource:
        """The bridge to serve."""
        from lib.feed.sources.nba.source import NbaSource  # noqa: PLC0415 -- the HTTP client loads only when used

        return NbaSource(self.base_url, poll=self.poll)

    def __post_init__(self) -> None:
        if not MIN_POLL <= self.poll < float("inf"):
            raise ValueError(f"the NBA poll must be at least {MIN_POLL:g} s, got {self.poll}")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"the NBA base URL must start with http:// or https://, got {self.shown_url!r}")
