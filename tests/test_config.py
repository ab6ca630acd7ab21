"""Feed settings from the environment, then Streamlit secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.config import FeedSettings, OperatorSettings, feed_settings, operator_settings
from lib.feed.sources.nba import NbaOptions
from lib.live import ArchiveOptions


def test_no_configuration_means_the_demo() -> None:
    """Nothing set: no URL, so the embedded demo feed."""
    assert feed_settings({}, {}) == FeedSettings()


def test_environment_wins_over_secrets() -> None:
    """FEED_URL beats feed_url; secrets fill in what the environment leaves empty."""
    settings = feed_settings(
        {"FEED_URL": "ws://env/ws/live", "FEED_TOKEN": ""},
        {"feed_url": "ws://secret/ws/live", "feed_token": "t", "feed_max_reconnect_attempts": "none"},
    )
    assert settings.url == "ws://env/ws/live"
    assert settings.options.token is not None
    assert settings.options.token.get_secret_value() == "t"
    assert settings.options.reconnect.max_attempts is None


@pytest.mark.parametrize(
    "env",
    [{"FEED_URL": "http://x"}, {"FEED_MAX_RECONNECT_ATTEMPTS": "many"}, {"FEED_RECONNECT_BASE_DELAY": "soon"}],
)
def test_bad_values_raise_a_clear_error(env: dict[str, str]) -> None:
    """Malformed settings raise ValueError naming the problem, for the page to show."""
    with pytest.raises(ValueError, match=r"FEED_URL|invalid feed setting"):
        feed_settings(env, {})


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ws://127.0.0.1:-5/ws/live", "port"),
        ("ws://127.0.0.1:99999/ws/live?token=tok-789-secret", "port"),
        ("wss:///ws/live", "no host"),
        ("ws://feed.example.com/ws/live ", "whitespace"),
        ("ws://feed.example.com/ws/{live}", "character not allowed"),
    ],
)
def test_unusable_feed_url_is_refused_naming_the_problem(url: str, problem: str) -> None:
    """A FEED_URL the client could not use fails when the settings are read, without its secrets."""
    with pytest.raises(ValueError, match=f"invalid feed setting: feed URL .*{problem}") as raised:
        feed_settings({}, {"feed_url": url})
    assert "tok-789-secret" not in str(raised.value)


def test_repr_hides_the_token() -> None:
    """A settings object printed in a log or error never shows the token."""
    settings = feed_settings({"FEED_URL": "ws://x/ws/live", "FEED_TOKEN": "hunter2"}, {})
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings)


def test_feed_source_nba_with_its_base_url_and_poll() -> None:
    """FEED_SOURCE=nba (any case) chooses the bridge; FEED_NBA_BASE_URL and FEED_NBA_POLL tune it, from secrets too."""
    settings = feed_settings({"FEED_SOURCE": "NBA", "FEED_NBA_POLL": "2.5"}, {"feed_nba_base_url": "http://cdn/x"})
    assert (settings.nba, settings.url) == (NbaOptions("http://cdn/x", 2.5), None)
    assert feed_settings({}, {"feed_source": "nba"}).nba == NbaOptions()
    assert feed_settings({"FEED_SOURCE": "demo"}, {}).nba is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FEED_SOURCE": "espn"}, "FEED_SOURCE must be one of demo, nba"),
        ({"FEED_SOURCE": "nba", "FEED_URL": "ws://x/ws/live"}, "set one"),
        ({"FEED_NBA_POLL": "5"}, "FEED_NBA_POLL applies to FEED_SOURCE=nba only"),
        ({"FEED_SOURCE": "demo", "FEED_NBA_BASE_URL": "http://x"}, "FEED_NBA_BASE_URL applies"),
        ({"FEED_SOURCE": "nba", "FEED_NBA_POLL": "0.2"}, "at least 1 s"),
        ({"FEED_SOURCE": "nba", "FEED_NBA_POLL": "often"}, "invalid feed setting"),
        ({"FEED_SOURCE": "nba", "FEED_NBA_BASE_URL": "cdn.nba.com"}, "http:// or https://"),
    ],
)
def test_bad_source_settings_raise_a_clear_error(env: dict[str, str], message: str) -> None:
    """An unknown source, a URL with a source, NBA settings without the NBA, a poll under 1 s: a clear ValueError."""
    with pytest.raises(ValueError, match=message):
        feed_settings(env, {})


def test_feed_archive_from_the_environment_or_secrets() -> None:
    """FEED_ARCHIVE (or feed_archive) names the archive for any source; unset, there is none."""
    assert feed_settings({"FEED_ARCHIVE": "season.duckdb"}, {}).archive == ArchiveOptions(Path("season.duckdb"))
    from_secrets = feed_settings({}, {"feed_archive": "team.duckdb", "feed_source": "nba", "feed_archive_mode": "read"})
    assert from_secrets.archive == ArchiveOptions(Path("team.duckdb"), write=False)
    assert feed_settings({"FEED_ARCHIVE": ""}, {}).archive is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FEED_ARCHIVE": "a.duckdb", "FEED_ARCHIVE_MODE": "append"}, "FEED_ARCHIVE_MODE must be one of write, read"),
        ({"FEED_ARCHIVE_MODE": "read"}, "FEED_ARCHIVE_MODE applies to FEED_ARCHIVE only"),
    ],
)
def test_bad_archive_settings_raise_a_clear_error(env: dict[str, str], message: str) -> None:
    """An unknown archive mode, or a mode without an archive: a ValueError naming the setting."""
    with pytest.raises(ValueError, match=message):
        feed_settings(env, {})


def test_operator_settings_default_to_no_key_and_the_recorders_bounds() -> None:
    """Nothing set: no operator key (only this machine's viewers operate), 256 MiB a recording, 512 MiB kept free."""
    assert operator_settings({}, {}) == OperatorSettings(None, 256 * 1024 * 1024, 512 * 1024 * 1024, Path("recordings"))


def test_operator_settings_from_the_environment_or_secrets() -> None:
    """OPERATOR_KEY, RECORDING_MAX_MB, RECORDING_MIN_FREE_MB, RECORDINGS_DIR, or their lower-case names in secrets."""
    settings = operator_settings(
        {"RECORDING_MAX_MB": "0.5", "RECORDINGS_DIR": "/data/nights"}, {"operator_key": "k", "recording_min_free_mb": 0}
    )
    assert settings == OperatorSettings("k", 512 * 1024, 0, Path("/data/nights"))
    assert "k" not in repr(settings).replace("key", "")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RECORDING_MAX_MB": "lots"}, "number of mebibytes"),
        ({"RECORDING_MAX_MB": "0"}, "positive"),
        ({"RECORDING_MIN_FREE_MB": "-1"}, "at least 0"),
    ],
)
def test_bad_recording_bounds_raise_a_clear_error(env: dict[str, str], message: str) -> None:
    """A size that is not a number, or not positive: a ValueError naming the setting."""
    with pytest.raises(ValueError, match=message):
        operator_settings(env, {})
