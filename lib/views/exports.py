"""Download buttons: every table as CSV or Parquet, each file built once and shared by every viewer.

A button takes a function that Streamlit calls when it is clicked (a deferred download: the
browser asks over its WebSocket, the server runs the function on a worker thread and serves
the bytes it returns), so a refresh every second does not serialise the whole history every
second. Any viewer can send those requests, as many as they like and then leave, so the
function is guarded three ways:

* an :class:`ExportShelf`, one per process, builds each file at most once per change of what it
  is built from (and at most every :data:`REUSE_SECONDS`), one build at a time, builds taking
  at most :data:`BUILD_SHARE` of the time; the bytes it keeps are bounded, and every viewer's
  download of the same table is the same bytes object (which Streamlit's media store then
  holds once, under the hash of its content);
* a budget per viewer (:func:`download_budget`) refuses requests past a few at once;
* a request from a viewer who has left is dropped before any work.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Final

import pandas as pd
import streamlit as st

from lib.rate import SharedBucket

logger = logging.getLogger(__name__)

REUSE_SECONDS: Final = 30.0
"""A file is rebuilt only once it is this old and what it is built from has changed since."""
BUILD_SHARE: Final = 0.25
"""The share of the time builds may take, whatever is asked: after a build of t seconds the next
waits 3t, so that exports leave three quarters of the process to the viewers' refreshes."""
SHELF_BYTES: Final = 256 * 1024 * 1024
"""Bytes of built files kept at most (the least recently used go first)."""
WAIT_SECONDS: Final = 30.0
"""How long a request waits for another's build before it is refused (the server is busy)."""
DOWNLOADS_AT_ONCE: Final = 12
"""Downloads one viewer may ask for at once; then one every :data:`DOWNLOAD_INTERVAL` seconds."""
DOWNLOAD_INTERVAL: Final = 2.0


class DownloadRefused(Exception):  # noqa: N818 -- the refusal Streamlit reports to the browser
    """A download request that is not served: over the viewer's budget, the viewer left, or the server is busy."""


@dataclass(frozen=True)
class Export:
    """One downloadable table.

    Attributes:
        name: File stem and label, e.g. ``"games"``.
        description: What it holds, shown beside the buttons.
        frame: Builds the DataFrame, when a file of it is built.
        version: Says what the table would be built from now: equal versions build equal tables
            (the store's snapshot version, the archive file's change time).
    """

    name: str
    description: str
    frame: Callable[[], pd.DataFrame]
    version: Callable[[], Hashable]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a header row; timestamps in ISO 8601."""
    return frame.to_csv(index=False).encode("utf-8")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as a Parquet file (types kept, timestamps as UTC)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


_FORMATS: Final = (
    ("CSV", "csv", "text/csv", csv_bytes),
    ("Parquet", "parquet", "application/vnd.apache.parquet", parquet_bytes),
)
"""Each download format: button label, file extension, MIME type, encoder."""


@dataclass
class _Built:
    version: Hashable
    data: bytes
    built_at: float


@dataclass(frozen=True)
class ShelfStats:
    """What an :class:`ExportShelf` has done: for the log and the tests."""

    builds: int
    served: int
    """Files handed out, built or kept."""
    kept_bytes: int


class ExportShelf:
    """Built export files, shared by every viewer of the process; any thread may ask.

    Args:
        capacity_bytes: Bytes of files kept at most; a file bigger than that is served once, not kept.
        reuse_seconds: A kept file is reused while younger than this, whatever changed since.
        build_share: The share of the time builds may take (0 to 1].
        wait_seconds: How long a request waits for the builds before it is refused.
        clock: Seconds on a monotonic clock.
        sleep: Waits the given seconds (the pause between builds).
    """

    def __init__(
        self,
        capacity_bytes: int = SHELF_BYTES,
        reuse_seconds: float = REUSE_SECONDS,
        build_share: float = BUILD_SHARE,
        wait_seconds: float = WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0 < build_share <= 1:
            raise ValueError(f"build_share must be in (0, 1], got {build_share!r}")
        self.capacity_bytes = capacity_bytes
        self.reuse_seconds = reuse_seconds
        self.build_share = build_share
        self.wait_seconds = wait_seconds
        self._clock = clock
        self._sleep = sleep
        self._files: OrderedDict[str, _Built] = OrderedDict()
        self._kept_bytes = 0
        self._lock = threading.Lock()  # guards the kept files and the counts
        self._building = threading.Lock()  # one build at a time, whoever asks
        self._rest_until = float("-inf")
        self._builds = 0
        self._served = 0

    def file(
        self, key: str, version: Hashable, build: Callable[[], bytes], wanted: Callable[[], bool] = lambda: True
    ) -> bytes:
        """The file ``key`` as built from ``version``: kept, or built now by ``build``.

        Args:
            key: Names the file, e.g. ``"games.csv"``.
            version: What the file would be built from now; a kept file of another version is
                reused while younger than ``reuse_seconds``.
            build: Builds the bytes.
            wanted: Whether the request still matters; checked before a build (a viewer who left
                costs nothing).

        Raises:
            DownloadRefused: No longer wanted, or the builds did not free up within ``wait_seconds``.
        """
        kept = self._kept(key, version)
        if kept is not None:
            return kept
        if not self._building.acquire(timeout=self.wait_seconds):
            raise DownloadRefused("the server is busy building other downloads")
        try:
            kept = self._kept(key, version)  # built by the request this one waited for
            if kept is not None:
                return kept
            if not wanted():
                raise DownloadRefused("the viewer left")
            pause = self._rest_until - self._clock()
            if pause > 0:
                self._sleep(pause)
            started = self._clock()
            data = build()
            took = self._clock() - started
            self._rest_until = self._clock() + took * (1.0 / self.build_share - 1.0)
            self._keep(key, _Built(version, data, started))
            logger.info("export %s built: %d bytes in %.2f s", key, len(data), took)
            return data
        finally:
            self._building.release()

    @property
    def stats(self) -> ShelfStats:
        """Builds and files served so far, and the bytes kept now."""
        with self._lock:
            return ShelfStats(self._builds, self._served, self._kept_bytes)

    def _kept(self, key: str, version: Hashable) -> bytes | None:
        with self._lock:
            built = self._files.get(key)
            if built is None:
                return None
            if built.version != version and self._clock() - built.built_at >= self.reuse_seconds:
                return None
            self._files.move_to_end(key)
            self._served += 1
            return built.data

    def _keep(self, key: str, built: _Built) -> None:
        with self._lock:
            self._builds += 1
            self._served += 1
            old = self._files.pop(key, None)
            if old is not None:
                self._kept_bytes -= len(old.data)
            if len(built.data) > self.capacity_bytes:
                logger.warning(
                    "export %s is %d bytes, more than the shelf keeps: served, not kept",
                    key,
                    len(built.data),
                )
                return
            self._files[key] = built
            self._kept_bytes += len(built.data)
            while self._kept_bytes > self.capacity_bytes:
                _, evicted = self._files.popitem(last=False)
                self._kept_bytes -= len(evicted.data)


def file_version(*paths: Path) -> tuple[tuple[int, int] | None, ...]:
    """What tables read from files are built from: each file's change time and size (``None``: absent)."""
    version: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            status = path.stat()
        except OSError:
            version.append(None)
        else:
            version.append((status.st_mtime_ns, status.st_size))
    return tuple(version)


