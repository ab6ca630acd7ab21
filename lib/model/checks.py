"""Argument checks shared by the model's public functions: numbers and the clock.

This module is pure: no I/O.
"""

from __future__ import annotations

import math

from lib.model.stern import REGULATION_SECONDS
from lib.protocol import OVERTIME_SECONDS


def real(name: str, value: object) -> float:
    """``value`` as a float; TypeError unless an int or float (not a bool), ValueError unless finite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def time_left(seconds_left: object, overtime_seconds_left: object) -> float:
    """The share of regulation, or of the current overtime, still to play, per 48 minutes.

    Raises:
        TypeError: If a time is not a number.
        ValueError: If ``seconds_left`` is outside [0, 2880], ``overtime_seconds_left`` outside
            [0, 300] or given while regulation goes on.
    """
    seconds = real("seconds_left", seconds_left)
    if not 0.0 <= seconds <= REGULATION_SECONDS:
        raise ValueError(f"seconds_left must be in [0, {REGULATION_SECONDS}], got {seconds}")
    if overtime_seconds_left is None:
        return seconds / REGULATION_SECONDS
    overtime = real("overtime_seconds_left", overtime_seconds_left)
    if not 0.0 <= overtime <= OVERTIME_SECONDS:
        raise ValueError(f"overtime_seconds_left must be in [0, {OVERTIME_SECONDS}], got {overtime}")
    if seconds != 0.0:
        raise ValueError(f"in an overtime seconds_left is 0 (regulation is over), got {seconds}")
    return overtime / REGULATION_SECONDS
