"""What every benchmark prints the same way: the machine, the command, percentiles.

The scripts run as ``python bench/<name>.py`` from the repository root; each puts the root on
``sys.path`` before importing this, ``lib`` and the test harness (``tests.browser``).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import platform
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psutil

from lib.percentiles import nearest_rank


def machine() -> str:
    """Python version, cores and CPU model, for a table's caption."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores ({model}), "
        f"{platform.system()} {platform.release()}"
    )


def add_post_script_gc(parser: argparse.ArgumentParser) -> None:
    """The ``--post-script-gc`` option of the benches that run the page: Streamlit's collection after each run."""
    parser.add_argument(
        "--post-script-gc",
        choices=("on", "off"),
        default="off",
        help="Streamlit's runner.postScriptGC (off as in .streamlit/config.toml; on is Streamlit's "
        "default: a full gc.collect after every run)",
    )


def command(args: argparse.Namespace) -> str:
    """The command line that reproduces this run, every option spelled out (a switch only when on)."""
    options = " ".join(_option(name.replace("_", "-"), value) for name, value in vars(args).items())
    return f"python bench/{Path(sys.argv[0]).name} {' '.join(options.split())}".rstrip()


def _option(name: str, value: object) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return f"--{name}"
    return f"--{name} {value:g}" if isinstance(value, float) else f"--{name} {value}"


def percentile(values: Sequence[float], q: int) -> float:
    """The ``q``-th percentile by nearest rank, the dashboard's definition (:mod:`lib.percentiles`)."""
    return nearest_rank(values, q)[0]


@contextlib.contextmanager
def server_process(serve: Callable[..., None], *args: object) -> Iterator[tuple[int, psutil.Process]]:
    """A server in a process of its own, stopped and joined on leaving.

    Args:
        serve: Runs in the new process as ``serve(port_out, stop, *args)``: sends its port on
            ``port_out`` once it accepts connections, then serves until ``stop`` is set.
        args: Passed on to ``serve`` (they must pickle).

    Yields:
        The port and the process (for its CPU, memory and open files).
    """
    context = multiprocessing.get_context("spawn")
    reader, writer = context.Pipe(duplex=False)
    stop = context.Event()
    process = context.Process(target=serve, args=(writer, stop, *args), name="bench-feed-server")
    process.start()
    try:
        if not reader.poll(30):
            raise RuntimeError("the server process did not start")
        port = reader.recv()
        assert process.pid is not None
        yield port, psutil.Process(process.pid)
    finally:
        stop.set()
        process.join(30)
        if process.is_alive():
            process.terminate()
            process.join(5)
