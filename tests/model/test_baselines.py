"""The scorecard's two baselines: the model with nothing known, and Stern's model with its home edge."""

from __future__ import annotations

import pytest

from lib.model import (
    MAX_PROBABILITY,
    MIN_PROBABILITY,
    SHIPPED,
    TeamForm,
    home_win_probability,
    nothing_known,
    stern,
    stern_win_probability,
)


def test_nothing_known_is_the_model_without_forms() -> None:
    """The first baseline is the model itself, home edge alone, whatever the teams."""
    for lead, seconds in ((0, 2880.0), (-6, 1500.0), (3, 20.0)):
        assert nothing_known(lead, seconds) == home_win_probability(lead, seconds)
        assert nothing_known(lead, seconds) != home_win_probability(
            lead, seconds, home=TeamForm(30, 5, 4000, 3600), away=TeamForm(5, 30, 3600, 4000)
        )
    assert nothing_known(1, 0, 30) == home_win_probability(1, 0, 30)


def test_stern_uses_the_home_edge_and_a_13_point_spread() -> None:
    """The second baseline is Stern's formula with the model's home edge, clipped as the model is."""
    assert stern(0, 2880) == pytest.approx(stern_win_probability(0, 1.0, SHIPPED.home_edge, sigma=13.0))
    assert stern(-4, 600) == pytest.approx(stern_win_probability(-4, 600 / 2880, SHIPPED.home_edge))
    assert stern(0, 0, 300) == pytest.approx(stern(0, 0))
    assert stern(40, 0) == MAX_PROBABILITY
    assert stern(-40, 0) == MIN_PROBABILITY
    with pytest.raises(ValueError, match="seconds_left"):
        stern(0, -1)
