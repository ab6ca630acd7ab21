"""What every benchmark prints the same way: the machine, the command, percentiles.

The scripts run as ``python bench/<name>.py`` from the repository root; each puts the root on
``sys.path`` before importing this, ``lib`` and the test harness (``tests.browser``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path


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
    """The ``q``-th percentile, interpolated between the samples (``inclusive``: never past the max)."""
    if not values:
        raise ValueError("no samples")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]
