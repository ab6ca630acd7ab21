"""What every benchmark prints the same way: the machine, the command, percentiles.

The scripts run as ``python bench/<name>.py`` from the repository root; each puts the root on
``sys.path`` before importing this, ``lib`` and the test harness (``tests.browser``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path

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


def command(args: argparse.Namespace) -> str:
    """The command line that reproduces this run, every option spelled out."""
    options = " ".join(
        f"--{name.replace('_', '-')} {value:g}" if isinstance(value, float) else f"--{name.replace('_', '-')} {value}"
        for name, value in vars(args).items()
        if value is not None
    )
    return f"python bench/{Path(sys.argv[0]).name} {options}".rstrip()


def percentile(values: Sequence[float], q: int) -> float:
    """The ``q``-th percentile by nearest rank, the dashboard's definition (:mod:`lib.percentiles`)."""
    return nearest_rank(values, q)[0]
