"""Where the dashboard's settings come from: the environment, then Streamlit secrets. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from lib.backoff import Backoff
from lib.feed.sources.nba import DEFAULT_BASE_URL, DEFAULT_POLL, MIN_POLL, NbaOptions
from lib.live import ArchiveOptions
from lib.options import FeedOptions
from lib.recorder import DEFAULT_MAX_TOTAL_BYTES, DEFAULT_MIN_FREE_BYTES
from lib.urls import check_feed_url

SOURCES = ("demo", "nba")


@dataclass(frozen=True)
class FeedSettings:
    """How the dashboard gets its feed: what ``LiveFeed`` is given.

    Attributes:
        url: A feed server's URL, or ``None`` for an embedded feed.
        nba: With no URL, tonight's real games, bridged from the NBA's live data in this process
            with these options; ``None`` (and no URL): the demo.
        options: How to connect and stay connected; the token inside is a secret, never shown.
        archive: The DuckDB archive the feed keeps what it accepts in, or only reads
            (``docs/archive.md``); ``None``: no archive.
    """

    url: str | None = None
    nba: NbaOptions | None = None
    options: FeedOptions = field(default_factory=FeedOptions)
    archive: ArchiveOptions | None = None


# (setting, environment variable, key in .streamlit/secrets.toml)
_SOURCES = (
    ("url", "FEED_URL", "feed_url"),
    ("source", "FEED_SOURCE", "feed_source"),
    ("nba_base_url", "FEED_NBA_BASE_URL", "feed_nba_base_url"),
    ("nba_poll", "FEED_NBA_POLL", "feed_nba_poll"),
    ("token", "FEED_TOKEN", "feed_token"),
    ("max_reconnect_attempts", "FEED_MAX_RECONNECT_ATTEMPTS", "feed_max_reconnect_attempts"),
    ("reconnect_base_delay", "FEED_RECONNECT_BASE_DELAY", "feed_reconnect_base_delay"),
    ("reconnect_max_delay", "FEED_RECONNECT_MAX_DELAY", "feed_reconnect_max_delay"),
    ("archive", "FEED_ARCHIVE", "feed_archive"),
    ("archive_mode", "FEED_ARCHIVE_MODE", "feed_archive_mode"),
)
ARCHIVE_MODES = ("write", "read")


def feed_settings(env: Mapping[str, str], secrets: Mapping[str, Any]) -> FeedSettings:
    """Read the settings: ``FEED_URL`` etc. from the environment, else ``feed_url`` etc. from secrets.

    Empty values count as unset. ``FEED_MAX_RECONNECT_ATTEMPTS=none`` never gives up.
    ``FEED_SOURCE=nba`` shows tonight's real games; ``FEED_NBA_BASE_URL`` and ``FEED_NBA_POLL``
    adjust it, and make no sense with a URL or the demo. ``FEED_ARCHIVE`` keeps what the feed
    accepts in a DuckDB file; ``FEED_ARCHIVE_MODE=read`` only reads it.

    Raises:
        ValueError: A value is malformed; the message names the setting.
    """
    raw: dict[str, Any] = {}
    for name, env_name, secret_name in _SOURCES:
        value = _setting(env, secrets, env_name, secret_name)
        if value is not None:
            raw[name] = value
    source = str(raw.get("source", "demo")).lower()
    if source not in SOURCES:
        raise ValueError(f"FEED_SOURCE must be one of {', '.join(SOURCES)}, got {source!r}")
    if "url" in raw and "source" in raw:
        raise ValueError("FEED_SOURCE chooses the feed this process embeds; FEED_URL points at another: set one")
    nba_only = [env_name for name, env_name, _ in _SOURCES if name.startswith("nba_") and name in raw]
    if nba_only and source != "nba":
        raise ValueError(f"{nba_only[0]} applies to FEED_SOURCE=nba only")
    try:
        attempts = raw.get("max_reconnect_attempts", 10)
        reconnect = Backoff(
            base_delay=float(raw.get("reconnect_base_delay", 1.0)),
            max_delay=float(raw.get("reconnect_max_delay", 30.0)),
            max_attempts=None if str(attempts).lower() == "none" else int(attempts),
        )
        settings = FeedSettings(
            url=str(raw["url"]) if "url" in raw else None,
            nba=_nba_options(raw) if source == "nba" else None,
            options=FeedOptions(token=SecretStr(str(raw["token"])) if "token" in raw else None, reconnect=reconnect),
            archive=_archive_options(raw),
        )
        if settings.url is not None:
            check_feed_url(settings.url)
    except (TypeError, ValueError) as error:
        raise ValueError(f"invalid feed setting: {error}") from None
    return settings


def _archive_options(raw: Mapping[str, Any]) -> ArchiveOptions | None:
    mode = str(raw.get("archive_mode", "write"))
    if mode not in ARCHIVE_MODES:
        raise ValueError(f"FEED_ARCHIVE_MODE must be one of {', '.join(ARCHIVE_MODES)}, got {mode!r}")
    if "archive" not in raw:
        if "archive_mode" in raw:
            raise ValueError("FEED_ARCHIVE_MODE applies to FEED_ARCHIVE only")
        return None
    return ArchiveOptions(Path(str(raw["archive"])), write=mode == "write")


def _nba_options(raw: Mapping[str, Any]) -> NbaOptions:
    base_url = str(raw.get("nba_base_url", DEFAULT_BASE_URL))
    poll = float(raw.get("nba_poll", DEFAULT_POLL))
    if not MIN_POLL <= poll < float("inf"):
        raise ValueError(f"FEED_NBA_POLL must be at least {MIN_POLL:g} s, got {poll:g}")
    if not base_url.startswith(("http://", "https://")):
        raise ValueError("FEED_NBA_BASE_URL must start with http:// or https://")
    return NbaOptions(base_url, poll)


@dataclass(frozen=True)
class OperatorSettings:
    """What the page's operators may do, and how a deployment's operator proves to be one.

    Attributes:
        operator_key: The key that makes a viewer from another machine an operator; ``None``:
            only viewers on this machine are. Never shown.
        recording_max_bytes: A recording stops before its files together pass this size.
        recording_min_free_bytes: A recording stops when the disk has less than this free.
        recordings_dir: Where recordings are written (made when the first one starts).
    """

    operator_key: str | None = None
    recording_max_bytes: int = DEFAULT_MAX_TOTAL_BYTES
    recording_min_free_bytes: int = DEFAULT_MIN_FREE_BYTES
    recordings_dir: Path = Path("recordings")

    def __repr__(self) -> str:  # the key must not leak through a repr in a log or an error page
        return (
            f"OperatorSettings(operator_key={'***' if self.operator_key else None}, "
            f"recording_max_bytes={self.recording_max_bytes}, "
            f"recording_min_free_bytes={self.recording_min_free_bytes}, recordings_dir={str(self.recordings_dir)!r})"
        )


_MIB = 1024 * 1024


def operator_settings(env: Mapping[str, str], secrets: Mapping[str, Any]) -> OperatorSettings:
    """Read ``OPERATOR_KEY``, ``RECORDING_MAX_MB``, ``RECORDING_MIN_FREE_MB``, ``RECORDINGS_DIR``; else from secrets.

    Each has its lower-case name in ``.streamlit/secrets.toml`` (``operator_key``, ...).

    Empty values count as unset.

    Raises:
        ValueError: A size is not a positive number of mebibytes (the free space may be 0).
    """
    raw: dict[str, str] = {}
    for env_name in ("OPERATOR_KEY", "RECORDING_MAX_MB", "RECORDING_MIN_FREE_MB", "RECORDINGS_DIR"):
        value = _setting(env, secrets, env_name, env_name.lower())
        if value is not None:
            raw[env_name] = str(value)
    sizes = {}
    for name, default, least in (
        ("RECORDING_MAX_MB", DEFAULT_MAX_TOTAL_BYTES, 1),
        ("RECORDING_MIN_FREE_MB", DEFAULT_MIN_FREE_BYTES, 0),
    ):
        try:
            size = round(float(raw[name]) * _MIB) if name in raw else default
        except ValueError:
            raise ValueError(f"{name} must be a number of mebibytes, got {raw[name]!r}") from None
        if not least <= size < 2**62:
            raise ValueError(f"{name} must be {'positive' if least else 'at least 0'}, got {raw[name]!r}")
        sizes[name] = size
    return OperatorSettings(
        raw.get("OPERATOR_KEY"),
        sizes["RECORDING_MAX_MB"],
        sizes["RECORDING_MIN_FREE_MB"],
        Path(raw.get("RECORDINGS_DIR", "recordings")),
    )


def _setting(env: Mapping[str, str], secrets: Mapping[str, Any], env_name: str, secret_name: str) -> Any | None:
    """The environment's value, else the secret's; an empty one counts as unset."""
    value = env.get(env_name)
    if value in (None, ""):
        value = secrets.get(secret_name)
    return None if value in (None, "") else value
