"""The simulated game against real ones: scoring level, flow shape, overtime, margins."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest

from lib.analytics.flow import flow_stats
from lib.feed.flows import GameFlow
from lib.feed.sources.simulated import simulate_game
from lib.feed.teams import TEAMS, pregame_margin
from lib.model.stern import STERN_SIGMA as SIGMA
from lib.protocol import (
    period_seconds,
)

SIMULATED_GAMES = 4000
"""Enough for a standard error of about 2% of an SD on every mean, in about 3 s."""


# 2024-25 regular season, final scores (README era table, n = 1230).
MODERN_GAMES = 1230
MODERN_TOTAL = (227.65, 19.79)
MODERN_MARGIN = (1.63, 15.89)
MODERN_HOME_WIN_RATE = 0.544

SMALL_EFFECT = 0.2
"""Cohen's "small" effect: flow-shape means may differ from the real file by this many real SDs.

The simulator is tuned to 2024-25 scoring (wider margins, more threes), which the 2015-16
file cannot show, so its flow shape is a compromise; a difference below a fifth of the
game-to-game spread is one a viewer could not notice."""

LEVEL_EFFECT = 0.05
"""The scoring level is tuned directly to 2024-25, so it must match more closely."""


@dataclass(frozen=True)
class Sample:
    """Per-game values of one statistic: mean, SD and size, as the tolerances need them."""

    values: Sequence[float]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @property
    def sd(self) -> float:
        return statistics.stdev(self.values)


def _tolerance(real_sd: float, real_n: int, sim_sd: float, sim_n: int, effect: float) -> float:
    """Allowed |simulated - real| for a mean: an effect-size allowance plus 3 standard errors.

    The standard error of the difference of two independent sample means comes from both
    samples' own spreads and sizes, so the tolerance is derived from the data rather than
    picked; the effect term (a fraction of the real SD) is the designed compromise.
    """
    standard_error = math.sqrt(real_sd**2 / real_n + sim_sd**2 / sim_n)
    return effect * real_sd + 3 * standard_error


def _assert_mean_close(sim: Sample, real_mean: float, real_sd: float, real_n: int, effect: float) -> None:
    tolerance = _tolerance(real_sd, real_n, sim.sd, len(sim.values), effect)
    assert abs(sim.mean - real_mean) <= tolerance, (sim.mean, real_mean, tolerance)


def _assert_sd_close(sim: Sample, real_sd: float, real_n: int, effect: float) -> None:
    """An SD's standard error is about SD / sqrt(2 (n - 1)); the same allowance as for means."""
    standard_error = math.sqrt(real_sd**2 / (2 * (real_n - 1)) + sim.sd**2 / (2 * (len(sim.values) - 1)))
    tolerance = effect * real_sd + 3 * standard_error
    assert abs(sim.sd - real_sd) <= tolerance, (sim.sd, real_sd, tolerance)


def _assert_share_close(sim_share: float, sim_n: int, real_share: float, real_n: int) -> None:
    """A share's SD is sqrt(p (1 - p)): 3 standard errors of the difference, no allowance."""
    standard_error = math.sqrt(real_share * (1 - real_share) / real_n + sim_share * (1 - sim_share) / sim_n)
    assert abs(sim_share - real_share) <= 3 * standard_error, (sim_share, real_share, standard_error)


@pytest.fixture(scope="module")
def simulated() -> list[tuple[GameFlow, float]]:
    """Simulated games between random pairs of teams, each with its pregame margin, from a fixed seed."""
    rng = random.Random(2025)
    games = []
    for _ in range(SIMULATED_GAMES):
        home, away = rng.sample(TEAMS, 2)
        games.append((simulate_game(rng, home, away).flow, pregame_margin(home, away)))
    return games


def _per_game(games: Sequence[GameFlow], statistic: Callable[[GameFlow], float]) -> Sample:
    return Sample([statistic(game) for game in games])


def _margin(game: GameFlow) -> float:
    home, away = game.final_score
    return home - away


