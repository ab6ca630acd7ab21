"""A real dashboard in a real browser: ``streamlit run dashboard.py`` in a subprocess, Debian's Chromium.

Shared by the browser tests and the browser benchmarks (``bench/browser_latency.py``,
``bench/fanout.py``, ``bench/screenshot.py``), so that all of them launch the page and the
browser the same way.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from harness.ports import free_port
from harness.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Playwright's own browser download does not work here; Debian's build needs these to run headless as root.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
"""The page's Streamlit app once its own WebSocket to the Streamlit server is up."""


class Dashboard:
    """``streamlit run dashboard.py`` in a subprocess on a free port, showing ``feed_url``.

    ``env`` adds environment variables (``FEED_TOKEN``, ``FEED_RECONNECT_BASE_DELAY``, ...); with
    no ``feed_url`` the page embeds its feed (``FEED_SOURCE`` in ``env`` says which). ``address``
    is the interface to serve on (``0.0.0.0`` to be reached as another machine would); ``root``
    the checkout whose ``dashboard.py`` runs (another one, for a benchmark's before and after).
    The process writes to a temporary file: a pipe nobody reads would fill up and stall it.
    """

    def __init__(
        self, feed_url: str | None, *, address: str = "127.0.0.1", root: Path | str = ROOT, **env: str
    ) -> None:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("FEED_")}
        self.port = free_port()
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 -- closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboard.py",
                "--server.port",
                str(self.port),
                "--server.address",
                address,
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=root,
            env={**inherited, **({} if feed_url is None else {"FEED_URL": feed_url}), **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(self._healthy, 60, "streamlit to serve")
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def output(self) -> str:
        """Everything the process has written so far (its logs)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.output()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}_stcore/health", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> str:
        """Stop the process; returns everything it wrote."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        output = self.output()
        self.log.close()
        return output


@contextmanager
def dashboard_in_chromium(feed_url: str | None, **env: str) -> Iterator[tuple[Dashboard, Any]]:
    """A :class:`Dashboard` showing ``feed_url`` and a headless Chromium to open it in; both stopped on exit."""
    from playwright.sync_api import sync_playwright  # a dev requirement: importing this module must not need it

    dashboard = Dashboard(feed_url, **env)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            try:
                yield dashboard, browser
            finally:
                browser.close()
    finally:
        dashboard.stop()


def lan_address() -> str | None:
    """This machine's address on its network (not loopback), as another machine reaches it; ``None`` if it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))  # no packet is sent: this only picks the outgoing interface
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address
