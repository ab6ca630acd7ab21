"""Where the dashboard's settings come from: the environment, then Streamlit secrets. Pure."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, overload

from pydantic import SecretStr

from lib.backoff import Backoff
from lib.feed.sources.nba import DEFAULT_BASE_URL, DEFAULT_POLL, MIN_POLL, NbaOptions
from lib.live import ArchiveOptions, DemoOptions
from lib.options import FeedOptions
from lib.recorder import DEFAULT_MAX_TOTAL_BYTES, DEFAULT_MIN_FREE_BYTES
from lib.urls import check_feed_url

SOURCES: Final = ("demo", "nba")
ARCHIVE_MODES: Final = ("write", "read")
MAX_DEMO_SPEED: Final = 1000.0
"""The fastest demo, a game in about 4 s: beyond it one push of the feed would play slate after slate."""

FEED_SETTINGS: Final = (
    "FEED_URL",
    "FEED_SOURCE",
    "FEED_DEMO_SPEED",
    "FEED_NBA_BASE_URL",
    "FEED_NBA_POLL",
    "FEED_TOKEN",
    "FEED_MAX_RECONNECT_ATTEMPTS",
    "FEED_RECONNECT_BASE_DELAY",
    "FEED_RECONNECT_MAX_DELAY",
    "FEED_ARCHIVE",
    "FEED_ARCHIVE_MODE",
)
"""The feed's settings by their environment names; in ``.streamlit/secrets.toml`` each is in lower case."""
OPERATOR_SETTINGS: Final = ("OPERATOR_KEY", "RECORDING_MAX_MB", "RECORDING_MIN_FREE_MB", "RECORDINGS_DIR")
"""The operators' settings, likewise."""
_SECRET_SETTINGS: Final = frozenset({"FEED_TOKEN", "OPERATOR_KEY"})
"""Settings whose values are never shown, not even in an error."""
_OUR_PREFIXES: Final = ("FEED_", "OPERATOR", "RECORDING")
_SIMILAR: Final = 0.85
"""An environment variable this like a setting's name (``FED_URL``) is taken for a misspelling of it."""


@dataclass(frozen=True)
class FeedSettings:
    """How the dashboard gets its feed: what ``LiveFeed`` is given.

    Attributes:
        url: A feed server's URL, or ``None`` for an embedded feed.
        source: With no URL, what the embedded feed serves: the demo night
            (:class:`~lib.live.DemoOptions`) or tonight's real games, bridged from the NBA's live
            data in this process (:class:`~lib.feed.sources.nba.NbaOptions`); ``None`` with a URL.
        options: How to connect and stay connected; the token inside is a secret, never shown.
        archive: The DuckDB archive the feed keeps what it accepts in, or only reads
            (``docs/archive.md``); ``None``: no archive.
    """

    url: str | None = None
    source: DemoOptions | NbaOptions | None = field(default_factory=DemoOptions)
    options: FeedOptions = field(default_factory=FeedOptions)
    archive: ArchiveOptions | None = None


