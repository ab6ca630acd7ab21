"""A feed server a test or benchmark can script: push exact frames, close every client, count them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from lib.feed.server import FeedServer
from lib.feed.sources import Frame
from lib.protocol import Message


class ScriptedFeed(FeedServer):
    """The real :class:`~lib.feed.server.FeedServer`, plus controls for pushing what a test needs.

    Every control runs on the server's event loop, so a test thread can call it while clients
    are connected, and returns once the loop has done it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._accepted = 0
        attach = self.hub.attach

        def counted(connection: Any) -> None:
            self._accepted += 1
            attach(connection)

        self.hub.attach = counted  # type: ignore[method-assign]

    @property
    def accepted(self) -> int:
        """Client connections accepted since the server started (a reconnect adds one)."""
        return self._accepted

    def publish(self, messages: Sequence[Message | Frame]) -> None:
        """Send messages (stamped with ``ts`` and ``seq``) or raw frames (as given) to every client; keep the state."""
        self.call_in_loop(self.hub.publish, list(messages))

    def publish_raw(self, frames: Sequence[Frame]) -> None:
        """Send frames exactly as given, without keeping their state; ``bytes`` go as binary frames."""
        self.call_in_loop(self.hub.publish_raw, list(frames))

    def close_all(self, code: int = 1000) -> None:
        """Close every client connection with ``code``."""
        self.call_in_loop(self.hub.close_all, code)

    @property
    def client_count(self) -> int:
        """Clients connected right now."""
        return len(self.hub.connections)

    def call_in_loop(self, function: Callable[..., None], *args: Any) -> None:
        """Run ``function(*args)`` on the server's event loop; return once it has run."""
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
