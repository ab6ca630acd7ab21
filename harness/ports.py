"""A loopback port nothing listens on, for a server to start on or a connection to be refused."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port nothing listens on (for a server to start on, or for a refused connection)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