def download_budget(now: float) -> SharedBucket:
    """One viewer's downloads: :data:`DOWNLOADS_AT_ONCE` at once, then one every :data:`DOWNLOAD_INTERVAL` s."""
    return SharedBucket(1.0 / DOWNLOAD_INTERVAL, DOWNLOADS_AT_ONCE, now)


def viewer_connected() -> Callable[[], bool]:
    """Whether the viewer running this script is still connected, asked later from any thread.

    Always true where there is no server (AppTest, a bare script run).
    """
    from streamlit.runtime import exists, get_instance  # noqa: PLC0415 -- Streamlit's server, not its page API
    from streamlit.runtime.scriptrunner import get_script_run_ctx  # noqa: PLC0415

    context = get_script_run_ctx()
    if context is None or not exists():
        return lambda: True
    return partial(get_instance().is_active_session, context.session_id)


def serve_download(
    shelf: ExportShelf,
    budget: SharedBucket,
    connected: Callable[[], bool],
    export: Export,
    extension: str,
    encode: Callable[[pd.DataFrame], bytes],
) -> bytes:
    """One download request, as Streamlit runs it on a worker thread: the file's bytes, or a refusal.

    Raises:
        DownloadRefused: The viewer left, asked for more than their budget, or the builds are busy.
    """
    if not connected():
        raise DownloadRefused("the viewer left")
    if not budget.admit(time.monotonic()):
        raise DownloadRefused(f"more than {DOWNLOADS_AT_ONCE} downloads at once from one page")
    return shelf.file(f"{export.name}.{extension}", export.version(), lambda: encode(export.frame()), connected)


def render_exports(exports: Sequence[Export], stem: str, shelf: ExportShelf, budget: SharedBucket) -> None:
    """A row per table with its CSV and Parquet buttons; ``stem`` prefixes the file names.

    Args:
        exports: The tables.
        stem: The files' names start with it.
        shelf: The process's built files (one for every viewer).
        budget: This viewer's downloads (:func:`download_budget`, one per session).
    """
    connected = viewer_connected()
    for export in exports:
        label, *buttons = st.columns([4, 1, 1], vertical_alignment="center")
        label.markdown(f"**{export.name}**: {export.description}")
        for column, (title, extension, mime, encode) in zip(buttons, _FORMATS, strict=True):
            column.download_button(
                title,
                partial(serve_download, shelf, budget, connected, export, extension, encode),
                file_name=f"{stem}-{export.name}.{extension}",
                mime=mime,
                key=f"{extension}-{export.name}",
                on_click="ignore",
                icon=":material/download:",
            )


class QuietRefusals(logging.Filter):
    """Drops Streamlit's traceback for a refused download: a flood of requests must not flood the log too.

    The refusals are counted instead, and the count logged at most once a minute.
    """

    def __init__(self) -> None:
        super().__init__()
        self._count = 0
        self._logged_at = float("-inf")
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but a refused download's."""
        error = record.exc_info[1] if record.exc_info else None
        while error is not None and not isinstance(error, DownloadRefused):
            error = error.__cause__ or error.__context__
        if error is None:
            return True
        with self._lock:
            self._count += 1
            now = time.monotonic()
            if now - self._logged_at < 60.0:
                return False
            count, self._count, self._logged_at = self._count, 0, now
        logger.warning("downloads refused: %d in the last minute (the last: %s)", count, error)
        return False


def quiet_refusals() -> QuietRefusals:
    """Install :class:`QuietRefusals` on the logger Streamlit reports failed deferred downloads with (once)."""
    source = logging.getLogger("streamlit.runtime.backend_operation_handler")
    installed = next((f for f in source.filters if isinstance(f, QuietRefusals)), None)
    if installed is not None:
        return installed
    refusals = QuietRefusals()
    source.addFilter(refusals)
    return refusals
