"""Where the dashboard's feed settings come from: the environment, then Streamlit secrets. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lib.urls import check_feed_url


@dataclass(frozen=True)
class FeedSettings:
    """How the dashboard connects.

    Attributes:
        url: The feed URL, or ``None`` for the embedded demo feed.
        token: Bearer token for the feed, if it needs one. Never shown.
        max_reconnect_attempts: Failed attempts in a row before giving up (``None``: never).
        reconnect_base_delay: Seconds before the first retry.
        reconnect_max_delay: Longest wait between retries.
    """

    url: str | None = None
    token: str | None = None
    max_reconnect_attempts: int | None = 10
    reconnect_base_delay: float = 1.0
    reconnect_max_delay: float = 30.0

    def __repr__(self) -> str:  # the token must not leak through a repr in a log or an error page
        return (
            f"FeedSettings(url={self.url!r}, token={'***' if self.token else None}, "
            f"max_reconnect_attempts={self.max_reconnect_attempts}, reconnect_base_delay={self.reconnect_base_delay}, "
            f"reconnect_max_delay={self.reconnect_max_delay})"
        )


# (setting, environment variable, key in .streamlit/secrets.toml)
_SOURCES = (
    ("url", "FEED_URL", "feed_url"),
    ("token", "FEED_TOKEN", "feed_token"),
    ("max_reconnect_attempts", "FEED_MAX_RECONNECT_ATTEMPTS", "feed_max_reconnect_attempts"),
    ("reconnect_base_delay", "FEED_RECONNECT_BASE_DELAY", "feed_reconnect_base_delay"),
    ("reconnect_max_delay", "FEED_RECONNECT_MAX_DELAY", "feed_reconnect_max_delay"),
)


def feed_settings(env: Mapping[str, str], secrets: Mapping[str, Any]) -> FeedSettings:
    """Read the settings: ``FEED_URL`` etc. from the environment, else ``feed_url`` etc. from secrets.

    Empty values count as unset. ``FEED_MAX_RECONNECT_ATTEMPTS=none`` never gives up.

    Raises:
        ValueError: A value is malformed; the message names the setting.
    """
    raw: dict[str, Any] = {}
    for field, env_name, secret_name in _SOURCES:
        value = env.get(env_name)
        if value in (None, ""):
            value = secrets.get(secret_name)
        if value not in (None, ""):
            raw[field] = value
    try:
        attempts = raw.get("max_reconnect_attempts", 10)
        settings = FeedSettings(
            url=str(raw["url"]) if "url" in raw else None,
            token=str(raw["token"]) if "token" in raw else None,
            max_reconnect_attempts=None if str(attempts).lower() == "none" else int(attempts),
            reconnect_base_delay=float(raw.get("reconnect_base_delay", 1.0)),
            reconnect_max_delay=float(raw.get("reconnect_max_delay", 30.0)),
        )
        if settings.url is not None:
            check_feed_url(settings.url)
    except (TypeError, ValueError) as error:
        raise ValueError(f"invalid feed setting: {error}") from None
    return settings