def _one_point_share(game: GameFlow) -> float:
    points = [sum(now) - sum(before) for before, now in zip([(0, 0), *game.scores], game.scores, strict=False)]
    return points.count(1) / len(points)


def _three_point_share(games: Sequence[GameFlow]) -> float:
    points = [
        sum(now) - sum(before)
        for game in games
        for before, now in zip([(0, 0), *game.scores], game.scores, strict=False)
    ]
    return points.count(3) / len(points)


# --- simulated games ---------------------------------------------------------------------------


def test_simulated_flows_are_well_formed(simulated: list[tuple[GameFlow, float]]) -> None:
    """Every simulated flow is a real game: one side scores 1-3 at a time, clocks run down, no tie at the end."""
    for game, _ in simulated:
        previous_score, previous_time = (0, 0), (1, -period_seconds(1))
        for event in game.events:
            home_points = event.home_score - previous_score[0]
            away_points = event.away_score - previous_score[1]
            assert sorted((home_points, away_points)) in ([0, 1], [0, 2], [0, 3])
            assert 0 <= event.seconds_left_in_period <= period_seconds(event.period)
            time = (event.period, -event.seconds_left_in_period)
            assert time >= previous_time
            previous_score, previous_time = (event.home_score, event.away_score), time
        home, away = game.final_score
        assert home != away
        regulation = [event for event in game.events if event.period <= 4]
        assert (regulation[-1].home_score == regulation[-1].away_score) == (game.periods > 4)


def test_same_seed_same_game() -> None:
    """A game is a function of the random state: the same seed plays the same game."""
    home, away = TEAMS[0], TEAMS[1]
    assert simulate_game(random.Random(9), home, away) == simulate_game(random.Random(9), home, away)
    assert simulate_game(random.Random(9), home, away) != simulate_game(random.Random(10), home, away)


POINTS = {"three": 3, "two": 2, "free_throw": 1, "turnover": 0}

# 2024-25 per game, both teams (NBA.com league averages, rounded): what the demo's missed shots and
# turnovers are tuned to. The simulator gives a possession one shot (no offensive rebounds), so
# it misses fewer twos than real teams do.
MODERN_TURNOVERS = 28.0
MODERN_MISSED_THREES = 48.0
MODERN_FREE_THROWS = 44.0


def test_a_games_actions_are_its_scoring_changes_and_its_misses_and_turnovers() -> None:
    """The made actions are the flow's scoring changes; a miss or turnover leaves the score; the counts are real."""
    rng = random.Random(21)
    counts: dict[str, list[int]] = {"turnover": [], "missed three": [], "free throw": []}
    for _ in range(200):
        home, away = rng.sample(TEAMS, 2)
        game = simulate_game(rng, home, away)
        made = [action for action in game.actions if action.made]
        assert [(a.period, a.seconds_left_in_period, a.home_score, a.away_score) for a in made] == [
            (e.period, e.seconds_left_in_period, e.home_score, e.away_score) for e in game.flow.events
        ]
        before = (0, 0)
        for action in game.actions:
            points = POINTS[action.kind] if action.made else 0
            assert not (action.kind == "turnover" and action.made)
            assert (action.home_score, action.away_score) == (
                (before[0] + points, before[1]) if action.home else (before[0], before[1] + points)
            )
            before = (action.home_score, action.away_score)
        counts["turnover"].append(sum(a.kind == "turnover" for a in game.actions))
        counts["missed three"].append(sum(a.kind == "three" and not a.made for a in game.actions))
        counts["free throw"].append(sum(a.kind == "free_throw" for a in game.actions))
    assert statistics.mean(counts["turnover"]) == pytest.approx(MODERN_TURNOVERS, rel=0.15)
    assert statistics.mean(counts["missed three"]) == pytest.approx(MODERN_MISSED_THREES, rel=0.15)
    assert statistics.mean(counts["free throw"]) == pytest.approx(MODERN_FREE_THROWS, rel=0.15)


