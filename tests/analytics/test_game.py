"""A game's story on constructed games: excitement index, comeback factor, the summary."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lib.analytics.flow import Side
from lib.analytics.game import FROM_TIP_OFF, KnownFrom, comeback_factor, excitement_index, known_from, summarize
from lib.protocol import Game
from tests.helpers import game


def g(**fields: Any) -> Game:
    return Game.model_validate_json(json.dumps(game("g", **fields)))


def test_excitement_index_sums_absolute_swings() -> None:
    """0.5 → 0.7 → 0.4 → 0.9 swings by 0.2 + 0.3 + 0.5 = 1.0."""
    assert excitement_index([0.5, 0.7, 0.4, 0.9]) == pytest.approx(1.0)
    assert excitement_index([0.6]) == 0.0
    assert excitement_index([]) == 0.0


def test_comeback_factor_is_the_winners_lowest_probability() -> None:
    """Home won after dipping to 0.15: 0.15. Away won while home peaked at 0.8: 1 − 0.8 = 0.2."""
    assert comeback_factor([0.5, 0.15, 0.6, 1.0], Side.HOME) == pytest.approx(0.15)
    assert comeback_factor([0.5, 0.8, 0.3, 0.0], Side.AWAY) == pytest.approx(0.2)
    assert comeback_factor([], Side.HOME) is None


def test_summary_of_a_constructed_final_game() -> None:
    """A seesaw game that the away side wins from 10 down, with repeats in the feed ignored."""
    flow = [(0, 0), (2, 0), (2, 0), (5, 0), (10, 0), (10, 3), (10, 6), (10, 9), (10, 12), (12, 12), (12, 14)]
    probabilities = [0.55, 0.62, 0.75, 0.88, 0.80, 0.66, 0.52, 0.35, 0.50, 0.20, 0.0]
    final = g(home_score=12, away_score=14, status="final", period=4, clock="00:00")
    summary = summarize(final, flow, probabilities, FROM_TIP_OFF)
    assert summary.final
    assert (summary.lead_changes, summary.times_tied) == (1, 1)  # home → away; then tie → away again is no change
    assert (summary.biggest_home_lead, summary.biggest_away_lead) == (10, 2)
    assert (summary.biggest_run, summary.biggest_run_team) == (12, "New York Knicks")
    assert summary.excitement == pytest.approx(0.07 + 0.13 + 0.13 + 0.08 + 0.14 + 0.14 + 0.17 + 0.15 + 0.30 + 0.20)
    assert summary.comeback == pytest.approx(1 - 0.88)
    assert summary.comeback_team == "New York Knicks"
    assert summary.predictions == 11


def test_live_game_summary_is_so_far_and_tied_has_no_comeback() -> None:
    """While live, figures are so far; with the score tied nobody is the comeback side."""
    summary = summarize(g(home_score=20, away_score=20), [(10, 12), (20, 20)], [0.4, 0.5], FROM_TIP_OFF)
    assert not summary.final
    assert summary.comeback is None
    assert summary.comeback_team is None
    assert summary.excitement == pytest.approx(0.1)


def test_game_without_predictions_has_no_probability_figures() -> None:
    """No predictions: excitement and comeback are unknown, not zero."""
    summary = summarize(g(home_score=3, away_score=0), [(3, 0)], [], FROM_TIP_OFF)
    assert summary.excitement is None
    assert summary.comeback is None
    assert summary.lead_changes == 0


def test_a_scorers_correction_takes_back_the_scores_it_undoes() -> None:
    """A three that did not count (5-0 corrected to 2-0) is in no lead or run, and nothing raises."""
    flow = [(2, 0), (5, 0), (2, 0), (2, 2), (2, 4)]
    summary = summarize(g(home_score=2, away_score=4), flow, [0.6, 0.7, 0.6, 0.5, 0.4], FROM_TIP_OFF)
    assert (summary.biggest_home_lead, summary.biggest_away_lead) == (2, 2)
    assert (summary.biggest_run, summary.biggest_run_team) == (4, "New York Knicks")
    assert summary.lead_changes == 1


def test_a_game_first_seen_after_its_tip_off_is_known_from_then() -> None:
    """Seen scheduled, or first in play at 0-0 or after one basket: whole; first in play at 60-58 in Q3: partial."""
    scheduled = g(status="scheduled", period=0, clock="12:00", home_score=0, away_score=0)
    first_basket = g(period=1, clock="11:40", home_score=0, away_score=2)
    assert known_from([scheduled, first_basket]) == FROM_TIP_OFF
    assert known_from([first_basket, g(home_score=60, away_score=58)]) == FROM_TIP_OFF
    assert known_from([scheduled]) == FROM_TIP_OFF
    assert known_from([]) == FROM_TIP_OFF
    joined = g(period=3, clock="07:12", home_score=60, away_score=58)
    assert known_from([joined, first_basket]) == KnownFrom(partial=True, period=3, clock="07:12")
    # Seen scheduled, then nothing until the third quarter (a gap): known from the third quarter.
    assert known_from([scheduled, joined]) == KnownFrom(partial=True, period=3, clock="07:12")


def test_a_partial_summary_says_from_when() -> None:
    """The summary carries the partial mark and the period and clock its figures start from."""
    joined = KnownFrom(partial=True, period=2, clock="05:12")
    summary = summarize(g(home_score=61, away_score=58), [(40, 45), (61, 58)], [0.4, 0.6], joined)
    assert (summary.partial, summary.known_from_period, summary.known_from_clock) == (True, 2, "05:12")
    whole = summarize(g(home_score=61, away_score=58), [(2, 0), (61, 58)], [0.4, 0.6], FROM_TIP_OFF)
    assert (whole.partial, whole.known_from_period, whole.known_from_clock) == (False, None, None)