def feed_settings(env: Mapping[str, str], secrets: Mapping[str, Any]) -> FeedSettings:
    """Read the settings: ``FEED_URL`` etc. from the environment, else ``feed_url`` etc. from secrets.

    Empty values count as unset. ``FEED_MAX_RECONNECT_ATTEMPTS=none`` never gives up.
    ``FEED_SOURCE=nba`` shows tonight's real games; ``FEED_NBA_BASE_URL`` and ``FEED_NBA_POLL``
    adjust it, and make no sense with a URL or the demo; ``FEED_DEMO_SPEED`` paces the demo.
    ``FEED_ARCHIVE`` keeps what the feed accepts in a DuckDB file; ``FEED_ARCHIVE_MODE=read``
    only reads it.

    Raises:
        ValueError: A value is malformed or out of range, or two settings contradict each other;
            the message names each setting as it was given (``FEED_NBA_POLL``, or ``feed_nba_poll``
            in secrets) and what it accepts. It never shows a token or the feed URL.
    """
    read = _Reader(env, secrets)
    source = read.choice("FEED_SOURCE", SOURCES, "demo")
    url = read.text("FEED_URL")
    if url is not None and read.given("FEED_SOURCE"):
        raise ValueError(
            f"{read.name('FEED_SOURCE')} chooses the feed this process embeds, {read.name('FEED_URL')} points at "
            "a feed server elsewhere: set one of them"
        )
    chosen = f"{read.name('FEED_URL')}" if url is not None else f"{read.name('FEED_SOURCE')}={source}"
    for setting, wanted in (
        ("FEED_NBA_BASE_URL", "nba"),
        ("FEED_NBA_POLL", "nba"),
        ("FEED_DEMO_SPEED", "demo"),
    ):
        if read.given(setting) and (url is not None or source != wanted):
            raise ValueError(
                f"{read.name(setting)} applies to {read.name('FEED_SOURCE')}={wanted} only, not with {chosen}"
            )
    if url is not None:
        try:
            check_feed_url(url)
        except ValueError as error:  # the URL itself is never shown: it may hold credentials
            raise ValueError(
                f"{read.name('FEED_URL')} is not a usable feed URL ({error}); it takes ws:// or wss://, a host, "
                "a port if any and the path, such as ws://localhost:8080/ws/live"
            ) from None
    base_delay = read.number("FEED_RECONNECT_BASE_DELAY", 1.0, "a number of seconds above 0", above=0.0)
    max_delay = read.number("FEED_RECONNECT_MAX_DELAY", 30.0, "a number of seconds above 0", above=0.0)
    if max_delay < base_delay:
        raise ValueError(
            f"{read.name('FEED_RECONNECT_MAX_DELAY')} ({max_delay:g} s) must be at least "
            f"{read.name('FEED_RECONNECT_BASE_DELAY')} ({base_delay:g} s)"
        )
    attempts = (
        None
        if (read.text("FEED_MAX_RECONNECT_ATTEMPTS") or "").lower() == "none"
        else read.whole("FEED_MAX_RECONNECT_ATTEMPTS", 10, "a whole number of attempts, at least 1, or none", least=1)
    )
    token = read.text("FEED_TOKEN")
    embedded: DemoOptions | NbaOptions | None = None
    if url is None:
        embedded = _nba_options(read) if source == "nba" else _demo_options(read)
    return FeedSettings(
        url=url,
        source=embedded,
        options=FeedOptions(
            token=None if token is None else SecretStr(token),
            reconnect=Backoff(base_delay=base_delay, max_delay=max_delay, max_attempts=attempts),
        ),
        archive=_archive_options(read),
    )


def _archive_options(read: _Reader) -> ArchiveOptions | None:
    mode = read.choice("FEED_ARCHIVE_MODE", ARCHIVE_MODES, "write")
    path = read.text("FEED_ARCHIVE")
    if path is None:
        if read.given("FEED_ARCHIVE_MODE"):
            raise ValueError(f"{read.name('FEED_ARCHIVE_MODE')} applies with {read.name('FEED_ARCHIVE')} only")
        return None
    return ArchiveOptions(Path(path), write=mode == "write")


def _nba_options(read: _Reader) -> NbaOptions:
    base_url = read.text("FEED_NBA_BASE_URL") or DEFAULT_BASE_URL
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"{read.name('FEED_NBA_BASE_URL')} must start with http:// or https://, got {base_url!r}")
    poll = read.number("FEED_NBA_POLL", DEFAULT_POLL, f"a number of seconds, at least {MIN_POLL:g}", least=MIN_POLL)
    return NbaOptions(base_url, poll)


def _demo_options(read: _Reader) -> DemoOptions:
    speed = read.number(
        "FEED_DEMO_SPEED",
        DemoOptions.speed,
        f"game seconds per real second, above 0 and at most {MAX_DEMO_SPEED:g}",
        above=0.0,
        most=MAX_DEMO_SPEED,
    )
    return DemoOptions(speed=speed)


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


_MIB: Final = 1024 * 1024


def operator_settings(env: Mapping[str, str], secrets: Mapping[str, Any]) -> OperatorSettings:
    """Read ``OPERATOR_KEY``, ``RECORDING_MAX_MB``, ``RECORDING_MIN_FREE_MB``, ``RECORDINGS_DIR``; else from secrets.

    Each has its lower-case name in ``.streamlit/secrets.toml`` (``operator_key``, ...).

    Empty values count as unset.

    Raises:
        ValueError: A size is not a positive number of mebibytes (the free space may be 0); the
            message names the setting as it was given.
    """
    read = _Reader(env, secrets)
    most = 2**62 / _MIB
    max_mb = read.number("RECORDING_MAX_MB", None, "a number of mebibytes above 0", above=0.0, most=most)
    min_free_mb = read.number("RECORDING_MIN_FREE_MB", None, "a number of mebibytes, at least 0", least=0.0, most=most)
    return OperatorSettings(
        read.text("OPERATOR_KEY"),
        DEFAULT_MAX_TOTAL_BYTES if max_mb is None else max(1, round(max_mb * _MIB)),
        DEFAULT_MIN_FREE_BYTES if min_free_mb is None else round(min_free_mb * _MIB),
        Path(read.text("RECORDINGS_DIR") or "recordings"),
    )


