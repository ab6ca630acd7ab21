"""Settings from the environment, then Streamlit secrets: values, errors, warnings, and the page that shows them."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.config import (
    FEED_SETTINGS,
    OPERATOR_SETTINGS,
    FeedSettings,
    OperatorSettings,
    feed_settings,
    operator_settings,
    settings_warnings,
)
from lib.feed.sources.nba import NbaOptions
from lib.live import ArchiveOptions, DemoOptions


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
    ("env", "secrets", "message"),
    [
        ({"FEED_URL": "http://x"}, {}, "FEED_URL is not a usable feed URL (feed URL must start with ws:// or wss://)"),
        (
            {"FEED_SOURCE": "nba", "FEED_NBA_POLL": "fast"},
            {},
            "FEED_NBA_POLL must be a number of seconds, at least 1, got 'fast'",
        ),
        (
            {"FEED_MAX_RECONNECT_ATTEMPTS": "infinite"},
            {},
            "FEED_MAX_RECONNECT_ATTEMPTS must be a whole number of attempts, at least 1, or none, got 'infinite'",
        ),
        ({}, {"feed_max_reconnect_attempts": 0}, "feed_max_reconnect_attempts must be a whole number"),
        ({}, {"feed_max_reconnect_attempts": True}, "feed_max_reconnect_attempts must be a whole number"),
        ({"FEED_RECONNECT_BASE_DELAY": "soon"}, {}, "FEED_RECONNECT_BASE_DELAY must be a number of seconds above 0"),
        ({"FEED_RECONNECT_BASE_DELAY": "nan"}, {}, "FEED_RECONNECT_BASE_DELAY must be a number of seconds above 0"),
        (
            {"FEED_RECONNECT_BASE_DELAY": "10"},
            {"feed_reconnect_max_delay": 5},
            "feed_reconnect_max_delay (5 s) must be at least FEED_RECONNECT_BASE_DELAY (10 s)",
        ),
        ({}, {"feed_source": "espn"}, "feed_source must be one of demo, nba, got 'espn'"),
        ({"FEED_DEMO_SPEED": "ludicrous"}, {}, "FEED_DEMO_SPEED must be game seconds per real second, above 0"),
        ({"FEED_DEMO_SPEED": "1e9"}, {}, "at most 1000, got '1e9'"),
        ({"FEED_DEMO_SPEED": "0"}, {}, "above 0 and at most 1000, got '0'"),
    ],
)
def test_a_bad_value_names_the_setting_and_what_it_accepts(
    env: dict[str, str], secrets: dict[str, object], message: str
) -> None:
    """A malformed or out-of-range value: an error naming the setting as given and what it takes, not Python's words."""
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        feed_settings(env, secrets)
    assert "could not convert" not in str(raised.value)
    assert "invalid literal" not in str(raised.value)


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
    with pytest.raises(ValueError, match=f"feed_url is not a usable feed URL .*{problem}") as raised:
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
    assert (settings.source, settings.url) == (NbaOptions("http://cdn/x", 2.5), None)
    assert feed_settings({}, {"feed_source": "nba", "feed_nba_poll": 3}).source == NbaOptions(poll=3.0)
    assert feed_settings({"FEED_SOURCE": "demo"}, {}).source == DemoOptions()


