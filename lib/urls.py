"""Feed URLs: checked once, up front; shown only with their secrets removed. Pure.

A URL the client thread cannot connect to must fail where it is given (``LiveFeed(url)``,
``FEED_URL``), as a ``ValueError`` saying what is wrong, not later as a dead thread. The
error never repeats the URL: it may carry a token in its query or a password before the host.
"""

from __future__ import annotations

import ipaddress
import re
import string
from typing import Final
from urllib.parse import SplitResult, urlsplit, urlunsplit

_URL_CHARACTERS: Final = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
"""What RFC 3986 allows in a URL; anything else must be percent-encoded."""
_BAD_PERCENT: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_LABEL: Final = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_MAX_HOST_LENGTH: Final = 253
_MAX_PORT: Final = 65535


def check_feed_url(url: str) -> None:
    """Refuse a feed URL the client could not connect to, saying why.

    A feed URL is ``ws://`` or ``wss://``, a host name or IP address (IPv6 in brackets), an
    optional port from 1 to 65535, then an optional path and query, all in the characters a
    URL allows (anything else percent-encoded), with no whitespace and no ``#fragment``
    (RFC 6455 forbids one).

    Args:
        url: The URL to check.

    Raises:
        TypeError: ``url`` is not a string.
        ValueError: The URL is unusable; the message names the problem, never the URL itself.
    """
    if not isinstance(url, str):
        raise TypeError(f"feed URL must be a string, not {type(url).__name__}")
    if not url.startswith(("ws://", "wss://")):
        raise ValueError("feed URL must start with ws:// or wss://")
    if any(c.isspace() for c in url):
        raise ValueError("feed URL contains whitespace")
    for position, character in enumerate(url):
        if character not in _URL_CHARACTERS:
            raise ValueError(f"feed URL has a character not allowed in a URL at position {position}")
    if _BAD_PERCENT.search(url):
        raise ValueError("feed URL has a % not followed by two hexadecimal digits")
    try:
        parts = urlsplit(url)
    except ValueError:  # only a bracketed host fails the split itself
        raise ValueError("feed URL has a malformed IPv6 address") from None
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"feed URL port must be a number from 1 to {_MAX_PORT}") from None
    host = parts.hostname
    if "#" in url:
        raise ValueError("feed URL must not have a #fragment")
    if not host:
        raise ValueError("feed URL has no host")
    if port == 0:
        raise ValueError(f"feed URL port must be a number from 1 to {_MAX_PORT}")
    if parts.netloc.endswith(":"):
        raise ValueError("feed URL has a : after the host but no port")
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError("feed URL has a malformed IPv6 address") from None
    else:
        _check_host_name(host)


def _check_host_name(host: str) -> None:
    labels = host.removesuffix(".").split(".")  # a trailing dot (fully qualified) is allowed
    if len(host) > _MAX_HOST_LENGTH or not all(_HOST_LABEL.match(label) for label in labels):
        raise ValueError("feed URL host is not a valid host name (labels of 1-63 letters, digits, - or _)")


def redact_url(url: str) -> str:
    """The URL with any credentials removed, safe to show or log; never raises.

    Drops ``user:password@`` and the fragment, and masks the value of every query parameter:
    which names carry secrets (``token``, ``apikey``, ``sig``, ...) cannot be known. A query
    part with no ``=`` may be a bare secret (``?SECRET``): it is masked whole.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except (TypeError, ValueError):
        return "<invalid URL>"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, "", "")) + _masked_query(parts.query)


def hide_query_values(target: str) -> str:
    """A request target with every query value masked: ``/ws/live?token=abc`` -> ``/ws/live?token=***``.

    A part with no ``=`` is masked whole, as it may be a bare secret.
    """
    path, question, query = target.partition("?")
    return path + _masked_query(query) if question else target


def _masked_query(query: str) -> str:
    """``?name=***&***`` for a query: names kept, values and bare parts masked; ``""`` for none."""
    if not query:
        return ""
    parts = (part.partition("=") for part in query.split("&"))
    return "?" + "&".join(f"{name}=***" if equals else ("***" if name else "") for name, equals, _ in parts)