def test_flow_shape_matches_the_real_file(simulated: list[tuple[GameFlow, float]], real_games: list[GameFlow]) -> None:
    """Lead changes, ties, largest lead, winner's deficit and biggest run are close to the real games'."""
    sim_stats = [flow_stats(game.scores) for game, _ in simulated]
    real_stats = [flow_stats(game.scores) for game in real_games]
    for statistic in (
        lambda s: s.lead_changes,
        lambda s: s.times_tied,
        lambda s: s.largest_lead.either,
        lambda s: s.largest_deficit_overcome,
        lambda s: s.biggest_run.points,
    ):
        real = Sample([statistic(s) for s in real_stats])
        _assert_mean_close(Sample([statistic(s) for s in sim_stats]), real.mean, real.sd, len(real_games), SMALL_EFFECT)


def test_overtime_share_matches_the_real_file(
    simulated: list[tuple[GameFlow, float]], real_games: list[GameFlow]
) -> None:
    """Games go to overtime as often as real ones (6.3%)."""
    sim_share = statistics.fmean(game.periods > 4 for game, _ in simulated)
    real_share = statistics.fmean(game.periods > 4 for game in real_games)
    _assert_share_close(sim_share, len(simulated), real_share, len(real_games))


def test_scoring_changes_are_modern(simulated: list[tuple[GameFlow, float]], real_games: list[GameFlow]) -> None:
    """Free throws are as common as in the real file; threes and scoring changes a little more common, as today."""
    sim_games = [game for game, _ in simulated]
    real_one = _per_game(real_games, _one_point_share)
    sim_one = _per_game(sim_games, _one_point_share)
    _assert_mean_close(sim_one, real_one.mean, real_one.sd, len(real_games), SMALL_EFFECT)
    # The modern game makes about 27 threes a game against the file's 17: more, but not absurdly so.
    real_three = _three_point_share(real_games)
    assert real_three < _three_point_share(sim_games) < real_three + 0.1
    # Slightly more scoring changes, within one game-to-game SD of the real file.
    real_events = _per_game(real_games, lambda game: len(game.events))
    sim_events = _per_game(sim_games, lambda game: len(game.events)).mean
    assert real_events.mean < sim_events < real_events.mean + real_events.sd


def test_scoring_level_matches_2024_25(simulated: list[tuple[GameFlow, float]]) -> None:
    """Total points and home margin (mean and SD) and the home win rate are those of 2024-25."""
    games = [game for game, _ in simulated]
    totals = _per_game(games, lambda game: sum(game.final_score))
    margins = _per_game(games, _margin)
    _assert_mean_close(totals, *MODERN_TOTAL, MODERN_GAMES, LEVEL_EFFECT)
    _assert_sd_close(totals, MODERN_TOTAL[1], MODERN_GAMES, LEVEL_EFFECT)
    _assert_mean_close(margins, *MODERN_MARGIN, MODERN_GAMES, LEVEL_EFFECT)
    _assert_sd_close(margins, MODERN_MARGIN[1], MODERN_GAMES, LEVEL_EFFECT)
    home_wins = statistics.fmean(margin > 0 for margin in margins.values)
    _assert_share_close(home_wins, len(games), MODERN_HOME_WIN_RATE, MODERN_GAMES)


def test_pregame_margin_and_sigma_describe_the_simulator(simulated: list[tuple[GameFlow, float]]) -> None:
    """Final margins center on the pregame margin (slope 1) and spread about it by Stern's sigma."""
    margins = [_margin(game) for game, _ in simulated]
    expected = [mu for _, mu in simulated]
    slope = statistics.linear_regression(expected, margins).slope
    residuals = Sample([margin - mu for margin, mu in zip(margins, expected, strict=True)])
    # Standard errors: slope about 13 / (8.3 * sqrt(4000)) = 0.025, residual SD about 0.15.
    assert slope == pytest.approx(1.0, abs=0.1)
    assert residuals.mean == pytest.approx(0.0, abs=0.75)
    assert residuals.sd == pytest.approx(SIGMA, abs=0.75)