def test_feed_demo_speed_paces_the_embedded_demo() -> None:
    """FEED_DEMO_SPEED (or feed_demo_speed) sets the demo's game seconds per real second; the rest stays the demo's."""
    assert feed_settings({"FEED_DEMO_SPEED": "240"}, {}).source == DemoOptions(speed=240.0)
    assert feed_settings({}, {"feed_demo_speed": 600, "feed_source": "demo"}).source == DemoOptions(speed=600.0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FEED_SOURCE": "espn"}, "FEED_SOURCE must be one of demo, nba"),
        ({"FEED_SOURCE": "nba", "FEED_URL": "ws://x/ws/live"}, "set one of them"),
        ({"FEED_DEMO_SPEED": "100", "FEED_SOURCE": "nba"}, "FEED_DEMO_SPEED applies to FEED_SOURCE=demo only"),
        ({"FEED_DEMO_SPEED": "100", "FEED_URL": "ws://x/ws/live"}, "not with FEED_URL"),
        ({"FEED_NBA_POLL": "5"}, "FEED_NBA_POLL applies to FEED_SOURCE=nba only"),
        ({"FEED_SOURCE": "demo", "FEED_NBA_BASE_URL": "http://x"}, "FEED_NBA_BASE_URL applies"),
        ({"FEED_SOURCE": "nba", "FEED_NBA_POLL": "0.2"}, "FEED_NBA_POLL must be a number of seconds, at least 1, got"),
        ({"FEED_SOURCE": "nba", "FEED_NBA_POLL": "often"}, "FEED_NBA_POLL must be a number of seconds"),
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
        ({"FEED_ARCHIVE_MODE": "read"}, "FEED_ARCHIVE_MODE applies with FEED_ARCHIVE only"),
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
        ({"RECORDING_MAX_MB": "0"}, "RECORDING_MAX_MB must be a number of mebibytes above 0, got '0'"),
        ({"RECORDING_MIN_FREE_MB": "-1"}, "at least 0"),
    ],
)
def test_bad_recording_bounds_raise_a_clear_error(env: dict[str, str], message: str) -> None:
    """A size that is not a number, or not positive: a ValueError naming the setting."""
    with pytest.raises(ValueError, match=message):
        operator_settings(env, {})


@pytest.mark.parametrize(
    ("env", "secrets", "warning"),
    [
        (
            {"FEED_SOUCE": "nba"},
            {},
            "The environment variable FEED_SOUCE is not a setting of this app: did you mean FEED_SOURCE?",
        ),
        ({"FED_URL": "ws://x/ws/live"}, {}, "FED_URL is not a setting of this app: did you mean FEED_URL?"),
        ({"feed_url": "ws://x/ws/live"}, {}, "feed_url is not a setting of this app: did you mean FEED_URL?"),
        ({"RECORDING_MAX_MIB": "5"}, {}, "did you mean RECORDING_MAX_MB?"),
        ({"operator_keys": "k"}, {}, "did you mean OPERATOR_KEY?"),
        ({}, {"feed_souce": "nba"}, "The secret feed_souce is not a setting of this app: did you mean feed_source?"),
        (
            {},
            {"connections": {"db": {"url": "x"}}},
            "The secret connections is not a setting of this app: did you mean",
        ),
    ],
)
def test_a_misspelt_setting_is_named_with_the_closest_known_one(
    env: dict[str, str], secrets: dict[str, object], warning: str
) -> None:
    """A name that looks like a setting but is none gets one warning naming the setting it is closest to."""
    (given,) = settings_warnings(env, secrets)
    assert warning in given


def test_unrelated_environment_and_known_settings_raise_no_warning() -> None:
    """The environment's other variables, every known setting, and secrets Streamlit copied into it: no warning."""
    env = {"PATH": "/bin", "HOME": "/root", "FEEDBACK_URL": "x", "STREAMLIT_SERVER_PORT": "8501", "LANG": "C"}
    env |= dict.fromkeys((*FEED_SETTINGS, *OPERATOR_SETTINGS), "1")
    secrets = {name.lower(): "1" for name in (*FEED_SETTINGS, *OPERATOR_SETTINGS)} | {"FEED_URL": "ws://x/ws/live"}
    # Streamlit puts the top-level secrets into the environment too: a misspelt one is named once, as a secret.
    assert settings_warnings(env | secrets | {"feed_souce": "nba"}, secrets | {"feed_souce": "nba"}) == (
        "The secret feed_souce is not a setting of this app: did you mean feed_source?",
    )


def test_a_warning_never_shows_a_value() -> None:
    """A misspelt token's name is named, its value never."""
    warnings = settings_warnings({"FEED_TOKN": "hunter2"}, {"feed_tokn": "hunter3", "operator_kee": "hunter4"})
    assert len(warnings) == 3
    assert not any("hunter" in warning for warning in warnings)


def test_a_bad_secret_value_is_never_shown() -> None:
    """An error about a token or key never prints the value (the URL's neither: it may carry credentials)."""
    with pytest.raises(ValueError, match="FEED_URL is not a usable feed URL") as raised:
        feed_settings({"FEED_URL": "http://user:hunter2@x/ws/live?token=hunter3"}, {})
    assert "hunter" not in str(raised.value)


