"""The thirty teams by rating."""

from __future__ import annotations

import statistics

import pytest

from lib.feed.teams import TEAMS


def test_teams() -> None:
    """Thirty teams with distinct tricodes and full names, rated around an average of zero."""
    assert len(TEAMS) == 30
    assert len({team.tricode for team in TEAMS}) == len({team.name for team in TEAMS}) == 30
    assert all(len(team.tricode) == 3 and 1 <= len(team.name) <= 64 for team in TEAMS)
    assert statistics.fmean(team.rating for team in TEAMS) == pytest.approx(0.0, abs=1e-9)
    assert "Boston Celtics" in {team.name for team in TEAMS}
