"""The standalone feed server that keeps an archive: ``python -m lib.feed --archive FILE``.

The server does not write the archive itself. Once it listens, a :class:`~lib.live.LiveFeed`
in the same process connects to it on loopback with the archive, so exactly what a client
accepts is archived, through the same path as in a dashboard or a notebook
(``docs/archive.md``). This module is the one place where the feed side holds a client; it is
loaded only by a server given an archive.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import uvicorn
from pydantic import SecretStr

from lib.archive import ArchiveError, ArchiveWriter
from lib.backoff import Backoff
from lib.feed.server import OBSERVER_QUERY
from lib.feed.serving import FeedConfig
from lib.live import ArchiveOptions, LiveFeed
from lib.options import FeedOptions


class ArchivingServer(uvicorn.Server):
    """The feed server with a client of its own that keeps what the server sends in an archive.

    Once the server listens, a :class:`~lib.live.LiveFeed` connects to it on loopback with the
    archive: exactly what a client accepts is archived, through the same path as in a dashboard
    or a notebook. It never gives up reconnecting, and it is stopped, its last batch written,
    before the server closes its connections.

    Args:
        config: The server's configuration.
        archive: The archive file.
        token: The token the server requires, if any.
        source: The label the rows carry: what the server serves (``demo``, ``nba``, ...), not
            its loopback URL, whose port changes from run to run.
    """

    def __init__(self, config: FeedConfig, *, archive: Path, token: str | None, source: str) -> None:
        super().__init__(config)
        self.archive = ArchiveOptions(archive, source=source)
        self.token = token
        self.feed: LiveFeed | None = None
        self.problem: str | None = None
        """Why the archive could not be written, naming the file; the server then stops."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        options = FeedOptions(
            token=None if self.token is None else SecretStr(self.token), reconnect=Backoff(max_attempts=None)
        )
        # An observer: a replay waiting for its first viewer does not start for the archive.
        url = f"{own_url(self.servers[0].sockets[0].getsockname())}?{OBSERVER_QUERY}"
        feed = LiveFeed(url, options=options, archive=self.archive)
        self.feed = feed
        await asyncio.to_thread(feed.start)  # opens the archive: file work, off the event loop
        state = feed.archive
        if state is not None and state.problem is not None:  # another writer took the file since main() checked
            self.problem = state.problem
            self.should_exit = True

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.feed is not None:
            await asyncio.to_thread(self.feed.stop)  # the server's loop runs meanwhile, to answer its close
        await super().shutdown(sockets)


def own_url(address: tuple[str, int] | tuple[str, int, int, int]) -> str:
    """The ``ws://`` URL of the feed listening at ``address``, reached over loopback when it listens everywhere."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(address[0], address[0])
    return f"ws://{f'[{host}]' if ':' in host else host}:{address[1]}/ws/live"


def archive_problem(path: Path) -> str | None:
    """Why ``path`` cannot be written as an archive here (another writer, a newer schema, ...), or ``None``."""
    try:
        ArchiveWriter(path, source="python -m lib.feed").close()
    except ArchiveError as error:
        return str(error)
    return None
