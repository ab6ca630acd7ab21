"""Who may change the shared process: viewers on this machine, those with the operator key."""

from __future__ import annotations

import pytest

from lib.access import Throttle, is_local_viewer, key_matches


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


def test_the_throttle_lets_one_action_through_per_interval() -> None:
    """Many asks inside the interval: the first passes; after the interval, the next one does."""
    throttle = Throttle(5.0)
    assert [throttle.allow(t) for t in (100.0, 100.1, 103.0, 104.9)] == [True, False, False, False]
    assert throttle.allow(105.0)
    assert not throttle.allow(106.0)