DASHBOARD = str(Path(__file__).resolve().parents[1] / "dashboard.py")


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    """The page with these environment variables and secrets, and a feed of its own."""
    for name in list(os.environ):
        if name.upper().startswith(("FEED", "OPERATOR", "RECORDING")):
            monkeypatch.delenv(name)
    st.cache_resource.clear()

    def make(secrets: dict[str, Any] | None = None, **env: str) -> AppTest:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        at = AppTest.from_file(DASHBOARD, default_timeout=30)
        for key, value in (secrets or {}).items():
            at.secrets[key] = value
        return at

    yield make
    st.cache_resource.clear()  # on_release stops the feed


def test_the_page_warns_of_a_misspelt_setting_and_logs_it_once(
    page: Callable[..., AppTest], caplog: pytest.LogCaptureFixture
) -> None:
    """FEED_SOUCE=nba and feed_souce in secrets: the page warns of each, naming FEED_SOURCE; the log says so once."""
    caplog.set_level(logging.WARNING, logger="dashboard")
    at = page({"feed_souce": "nba"}, FEED_SOUCE="nba", FEED_SPEED="100")
    at.run()
    assert not at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]  # shown as typed: markdown escaped
    assert any("FEED_SOUCE is not a setting of this app: did you mean FEED_SOURCE?" in w for w in warnings)
    assert any("feed_souce is not a setting of this app: did you mean feed_source?" in w for w in warnings)
    assert any("FEED_SPEED is not a setting of this app: did you mean FEED_DEMO_SPEED?" in w for w in warnings)
    assert any("the embedded demo" in caption.value for caption in at.caption)  # the rest of the page is there
    at.run()
    logged = [record.getMessage() for record in caplog.records if record.name == "dashboard"]
    assert sum("FEED_SOUCE is not a setting" in line for line in logged) == 1


def test_the_page_names_a_bad_value_and_what_it_accepts(page: Callable[..., AppTest]) -> None:
    """FEED_NBA_POLL=fast: the page says the feed is misconfigured, naming the setting and what it takes."""
    at = page(FEED_SOURCE="nba", FEED_NBA_POLL="fast")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The feed is misconfigured: FEED_NBA_POLL must be a number of seconds, at least 1, got 'fast'"
    ]
    at = page({"feed_max_reconnect_attempts": "infinite"})
    at.run()
    assert "feed_max_reconnect_attempts must be a whole number of attempts, at least 1, or none" in at.error[0].value


def test_feed_demo_speed_plays_a_whole_demo_game_on_the_page(page: Callable[..., AppTest]) -> None:
    """FEED_DEMO_SPEED=1000: the dashboard's own demo plays games to their final whistle within seconds."""
    at = page(FEED_DEMO_SPEED="1000")

    def finished() -> bool:
        at.run()
        assert not at.exception, at.exception
        return any("Final" in list(frame.value.get("Event", [])) for frame in at.dataframe)

    wait_for(finished, 30, "a final in the event log")


@pytest.mark.parametrize(
    ("path", "token", "status"),
    [("/ws/lvie", "letmein", 404), ("/ws/live", None, 401), ("/ws/live", "wrong", 403)],
)
def test_the_page_tells_a_wrong_path_from_a_refused_token(
    page: Callable[..., AppTest], path: str, token: str | None, status: int
) -> None:
    """A wrong path in FEED_URL reads HTTP 404 in the header; no FEED_TOKEN 401, a wrong one 403, as the README says."""
    with ScriptedFeed(token="letmein") as server:
        env = {"FEED_URL": f"ws://127.0.0.1:{server.port}{path}", "FEED_RECONNECT_BASE_DELAY": "30"}
        at = page(**env, **({} if token is None else {"FEED_TOKEN": token}))

        def refused() -> bool:
            at.run()
            assert not at.exception, at.exception
            return any(f"refused the WebSocket handshake with HTTP {status}" in html.value for html in at.html)

        wait_for(refused, 20, f"HTTP {status} in the header")
