"""Who may change the shared process, and how often any viewer may ask it for anything.

Every viewer of a deployed dashboard is anonymous and shares one server process, so whatever
changes that process (recording to its disk, for one) is an operator's control. A viewer whose
browser connects from this machine runs the app themselves and is an operator; any other viewer
is one only after entering the ``operator_key`` the deployment was given, compared in constant
time, a few tries at once and then one every 10 s for the whole process, each refusal logged;
with no key configured, nobody reached from another machine is. What every viewer may ask of
the shared process (to reconnect now, to send a test ping) goes through a budget shared by all
of them (:class:`~lib.rate.SharedBucket`), so that a crowd asks no more than one viewer may.

Pure but for logging: the page passes in what Streamlit knows of the viewer and the time.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Mapping
from enum import Enum
from typing import Final

from lib.rate import SharedBucket, TokenBucket

logger = logging.getLogger(__name__)

FORWARDING_HEADERS: Final = frozenset({"forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"})
"""Headers a reverse proxy adds: a viewer behind one is not on this machine, whatever the socket says."""

RECONNECT_INTERVAL: Final = 5.0
"""Seconds between reconnects viewers may ask for, whoever presses: it only does sooner what the
client would do, but a hundred viewers clicking must not hammer the feed with connection attempts."""
TEST_PINGS_PER_SECOND: Final = 1.0
"""Viewers' test pings sent on the shared feed connection per second, together (after a few at
once): the connection's frame budget belongs to the feed, not to whoever clicks fastest."""
TEST_PING_BURST: Final = 3
KEY_TRY_INTERVAL: Final = 10.0
"""Seconds between operator-key tries, for the whole process, once :data:`KEY_TRY_BURST` are spent."""
KEY_TRY_BURST: Final = 5


def is_local_viewer(ip_address: str | None, headers: Mapping[str, str]) -> bool:
    """Whether the viewer's browser connects from this machine.

    Args:
        ip_address: The viewer's address as Streamlit reports it (``st.context.ip_address``),
            which is ``None`` for a loopback connection.
        headers: The headers of the viewer's connection (``st.context.headers``). A proxy on
            this machine connects from loopback too; the headers it adds give it away.
    """
    return ip_address is None and not any(name.lower() in FORWARDING_HEADERS for name in headers)


def key_matches(given: str, key: str | None) -> bool:
    """Whether ``given`` is the operator key, compared in constant time; never with no key configured."""
    return bool(key) and bool(given) and hmac.compare_digest(given.encode("utf-8"), (key or "").encode("utf-8"))


def reconnect_budget(now: float) -> SharedBucket:
    """Reconnects viewers may ask for: one per :data:`RECONNECT_INTERVAL` for the process, whoever presses."""
    return SharedBucket(1.0 / RECONNECT_INTERVAL, 1, now)


def ping_budget(now: float) -> SharedBucket:
    """Test pings viewers may send on the shared connection: :data:`TEST_PINGS_PER_SECOND` together."""
    return SharedBucket(TEST_PINGS_PER_SECOND, TEST_PING_BURST, now)


class KeyTry(Enum):
    """What became of one try of the operator key."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    """Checked, and not the key."""
    TOO_MANY = "too many"
    """Not checked: the process's budget of tries is spent for now."""


class KeyGuard:
    """Tries of the operator key, for the whole process: :data:`KEY_TRY_BURST` at once, then one
    every :data:`KEY_TRY_INTERVAL` seconds, whoever tries; every refusal is logged.

    One budget for every viewer, because a guesser can open as many sessions as they like: at
    most 8,640 guesses a day, where 25 a second went unnoticed. The price is that a guesser can
    keep an operator from another machine waiting; one on the app's machine needs no key.

    Args:
        key: The operator key; ``None`` when the deployment has none (no try is ever accepted).
        now: The current time, seconds on any monotonic clock.
    """

    def __init__(self, key: str | None, now: float) -> None:
        self._key = key
        self._tries = TokenBucket(1.0 / KEY_TRY_INTERVAL, KEY_TRY_BURST, now)
        self._lock = threading.Lock()
        self._unchecked = 0

    def check(self, given: str, viewer: str, now: float) -> KeyTry:
        """Check one try of the key from ``viewer`` (an address, for the log) at ``now``."""
        with self._lock:
            if not self._tries.admit(now):
                self._unchecked += 1
                if self._unchecked == 1:  # the first of a run is logged; the count comes with the next check
                    logger.warning("operator key tries over the limit (from %s): not checked", viewer)
                return KeyTry.TOO_MANY
            unchecked, self._unchecked = self._unchecked, 0
        if key_matches(given, self._key):
            logger.info("operator key accepted (from %s)", viewer)
            return KeyTry.ACCEPTED
        logger.warning(
            "operator key refused (from %s)%s",
            viewer,
            f"; {unchecked} tries before it were over the limit and not checked" if unchecked else "",
        )
        return KeyTry.REFUSED

    def wait(self, now: float) -> float:
        """Seconds from ``now`` until the next try will be checked (0: now)."""
        with self._lock:
            return self._tries.wait(now)
