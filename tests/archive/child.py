"""A second process for the archive's tests: ``python -m tests.archive.child COMMAND ARCHIVE``.

Commands (each prints what it saw, one line at a time, flushed, for the test to read):

* ``write ARCHIVE``: a writer offering a new game state every 2 ms until killed; prints
  ``offered <n> <time>`` for each and ``committed <rows> <last_write_at> <longest_write>`` after each batch.
* ``read ARCHIVE``: reads the number of archived states in a loop until terminated; prints ``rows <n>``
  or ``error <type> <message>``.
* ``open-writer ARCHIVE``: opens a writer; prints ``opened``, or ``error <type> <message>`` (exit 3).
* ``look ARCHIVE``: looks for the archive's writer (``writer_process``) as fast as it can until
  killed; prints ``looking`` once it has looked the first time.
* ``disk-full ARCHIVE``: writes a batch, then limits file sizes to the archive's size (a full disk),
  offers more, and prints ``failing <last_error>`` once the writer fails; then lifts the limit and
  prints ``recovered <rows>`` once the waiting rows are written.

With ``--no-dac-override`` the process first gives up root's power to ignore file permissions
(Linux capabilities), so a read-only folder is read-only to it even when the tests run as root.
"""

from __future__ import annotations

import ctypes
import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from harness.waiting import wait_for
from lib.archive import ArchiveError, ArchiveWriter, query
from lib.archive.lock import writer_process
from tests.archive.night import score_frame

REPOSITORY = Path(__file__).resolve().parents[2]
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


class Child:
    """This program run in a process of its own, its lines read as they come.

    Args:
        command: The command and its archive, and any options.
    """

    def __init__(self, *command: str | Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.archive.child", *map(str, command)],
            cwd=REPOSITORY,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def line(self, timeout: float = 30.0) -> str | None:
        """The next line; ``None`` once the process has ended and every line was read."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line from the child in {timeout:g} s") from None

    def until(self, predicate: Callable[[str], bool], timeout: float = 30.0) -> list[str]:
        """Every line up to and including the first for which ``predicate`` holds."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while True:
            line = self.line(max(0.0, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"the child ended first: {seen[-5:]}, stderr: {self.stderr()}")
            seen.append(line)
            if predicate(line):
                return seen

    def rest(self) -> list[str]:
        """Every line still to read, once the process has ended."""
        self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        lines = []
        while (line := self.lines.get_nowait()) is not None:
            lines.append(line)
        return lines

    def stderr(self) -> str:
        """What the child wrote to stderr, once it has ended."""
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read()

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def say(line: str) -> None:
    """One line to the test, at once."""
    print(line, flush=True)


def drop_dac_override() -> None:
    """Drop the capabilities that let root ignore file permissions, then run this program again without them."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")
    # A capability leaves the effective set only when the program is executed again.
    arguments = [argument for argument in sys.argv[1:] if argument != "--no-dac-override"]
    os.execv(sys.executable, [sys.executable, "-m", "tests.archive.child", *arguments])


def write(path: Path) -> None:
    with ArchiveWriter(path, source="demo", batch_seconds=0.2) as writer:
        batches = 0
        for number in range(10**9):
            writer.offer(score_frame(number), time.time())
            say(f"offered {number} {time.time()!r}")
            stats = writer.stats
            if stats.batches > batches:
                batches = stats.batches
                say(f"committed {stats.written} {stats.last_write_at!r} {stats.longest_write!r}")
            time.sleep(0.002)  # the pace of a busy feed, not a wait for anything


def read(path: Path) -> None:
    while True:
        try:
            rows = query(path, "SELECT count(*) AS n FROM game_updates", timeout=2.0).n[0]
        except ArchiveError as error:
            say(f"error {type(error).__name__} {error}")
        else:
            say(f"rows {rows}")
        time.sleep(0.005)  # the pace of a polling reader


def open_writer(path: Path) -> int:
    try:
        ArchiveWriter(path, source="demo").close()
    except ArchiveError as error:
        say(f"error {type(error).__name__} {error}")
        return 3
    say("opened")
    return 0


def look(path: Path) -> None:
    writer_process(path)
    say("looking")
    while True:
        writer_process(path)


def disk_full(path: Path) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing us
    with ArchiveWriter(path, source="demo", batch_seconds=0.05) as writer:
        for number in range(100):
            writer.offer(score_frame(number), time.time())
        wait_for(lambda: writer.stats.written == 100, what="the first batch")
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size, hard))
        for number in range(100, 20_100):
            writer.offer(score_frame(number), time.time())
        wait_for(lambda: writer.stats.failing, what="the full disk")
        say(f"failing {writer.stats.last_error}")
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        wait_for(lambda: not (writer.stats.pending or writer.stats.queued or writer.stats.failing), what="room again")
        say(f"recovered {writer.stats.written}")


def main() -> int:
    if "--no-dac-override" in sys.argv:
        drop_dac_override()
    command, path = sys.argv[1], Path(sys.argv[2])
    if command == "write":
        write(path)
    elif command == "read":
        read(path)
    elif command == "open-writer":
        return open_writer(path)
    elif command == "disk-full":
        disk_full(path)
    elif command == "look":
        look(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
