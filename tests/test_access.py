"""Who may change the shared process, and how often any viewer may ask it for anything."""

from __future__ import annotations

import logging

import pytest

from lib.access import KEY_TRY_BURST, KEY_TRY_INTERVAL, KeyGuard, KeyTry, is_local_viewer, key_matches, reconnect_budget


def test_a_viewer_on_this_machine_is_local() -> None:
    """Streamlit reports a loopback connection as no address: that viewer runs the app."""
    assert is_local_viewer(None, {"Host": "localhost:8501", "User-Agent": "Mozilla/5.0"})


def test_a_viewer_from_another_machine_is_not() -> None:
    """An address is another machine."""
    assert not is_local_viewer("192.168.1.20", {})
    assert not is_local_viewer("2001:db8::1", {})


@pytest.mark.parametrize("header", ["X-Forwarded-For", "x-real-ip", "Forwarded", "X-Forwarded-Host"])
def test_a_viewer_behind_a_proxy_on_this_machine_is_not_local(header: str) -> None:
    """A reverse proxy connects from loopback too; the headers it adds mean the viewer is elsewhere."""
    assert not is_local_viewer(None, {header: "203.0.113.9"})


def test_the_operator_key_must_match_exactly() -> None:
    """Only the configured key opens the controls; no key configured opens nothing, not even an empty guess."""
    assert key_matches("s3cret-kéy", "s3cret-kéy")
    assert not key_matches("s3cret-key", "s3cret-kéy")
    assert not key_matches("s3cret", "s3cret-kéy")
    assert not key_matches("", None)
    assert not key_matches("", "")
    assert not key_matches("anything", None)


def test_reconnects_go_through_one_per_five_seconds_whoever_asks() -> None:
    """Many asks inside the interval: the first passes; after the interval, the next one does."""
    budget = reconnect_budget(100.0)
    assert [budget.admit(t) for t in (100.0, 100.1, 103.0, 104.9)] == [True, False, False, False]
    assert budget.admit(105.0)
    assert not budget.admit(106.0)


def test_key_tries_past_the_budget_are_not_checked_and_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A burst of tries, then one per interval: the right key is not even checked while the budget is spent."""
    guard = KeyGuard("s3cret", now=0.0)
    with caplog.at_level(logging.INFO, logger="lib.access"):
        outcomes = [guard.check(f"guess {n}", "203.0.113.9", now=0.0) for n in range(KEY_TRY_BURST)]
        assert outcomes == [KeyTry.REFUSED] * KEY_TRY_BURST
        assert guard.check("s3cret", "203.0.113.9", now=1.0) is KeyTry.TOO_MANY
        assert guard.wait(1.0) == pytest.approx(KEY_TRY_INTERVAL - 1.0)
        assert guard.check("s3cret", "203.0.113.9", now=KEY_TRY_INTERVAL) is KeyTry.ACCEPTED
    messages = [record.getMessage() for record in caplog.records]
    assert sum("operator key refused (from 203.0.113.9)" in m for m in messages) == KEY_TRY_BURST
    assert any("over the limit" in m for m in messages)
    assert messages[-1] == "operator key accepted (from 203.0.113.9)"
    assert not any("s3cret" in m or "guess" in m for m in messages)  # no try is ever logged


def test_with_no_key_configured_no_try_is_accepted() -> None:
    """A deployment without a key: every try is refused, the empty one too."""
    guard = KeyGuard(None, now=0.0)
    assert guard.check("", "203.0.113.9", now=0.0) is KeyTry.REFUSED
    assert guard.check("anything", "203.0.113.9", now=0.0) is KeyTry.REFUSED
