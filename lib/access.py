"""Who may change the shared process: a viewer on this machine, or one who gave the operator key.

Every viewer of a deployed dashboard is anonymous and shares one server process, so whatever
changes that process (recording to its disk, for one) is an operator's control. A viewer whose
browser connects from this machine runs the app themselves and is an operator; any other viewer
is one only after entering the ``operator_key`` the deployment was given, compared in constant
time; with no key configured, nobody reached from another machine is. The one thing every
viewer may ask of the shared process, to reconnect now, goes through a :class:`Throttle`.

Pure: the page passes in what Streamlit knows of the viewer's connection.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Mapping
from typing import Final

FORWARDING_HEADERS: Final = frozenset({"forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"})
"""Headers a reverse proxy adds: a viewer behind one is not on this machine, whatever the socket says."""


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


class Throttle:
    """At most one action per ``interval`` seconds, however many viewers ask: thread-safe.

    Reconnecting now is harmless once (it only does sooner what the client would do), but a
    hundred viewers clicking must not hammer the feed with connection attempts.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last = float("-inf")
        self._lock = threading.Lock()

    def allow(self, now: float) -> bool:
        """Whether the action may happen at ``now`` (and, if so, it counts as done)."""
        with self._lock:
            if now - self._last < self.interval:
                return False
            self._last = now
            return True
