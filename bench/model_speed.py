"""The cost of one call of the win-probability model (:mod:`lib.model`), state by state.

Each function is called on a mix of states (tip-off to the last seconds, overtimes, with full form,
records only, either with last season and rest days, nothing known and a betting line), each call
timed on its own with ``perf_counter_ns`` (whose own cost, about 0.1 µs, is included). Goal: ``home_win_probability``
at most tens of microseconds a call (p99 ≤ 50 µs), so that a source can predict every game at
every score change without notice.

Run: ``python bench/model_speed.py [--calls 200000]``.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import command, machine, percentile
from lib.model import (
    TeamForm,
    expected_final_score,
    home_win_probability,
    pregame_margin,
    prior_name,
    stern,
)

GOAL_P99_US = 50.0


def _states(seed: int) -> list[tuple[float, float, float | None, TeamForm | None, TeamForm | None, float | None]]:
    """A mix of states as a night's sources would ask about them."""
    rng = random.Random(seed)
    full = TeamForm(30, 20, 5700, 5600)
    record = TeamForm(12, 30)
    carried = TeamForm(30, 20, 5700, 5600, last_season=TeamForm(50, 32, 9300, 9100), rest_days=1)
    priors: list[tuple[TeamForm | None, TeamForm | None, float | None]] = [
        (full, TeamForm(25, 25, 5600, 5650), None),
        (record, TeamForm(20, 22), None),
        (carried, TeamForm(25, 25, 5600, 5650, last_season=TeamForm(30, 52), rest_days=2), None),
        (TeamForm(12, 30, last_season=TeamForm(20, 62), rest_days=3), TeamForm(20, 22, rest_days=1), None),
        (None, None, None),
        (None, None, -4.5),
    ]
    states = []
    for _ in range(1000):
        home, away, spread = rng.choice(priors)
        if rng.random() < 0.05:
            seconds, overtime = 0.0, float(rng.randint(0, 300))
        else:
            seconds, overtime = float(rng.randint(0, 2880)), None
        states.append((float(rng.randint(-25, 25)), seconds, overtime, home, away, spread))
    return states


def measure(call: Callable[[int], object], calls: int) -> list[float]:
    """Microseconds of each of ``calls`` calls, the states taken in turn."""
    samples = []
    gc.collect()
    for index in range(calls):
        state = index % 1000
        start = time.perf_counter_ns()
        call(state)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def main() -> None:
    """Time each function and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=200_000, help="calls per function (default 200000)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    states = _states(args.seed)
    calls: dict[str, Callable[[int], object]] = {
        "home_win_probability": lambda i: home_win_probability(*states[i]),
        "expected_final_score": lambda i: expected_final_score(
            100 + max(states[i][0], 0), 100 - min(states[i][0], 0), *states[i][1:]
        ),
        "pregame_margin": lambda i: pregame_margin(*states[i][3:]),
        "prior_name": lambda i: prior_name(*states[i][3:]),
        "stern (the scorecard's baseline)": lambda i: stern(*states[i][:3]),
    }
    print(f"# The win-probability model's cost per call, {args.calls:,} calls each\n")
    print(f"Machine: {machine()}  ")
    print(f"Command: `{command(args)}`\n")
    print("| function | p50 | p99 | max |\n|---|---:|---:|---:|")
    met = True
    for name, call in calls.items():
        samples = measure(call, args.calls)
        p99 = percentile(samples, 99)
        if name == "home_win_probability":
            met = p99 <= GOAL_P99_US
        print(f"| `{name}` | {percentile(samples, 50):.1f} µs | {p99:.1f} µs | {max(samples):.1f} µs |")
    print(f"\n**Goal** (`home_win_probability` p99 ≤ {GOAL_P99_US:g} µs a call): {'met' if met else 'NOT met'}.")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
