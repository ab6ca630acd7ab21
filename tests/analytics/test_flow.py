"""The flow statistics, on hand-made flows, then on the real NBA file."""

from __future__ import annotations

import statistics

import pytest

from lib.analytics.flow import (
    FlowStats,
    LargestLead,
    Run,
    Side,
    biggest_run,
    flow_stats,
    largest_deficit_overcome,
    largest_lead,
    lead_changes,
    times_tied,
)
from lib.feed.flows import GameFlow

# Home leads 2-0, away ties and leads 2-5, home comes back to lead 9-5 and wins 9-7.
COMEBACK = [(2, 0), (2, 2), (2, 5), (4, 5), (6, 5), (7, 5), (9, 5), (9, 7)]


def test_lead_change_through_a_tie_counts_once() -> None:
    """A leads, tie, B leads is one lead change."""
    assert lead_changes([(2, 0), (2, 2), (2, 3)]) == 1


def test_lead_regained_after_a_tie_is_no_change() -> None:
    """A leads, tie, A leads again is no lead change."""
    assert lead_changes([(2, 0), (2, 2), (4, 2)]) == 0


def test_lead_changes_count_every_switch() -> None:
    """Each switch of the leading team counts, whether or not a tie came between."""
    assert lead_changes(COMEBACK) == 2
    assert lead_changes([(0, 2), (3, 2), (3, 5), (6, 5)]) == 3


def test_lead_changes_of_flows_without_a_leader() -> None:
    """An empty flow, or one that was only ever tied, has no lead change."""
    assert lead_changes([]) == 0
    assert lead_changes([(0, 0), (1, 1)]) == 0


def test_times_tied_counts_tying_changes_but_not_the_start() -> None:
    """Each scoring change that ties the game counts; the 0-0 start does not."""
    assert times_tied([(0, 0), (2, 0), (2, 2), (4, 2), (4, 4)]) == 2
    assert times_tied([]) == 0


def test_largest_lead_per_side_and_either() -> None:
    """The largest lead is kept per side, and either side's is the larger of the two."""
    lead = largest_lead(COMEBACK)
    assert lead == LargestLead(home=4, away=3)
    assert lead.either == 4


def test_largest_lead_of_a_side_that_never_led_is_zero() -> None:
    """A side that never led has a largest lead of 0, as has everyone in an empty flow."""
    assert largest_lead([(2, 0), (5, 0)]) == LargestLead(home=5, away=0)
    assert largest_lead([]) == LargestLead(home=0, away=0)


def test_largest_deficit_overcome_by_the_winner() -> None:
    """The winner's largest deficit is the loser's largest lead."""
    assert largest_deficit_overcome(COMEBACK) == 3
    assert largest_deficit_overcome([(0, 3), (0, 10), (12, 10)]) == 10


def test_largest_deficit_is_zero_when_the_winner_never_trailed() -> None:
    """A wire-to-wire winner overcame no deficit."""
    assert largest_deficit_overcome([(2, 0), (2, 2), (5, 2)]) == 0


def test_largest_deficit_without_a_winner_is_zero() -> None:
    """An empty flow or one ending tied has no winner, so no deficit overcome."""
    assert largest_deficit_overcome([]) == 0
    assert largest_deficit_overcome([(0, 5), (5, 5)]) == 0


def test_biggest_run_finds_the_largest_unanswered_stretch() -> None:
    """The biggest run is the most points one side scored while the other scored none."""
    assert biggest_run(COMEBACK) == Run(Side.HOME, 7, start=3, end=6)


def test_biggest_run_is_broken_by_any_answer() -> None:
    """A single point by the other side ends a run."""
    assert biggest_run([(3, 0), (6, 0), (6, 1), (9, 1)]) == Run(Side.HOME, 6, start=0, end=1)


def test_biggest_run_prefers_the_earliest_of_equal_runs() -> None:
    """Of two equally big runs, the first is reported."""
    assert biggest_run([(0, 3), (2, 3), (2, 6)]) == Run(Side.AWAY, 3, start=0, end=0)


def test_biggest_run_ignores_a_zero_start_and_breaks_on_a_double_step() -> None:
    """A 0-0 row scores nothing; a step where both sides scored ends the run and starts none."""
    assert biggest_run([(0, 0), (2, 0), (4, 3), (4, 5)]) == Run(Side.HOME, 2, start=1, end=1)


def test_biggest_run_of_an_empty_flow_is_none() -> None:
    """Nobody has a run before anybody scored."""
    assert biggest_run([]) is None
    assert biggest_run([(0, 0)]) is None


def test_biggest_run_rejects_a_decreasing_score() -> None:
    """A score that goes down is not a flow: it raises rather than miscounting."""
    with pytest.raises(ValueError, match="decreased"):
        biggest_run([(5, 0), (3, 0)])


def test_flow_stats_bundles_every_statistic() -> None:
    """flow_stats gives the same values as the single functions."""
    assert flow_stats(COMEBACK) == FlowStats(
        lead_changes=2,
        times_tied=1,
        largest_lead=LargestLead(home=4, away=3),
        largest_deficit_overcome=3,
        biggest_run=Run(Side.HOME, 7, start=3, end=6),
    )


def test_explicit_zero_start_changes_nothing_but_run_indices() -> None:
    """A flow with the 0-0 row measures the same as without it (run indices shift by one)."""
    with_start = flow_stats([(0, 0), *COMEBACK])
    without = flow_stats(COMEBACK)
    assert with_start.biggest_run == Run(Side.HOME, 7, start=4, end=7)
    assert with_start.lead_changes == without.lead_changes
    assert with_start.times_tied == without.times_tied
    assert with_start.largest_lead == without.largest_lead
    assert with_start.largest_deficit_overcome == without.largest_deficit_overcome


def test_real_games_reproduce_the_readme_figures(real_games: list[GameFlow]) -> None:
    """Over the real file the statistics match the README's published figures."""
    stats = [flow_stats(game.scores) for game in real_games]
    assert statistics.mean(s.lead_changes for s in stats) == pytest.approx(6.48, abs=0.005)
    assert statistics.median(s.lead_changes for s in stats) == 5
    assert statistics.mean(s.times_tied for s in stats) == pytest.approx(5.11, abs=0.005)
    assert statistics.mean(s.largest_lead.either for s in stats) == pytest.approx(18.13, abs=0.005)
    assert statistics.median(s.largest_lead.either for s in stats) == 17
    assert statistics.mean(s.largest_deficit_overcome for s in stats) == pytest.approx(6.32, abs=0.005)
    share_ten = sum(s.largest_deficit_overcome >= 10 for s in stats) / len(stats)
    assert share_ten == pytest.approx(0.237, abs=0.0005)
