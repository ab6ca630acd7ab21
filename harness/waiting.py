"""Waiting for a condition with a deadline, never a bare sleep: in a thread, or in an event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, what: str = "condition") -> T:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.01)


async def wait_until(predicate: Callable[[], T], timeout: float = 10.0, what: str = "condition") -> T:
    """:func:`wait_for` from an event loop: polled in a thread, so the loop's own tasks run meanwhile."""
    return await asyncio.to_thread(wait_for, predicate, timeout, what)