def settings_warnings(env: Mapping[str, str], secrets: Mapping[str, Any]) -> tuple[str, ...]:
    """What looks like a misspelt setting, each naming the most similar one this app reads; never a value.

    Every key of ``.streamlit/secrets.toml`` is the app's, so each unknown one is named (Streamlit
    also copies its top-level keys into the environment; those are not named twice). The
    environment holds everyone's variables, so only names that look like the app's are: those
    starting ``FEED_``, ``OPERATOR`` or ``RECORDING`` in any case, and those nearly a setting's
    name (``FED_URL``).
    """
    known = (*FEED_SETTINGS, *OPERATOR_SETTINGS)
    warnings = []
    for name in env:
        if name in known or name in secrets:
            continue
        closest, similarity = _closest(name.upper(), known)
        if name.upper().startswith(_OUR_PREFIXES) or similarity >= _SIMILAR:
            warnings.append(f"The environment variable {name} is not a setting of this app: did you mean {closest}?")
    lower_known = tuple(setting.lower() for setting in known)
    for key in secrets:
        if str(key).lower() not in lower_known:  # an upper-case key works too: Streamlit puts it in the environment
            closest, _ = _closest(str(key).lower(), lower_known)
            warnings.append(f"The secret {key} is not a setting of this app: did you mean {closest}?")
    return tuple(warnings)


def _closest(name: str, known: tuple[str, ...]) -> tuple[str, float]:
    """The known name most like ``name``, and how alike they are (0 to 1: matching characters, in order)."""
    similarity = {setting: difflib.SequenceMatcher(None, name, setting).ratio() for setting in known}
    closest = max(known, key=similarity.__getitem__)
    return closest, similarity[closest]


class _Reader:
    """The settings' values, each from the environment or else the secrets, checked with errors naming it."""

    def __init__(self, env: Mapping[str, str], secrets: Mapping[str, Any]) -> None:
        self._values: dict[str, tuple[str, Any]] = {}
        """Per setting given, the name it was given under and its value."""
        for setting in (*FEED_SETTINGS, *OPERATOR_SETTINGS):
            for name, source in ((setting, env), (setting.lower(), secrets)):
                value = source.get(name)
                if value not in (None, ""):
                    self._values[setting] = (name, value)
                    break

    def given(self, setting: str) -> bool:
        """Whether ``setting`` has a value."""
        return setting in self._values

    def name(self, setting: str) -> str:
        """The setting's name as given (``feed_nba_poll`` from secrets), else its environment name."""
        return self._values.get(setting, (setting, None))[0]

    def text(self, setting: str) -> str | None:
        """The value as text; ``None`` when not given."""
        return None if setting not in self._values else str(self._values[setting][1])

    def choice(self, setting: str, choices: tuple[str, ...], default: str) -> str:
        """One of ``choices``, in any case, in lower case; ``default`` when not given."""
        value = self.text(setting)
        if value is None:
            return default
        if value.lower() in choices:
            return value.lower()
        raise self._invalid(setting, f"one of {', '.join(choices)}")

    @overload
    def number(
        self, setting: str, default: float, accepts: str, *, above: float = ..., least: float = ..., most: float = ...
    ) -> float: ...

    @overload
    def number(
        self, setting: str, default: None, accepts: str, *, above: float = ..., least: float = ..., most: float = ...
    ) -> float | None: ...

    def number(
        self,
        setting: str,
        default: float | None,
        accepts: str,
        *,
        above: float = -math.inf,
        least: float = -math.inf,
        most: float = math.inf,
    ) -> float | None:
        """A finite number within the bounds; ``default`` when not given. ``accepts`` says what it may be."""
        if setting not in self._values:
            return default
        value = self._values[setting][1]
        try:
            number = float(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None or not (math.isfinite(number) and number > above and least <= number <= most):
            raise self._invalid(setting, accepts)
        return number

    def whole(self, setting: str, default: int, accepts: str, *, least: int) -> int:
        """A whole number, at least ``least``; ``default`` when not given."""
        if setting not in self._values:
            return default
        value = self._values[setting][1]
        try:
            number = int(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None or number < least:
            raise self._invalid(setting, accepts)
        return number

    def _invalid(self, setting: str, accepts: str) -> ValueError:
        name, value = self._values[setting]
        shown = "" if setting in _SECRET_SETTINGS else f", got {_shown(value)}"
        return ValueError(f"{name} must be {accepts}{shown}")


def _shown(value: Any) -> str:
    """A value in an error: quoted as given, and cut short so that a pasted file does not fill the page."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."
