"""The feed server that keeps an archive through a client of its own on loopback."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from lib.archive import ArchiveWriter
from lib.feed.archiving import ArchivingServer, archive_problem, own_url
from lib.feed.limits import FeedLimits
from lib.feed.server import ServeOptions, create_app
from lib.feed.serving import FeedConfig
from lib.store import ConnectionState


@pytest.mark.parametrize(
    ("address", "url"),
    [
        (("127.0.0.1", 8080), "ws://127.0.0.1:8080/ws/live"),
        (("0.0.0.0", 8080), "ws://127.0.0.1:8080/ws/live"),
        (("::", 8080, 0, 0), "ws://[::1]:8080/ws/live"),
        (("::1", 9000, 0, 0), "ws://[::1]:9000/ws/live"),
        (("10.0.0.5", 80), "ws://10.0.0.5:80/ws/live"),
    ],
)
def test_the_client_reaches_its_own_server_over_loopback(address: tuple[str, int], url: str) -> None:
    """A server listening on every interface is reached on loopback; one on an address, at that address."""
    assert own_url(address) == url


def test_an_archive_another_writer_has_is_a_problem_naming_the_file(tmp_path: Path) -> None:
    """The check before serving names the file and its writer; a free archive is no problem, and is let go."""
    archive = tmp_path / "night.duckdb"
    assert archive_problem(archive) is None
    with ArchiveWriter(archive, source="test"):
        problem = archive_problem(archive)
    assert problem is not None
    assert problem.startswith(f"{archive.resolve()} already has a writer")


def test_a_server_that_cannot_write_its_archive_stops(tmp_path: Path) -> None:
    """Another writer taking the file between the check and the start: the server says why and stops, client too."""
    archive = tmp_path / "night.duckdb"
    config = FeedConfig(
        create_app(None, ServeOptions()), limits=FeedLimits(), port=0, keepalive=None, log_level="warning"
    )
    server = ArchivingServer(config, archive=archive, token=None, source="demo")
    with ArchiveWriter(archive, source="another writer"):
        thread = threading.Thread(target=server.run)
        thread.start()
        thread.join(30)
    assert not thread.is_alive()
    assert server.problem is not None
    assert server.problem.startswith(f"{archive.resolve()} already has a writer")
    assert server.feed is not None
    assert server.feed.status().state is ConnectionState.CLOSED
