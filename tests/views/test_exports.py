"""Exports: bytes that read back to the same table, built once and shared, any viewer's requests bounded."""

from __future__ import annotations

import io
import logging
import threading
import time

import pandas as pd
import pytest

from lib.views.exports import (
    DOWNLOADS_AT_ONCE,
    DownloadRefused,
    Export,
    ExportShelf,
    QuietRefusals,
    ShelfStats,
    csv_bytes,
    download_budget,
    parquet_bytes,
    quiet_refusals,
    serve_download,
)


def test_csv_and_parquet_round_trip() -> None:
    """Both formats read back to the frame, Parquet keeping types and UTC timestamps."""
    frame = pd.DataFrame(
        {
            "game_id": ["a", "b"],
            "home_team": ["<img src=x>", "Équipe"],
            "home_score": [101, 99],
            "received_at": pd.to_datetime([1.8e9, 1.8e9 + 1], unit="s", utc=True),
        }
    )
    assert pd.read_csv(io.BytesIO(csv_bytes(frame)))["home_team"].tolist() == ["<img src=x>", "Équipe"]
    back = pd.read_parquet(io.BytesIO(parquet_bytes(frame)))
    pd.testing.assert_frame_equal(back, frame)


def test_many_requests_at_once_build_the_file_once_and_share_the_bytes() -> None:
    """Twenty threads ask for the same file at the same time: one build, every thread gets the same bytes object."""
    shelf = ExportShelf()
    builds: list[int] = []
    started = threading.Barrier(20)

    def build() -> bytes:
        builds.append(1)
        return b"x" * 1000

    results: list[bytes] = []

    def ask() -> None:
        started.wait()
        results.append(shelf.file("games.csv", 1, build))

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len(results) == 20
    assert all(result is results[0] for result in results)
    assert shelf.stats == ShelfStats(builds=1, served=20, kept_bytes=1000)


class Clock:
    """A clock a test moves; sleeping moves it too."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_file_is_rebuilt_only_when_it_is_old_and_its_source_changed() -> None:
    """A new version within the reuse time gets the kept file, after it a rebuild; unchanged, never a rebuild."""
    clock = Clock()
    shelf = ExportShelf(reuse_seconds=30.0, clock=clock, sleep=clock.sleep)
    versions = iter(range(100))

    def build() -> bytes:
        return f"build {next(versions)}".encode()

    assert shelf.file("t", "v1", build) == b"build 0"
    clock.now = 29.0
    assert shelf.file("t", "v2", build) == b"build 0"
    clock.now = 31.0
    assert shelf.file("t", "v1", build) == b"build 0"  # unchanged: kept however old
    assert shelf.file("t", "v2", build) == b"build 1"
    assert shelf.stats.builds == 2


def test_builds_take_at_most_their_share_of_the_time() -> None:
    """After a build of t seconds the next one waits (1/share - 1) t: builds cannot hold the process."""
    clock = Clock()
    shelf = ExportShelf(build_share=0.25, clock=clock, sleep=clock.sleep)

    def slow() -> bytes:
        clock.now += 2.0
        return b"data"

    shelf.file("a", 1, slow)
    assert clock.now == 2.0
    shelf.file("b", 1, slow)
    assert clock.now == 2.0 + 6.0 + 2.0


def test_a_request_nobody_wants_any_more_is_dropped_before_its_build() -> None:
    """A viewer who left: the request is refused and nothing is built; a kept file is still served to anyone."""
    shelf = ExportShelf()

    def build() -> bytes:
        raise AssertionError("built for a viewer who left")

    with pytest.raises(DownloadRefused, match="left"):
        shelf.file("t", 1, build, wanted=lambda: False)
    shelf.file("t", 1, lambda: b"kept")
    assert shelf.file("t", 1, build, wanted=lambda: False) == b"kept"


def test_the_shelf_keeps_at_most_its_bytes_the_least_recently_used_going_first() -> None:
    """Past the capacity the oldest-used file goes; a file bigger than the capacity is served but not kept."""
    shelf = ExportShelf(capacity_bytes=100)
    shelf.file("a", 1, lambda: b"a" * 40)
    shelf.file("b", 1, lambda: b"b" * 40)
    shelf.file("a", 1, lambda: b"never built")  # a is now the most recently used
    shelf.file("c", 1, lambda: b"c" * 40)
    assert shelf.stats.kept_bytes == 80
    assert shelf.file("b", 1, lambda: b"b rebuilt") == b"b rebuilt"
    assert shelf.file("huge", 1, lambda: b"h" * 101) == b"h" * 101
    assert shelf.stats.kept_bytes <= 100
    assert shelf.file("huge", 1, lambda: b"rebuilt") == b"rebuilt"


def test_a_request_that_cannot_get_the_builder_in_time_is_refused() -> None:
    """While another build holds the builder past the wait, a request for another file is refused, not queued."""
    shelf = ExportShelf(wait_seconds=0.05)
    building, release = threading.Event(), threading.Event()

    def long_build() -> bytes:
        building.set()
        release.wait(10)
        return b"long"

    worker = threading.Thread(target=shelf.file, args=("long", 1, long_build))
    worker.start()
    building.wait(10)
    try:
        with pytest.raises(DownloadRefused, match="busy"):
            shelf.file("other", 1, lambda: b"other")
    finally:
        release.set()
        worker.join()


def test_a_viewer_past_the_budget_or_gone_is_refused_before_any_work() -> None:
    """The download function: a viewer who left, or one over their budget, gets a refusal and builds nothing."""
    shelf = ExportShelf()
    frames: list[int] = []

    def frame() -> pd.DataFrame:
        frames.append(1)
        return pd.DataFrame({"a": [1]})

    export = Export("t", "a table", frame, lambda: 1)
    with pytest.raises(DownloadRefused, match="left"):
        serve_download(shelf, download_budget(time.monotonic()), lambda: False, export, "csv", csv_bytes)
    budget = download_budget(time.monotonic())
    served = [serve_download(shelf, budget, lambda: True, export, "csv", csv_bytes) for _ in range(DOWNLOADS_AT_ONCE)]
    with pytest.raises(DownloadRefused, match="at once"):
        serve_download(shelf, budget, lambda: True, export, "csv", csv_bytes)
    assert frames == [1]
    assert served[0] == b"a\n1\n"


def test_a_refused_download_leaves_no_traceback_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    """Streamlit's report of a refused download is dropped and counted; any other failure is kept."""
    source = logging.getLogger("streamlit.runtime.backend_operation_handler")
    earlier = [f for f in source.filters if isinstance(f, QuietRefusals)]  # a page of another test's
    for installed in earlier:
        source.removeFilter(installed)
    refusals = quiet_refusals()
    assert quiet_refusals() is refusals  # installed once
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(50):
                try:
                    raise RuntimeError("Callable execution failed") from DownloadRefused("the viewer left")
                except RuntimeError:
                    source.exception("Error executing deferred callable for file_id x")
            try:
                raise RuntimeError("disk on fire")
            except RuntimeError:
                source.exception("Error executing deferred callable for file_id y")
    finally:
        source.removeFilter(refusals)
        for installed in earlier:
            source.addFilter(installed)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "downloads refused: 1 in the last minute (the last: the viewer left)",
        "Error executing deferred callable for file_id y",
    ]
