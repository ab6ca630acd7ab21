"""The reconnect schedule: exponential backoff with jitter, with a give-up rule.

Pure: the client thread asks this module how long to wait and whether to keep trying; the
randomness comes in through an explicit ``random.Random`` so tests can pin it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    """How long to wait before reconnect attempt *n*, and when to stop trying.

    Attributes:
        base_delay: Delay before the first retry, in seconds.
        max_delay: No delay is ever longer than this, jitter included.
        max_attempts: Failed connection attempts in a row after which the client gives up;
            ``None`` never gives up.
        jitter: Relative spread of the random jitter: a delay ``d`` becomes a uniform draw
            from ``[d * (1 - jitter), d * (1 + jitter)]`` before the cap. The spread keeps
            many clients that lost the same server from reconnecting in lockstep.
    """

    base_delay: float = 1.0
    max_delay: float = 30.0
    max_attempts: int | None = 10
    jitter: float = 0.2
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.base_delay > 0:
            raise ValueError(f"reconnect_base_delay must be positive, got {self.base_delay!r}")
        if not self.max_delay >= self.base_delay:
            raise ValueError(
                f"reconnect_max_delay ({self.max_delay!r}) must be at least reconnect_base_delay ({self.base_delay!r})"
            )
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError(f"max_reconnect_attempts must be None or at least 1, got {self.max_attempts!r}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {self.jitter!r}")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1 is the first retry).

        Args:
            attempt: How many connection attempts have failed in a row, at least 1.

        Returns:
            ``base_delay * 2 ** (attempt - 1)`` with jitter, never more than ``max_delay``.
        """
        if attempt < 1:
            raise ValueError(f"attempt must be at least 1, got {attempt}")
        # Cap the exponent first: 2 ** 10_000 as a float would overflow.
        nominal = min(self.max_delay, self.base_delay * 2.0 ** min(attempt - 1, 64))
        spread = nominal * self.jitter
        return min(self.max_delay, nominal + self.rng.uniform(-spread, spread))

    def gives_up(self, failed_attempts: int) -> bool:
        """Whether ``failed_attempts`` failures in a row mean the client should stop trying."""
        return self.max_attempts is not None and failed_attempts >= self.max_attempts
