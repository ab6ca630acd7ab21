"""Fit the win-probability model of :mod:`lib.model` to the real games' margins, season by season.

Seasons are the unit of time: a fit uses the regular-season games of some seasons, each weighted
``discount ** (seasons before the last one)`` so that the league of the last seasons counts most.
It runs in three stages, each on what the model needs of it:

1. **Strength.** The home edge is the weighted mean home margin; a team's rating is its shrunk
   point differential per game, or its shrunk record alone, with its last season's record as a
   prior this season wears down when that is known; a back-to-back costs a team points (weights
   and shrinkage by least squares on the final margins).
2. **The game.** ``sigma``, the late share and the lead's shrink, by maximum likelihood of the
   results at every moment of every game, with both teams' points this season known.
3. **The score.** The last season's points per game and how many games of it a team's own points
   are worth, by least squares on the final totals.

The pieces tried and left out (:class:`Extras`: the record beside the point differential, the
strength the ratings leave unknown, a lead shrinking towards the expected lead) are fitted here
too, so that their out-of-time figures can be shown; lib's model is the fit without them.

The model is evaluated here vectorised (lib's works one state at a time, too slow for the fit's
many passes over a million states); ``bench/wp_margins.py`` checks this copy against lib's and
always reports lib's figures for the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from bench.margins import IN_PLAY, MOMENTS, Margins
from lib.model import MAX_PROBABILITY, MIN_PROBABILITY, Parameters
from lib.model.stern import OVERTIME_SHARE, REGULATION_SECONDS

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

Level = Literal["form+last+rest", "form+rest", "form+last", "form", "record+last+rest", "record", "home-edge"]
"""What is known of the teams: this season's points and records, or records, or nothing (the prior
names without their "+"), and with them, where named, each team's last season and rest days."""

LEVELS: Final[tuple[Level, ...]] = (
    "form+last+rest",
    "form+rest",
    "form+last",
    "form",
    "record+last+rest",
    "record",
    "home-edge",
)

FULL: Final[Level] = "form+last+rest"
"""Everything the model takes: the level its discount is chosen by."""

GAME_LEVEL: Final[Level] = "form"
"""The level the game (``sigma``, late share, lead shrink) is fitted with: this season's results,
which every source with the teams' results has, so that a call without last season or rest is
as good as before they were added. Fitted with everything known instead, the Brier score with
everything known gains 0.00002 and the pregame one without them loses 0.0002 (``docs/model.md``)."""


FITTED_UNKNOWN: Final[tuple[Level, ...]] = (FULL, "record+last+rest", "home-edge")
"""The levels whose margins the strength the ratings leave unknown is fitted to (a tried piece)."""


def knows(level: Level, what: Literal["form", "record", "last", "rest"]) -> bool:
    """Whether ``level`` knows ``what``: this season's points (form), only its records, last season, rest."""
    return what in level.split("+")


NO_SHRINK: Final = 1e-6
"""The prior games of a fit that does not shrink a team's first games (0 would divide 0 by 0 before its first)."""


@dataclass(frozen=True)
class Choices:
    """The modelling choices a fit makes, each one justified by its out-of-time figures in ``docs/model.md``.

    The defaults are lib's model; the others are the alternatives tried.

    Attributes:
        discount: The weight of a season relative to the next.
        shrink_first_games: Shrink a team's form towards average by fitted prior games (else take it as it is).
        carry_over: Start a team from last season's record where it is known (else from average).
        back_to_back: Take off points for a team on the second night of a back-to-back.
        late_spread: Let the end game swing more than the average minute.
        lead_shrink: Shrink the lead towards 0, not at all, or towards the lead the strengths predict (tried).
        record_with_differential: Add the record to the point differential when both are known (tried).
        strength_uncertainty: Model what the ratings leave unknown of the strengths (tried).
        late_home_edge: Give the home team an edge of its own in the end game, on top of the pregame margin's (tried).
    """

    discount: float
    shrink_first_games: bool = True
    carry_over: bool = True
    back_to_back: bool = True
    late_spread: bool = True
    lead_shrink: Literal["to zero", "none", "to expected"] = "to zero"
    record_with_differential: bool = False
    strength_uncertainty: bool = False
    late_home_edge: bool = False


@dataclass(frozen=True)
class Extras:
    """The pieces tried and left out of lib's model; all zero is lib's model.

    Attributes:
        record_weight: The record's weight beside the point differential, per ``(wins - losses) / games``.
        record_prior_games: Games of a .500 record added to a team's own, for that.
        strength_variance: The variance of a team's strength about average, points squared: what a
            rating does not know widens the final margin's spread and makes a lead count more (a
            lead is evidence of strength: Bayes' rule on a Brownian motion whose drift is uncertain).
        form_variance_games: What is left of it after ``n`` games with points: ``g / (n + g)``.
        record_variance_games: The same ``g`` with records only, ...
        record_variance_floor: ... which never tell more than ``1 - floor`` of it: ``(g + floor * n) / (n + g)``.
        shrink_to_expected: How much of the lead's shrink goes towards the lead the strengths predict, in [0, 1].
        late_home_edge: Points added to the home team's expected margin times ``sqrt(r)``: an edge
            that grows, relative to the time left, as the game ends (close games, free throws, the crowd).
    """

    record_weight: float = 0.0
    record_prior_games: float = 1.0
    strength_variance: float = 0.0
    form_variance_games: float = 1.0
    record_variance_games: float = 1.0
    record_variance_floor: float = 0.0
    shrink_to_expected: float = 0.0
    late_home_edge: float = 0.0


@dataclass(frozen=True)
class Fitted:
    """What a fit gives: lib's parameters, and the pieces it tried beside them (zero unless chosen)."""

    parameters: Parameters
    extras: Extras = Extras()


# --- The model, vectorised ----------------------------------------------------------------------


def normal_cdf(z: Floats) -> Floats:
    """The standard normal CDF via Abramowitz & Stegun 7.1.26 (error below 1e-7)."""
    x = np.abs(z) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1.0 - poly * np.exp(-x * x)
    return np.asarray(0.5 * (1.0 + np.sign(z) * erf), dtype=np.float64)


def _outcome(
    lead: Floats, left: Floats, mu: Floats, unknown: Floats, scale: Floats, p: Parameters, x: Extras
) -> tuple[Floats, Floats, Floats]:
    played = 1.0 - left
    root = np.sqrt(left)
    weight = 1.0 / (1.0 + p.lead_shrink * root)
    shape = (1.0 - p.late_share) * left + p.late_share * root
    variance = (p.sigma * scale) ** 2
    noise_so_far = variance * np.maximum(1.0 - shape, 0.0)
    evidence = unknown * played * played + noise_so_far
    some = evidence > 0.0
    safe = np.where(some, evidence, 1.0)
    # What the lead says of the strength difference: a normal prior, a normal observation.
    learned = np.where(some, left * unknown * played / safe, 0.0)
    strength_left = np.where(some, unknown * noise_so_far / safe, unknown)
    mean = lead * weight + mu * (left + x.shrink_to_expected * (1.0 - weight) * played) + learned * (lead - mu * played)
    mean += x.late_home_edge * root
    # A zero spread (the buzzer) becomes a tiny one: the same certain win, tie or loss.
    spread = np.maximum(np.sqrt(variance * shape + left * left * strength_left), 1e-12)
    below_win = normal_cdf((0.5 - mean) / spread)
    below_tie = normal_cdf((-0.5 - mean) / spread)
    return 1.0 - below_win, below_win - below_tie, below_tie


def probability(
    lead: Floats, left: Floats, game: Ints, mu: Floats, unknown: Floats, fitted: Fitted, scale: Floats | None = None
) -> Floats:
    """:func:`lib.model.home_win_probability` of many states at once (with the extras, when a fit chose them).

    Args:
        lead: Each state's home lead.
        left: Each state's share of regulation left.
        game: Each state's game, an index into ``mu`` and ``unknown``.
        mu: Each game's pregame margin.
        unknown: Each game's variance of the strength difference that ``mu`` leaves unknown (0 in lib's model).
        fitted: The model's numbers.
        scale: Each game's factor on ``sigma`` (1 in lib's model; ``bench/wp_spread.py`` tries others).
    """
    p, x = fitted.parameters, fitted.extras
    scale = np.ones_like(mu) if scale is None else scale
    win, tie, _ = _outcome(lead, left, mu[game], unknown[game], scale[game], p, x)
    overtime = np.full_like(mu, OVERTIME_SHARE)
    ot_win, _, ot_loss = _outcome(np.zeros_like(mu), overtime, mu, unknown, scale, p, x)
    return np.clip(win + tie * (ot_win / (ot_win + ot_loss))[game], MIN_PROBABILITY, MAX_PROBABILITY)


def _rating(fitted: Fitted, level: Level, data: Margins, side: int) -> tuple[Floats, Floats]:
    """Each game's rating of one side's team, and the variance of its strength that the rating leaves unknown."""
    p, x = fitted.parameters, fitted.extras
    games = (data.wins + data.losses)[:, side].astype(np.float64)
    balance = (data.wins - data.losses)[:, side].astype(np.float64)
    differential = (data.points_for - data.points_against)[:, side].astype(np.float64)
    if knows(level, "last"):
        carry, last = last_balance(data, side)
        carried = p.carry_weight * carry * p.carry_games / (games + p.carry_games)
    else:
        last, carried = np.zeros_like(games, dtype=np.bool_), np.zeros_like(games)
    if knows(level, "form"):
        weight = np.where(last, p.carried_diff_weight, p.diff_weight)
        rating = weight * differential / (games + np.where(last, p.carried_diff_prior_games, p.diff_prior_games))
        rating += x.record_weight * balance / (games + x.record_prior_games)
        return rating + carried, x.strength_variance * x.form_variance_games / (games + x.form_variance_games)
    if knows(level, "record"):
        weight = np.where(last, p.carried_record_weight, p.record_weight)
        rating = weight * balance / (games + np.where(last, p.carried_record_prior_games, p.record_prior_games))
        left = (x.record_variance_games + x.record_variance_floor * games) / (games + x.record_variance_games)
        return rating + carried, x.strength_variance * left
    return np.zeros_like(games), np.full_like(games, x.strength_variance)


def last_balance(data: Margins, side: int) -> tuple[Floats, npt.NDArray[np.bool_]]:
    """One side's ``(wins - losses) / games`` last season (0 where unknown), and where it is known."""
    wins, losses = data.last_wins[:, side], data.last_losses[:, side]
    known = wins >= 0
    games = np.where(known, wins + losses, 1).astype(np.float64)
    return np.where(known & (games > 0), (wins - losses) / np.maximum(games, 1.0), 0.0), known


def back_to_back(data: Margins, side: int) -> Floats:
    """1 where one side's team plays the second night of a back-to-back."""
    return np.asarray(data.rest_days[:, side] == 1, dtype=np.float64)


def rest_column(data: Margins, home_share: float, away_share: float) -> Floats:
    """What the teams' rest adds to the home margin, per point a back-to-back costs.

    Each team counts against the average team in its place (home or away); a team whose rest is
    unknown, as before its first game of the season, counts as average, as lib's model does.
    """
    terms = []
    for side, share in ((0, home_share), (1, away_share)):
        terms.append(np.where(data.rest_days[:, side] > 0, share - back_to_back(data, side), 0.0))
    return np.asarray(terms[0] - terms[1], dtype=np.float64)


def prior(data: Margins, fitted: Fitted, level: Level) -> tuple[Floats, Floats]:
    """Every game's pregame margin and the variance of the strength difference it leaves unknown."""
    p = fitted.parameters
    home, home_left = _rating(fitted, level, data, 0)
    away, away_left = _rating(fitted, level, data, 1)
    mu = p.home_edge + home - away
    if knows(level, "rest"):
        mu += p.back_to_back * rest_column(data, p.home_back_to_back_share, p.away_back_to_back_share)
    return mu, home_left + away_left


@dataclass(frozen=True)
class States:
    """The in-play states of some games (tip-off to 5 s left), flattened game by game."""

    game: Ints
    lead: Floats
    seconds: Floats
    outcome: Ints

    @property
    def left(self) -> Floats:
        """The share of regulation left."""
        return self.seconds / REGULATION_SECONDS


def states(data: Margins, games: Ints) -> States:
    """The in-play states of ``games``."""
    return States(
        game=np.repeat(games, IN_PLAY),
        lead=data.lead[games, :IN_PLAY].ravel(),
        seconds=np.tile(MOMENTS[:IN_PLAY], len(games)),
        outcome=np.repeat(data.outcome[games], IN_PLAY),
    )


def state_probability(data: Margins, at: States, fitted: Fitted, level: Level) -> Floats:
    """The model's probability at each state, with what ``level`` knows of the teams."""
    mu, unknown = prior(data, fitted, level)
    return probability(at.lead, at.left, at.game, mu, unknown, fitted)


def paired_difference(ours: Floats, theirs: Floats, game: Ints) -> tuple[float, float]:
    """The mean per-prediction difference of two losses, and its standard error.

    A game's predictions share one outcome, so they are far from independent: the error
    treats games as clusters (the sandwich estimator), not predictions as a sample.
    """
    difference = ours - theirs
    mean = float(np.mean(difference))
    _, cluster = np.unique(game, return_inverse=True)
    games = int(cluster.max()) + 1
    residual = np.bincount(cluster, weights=difference - mean, minlength=games)
    error = math.sqrt(float(np.sum(residual**2)) * games / (games - 1)) / len(difference)
    return mean, error


# --- Fitting ------------------------------------------------------------------------------------


def nelder_mead(
    loss: Callable[[Floats], float], start: Sequence[float], step: float = 0.5, tolerance: float = 1e-10
) -> Floats:
    """Minimise ``loss`` with the Nelder-Mead simplex (reflect, expand, contract, shrink).

    Derivative-free on purpose: the clipping of the model's output makes the loss kinked.
    Stops when the simplex's losses agree to ``tolerance`` or after 2,000 steps.
    """
    simplex = [np.asarray(start, dtype=np.float64)]
    simplex += [simplex[0] + step * np.eye(len(start))[i] for i in range(len(start))]
    losses = [loss(point) for point in simplex]
    for _ in range(2000):
        order = np.argsort(losses)
        simplex, losses = [simplex[i] for i in order], [losses[i] for i in order]
        if losses[-1] - losses[0] < tolerance:
            break
        centre = np.mean(simplex[:-1], axis=0)
        reflected = centre + (centre - simplex[-1])
        reflected_loss = loss(reflected)
        if reflected_loss < losses[0]:
            expanded = centre + 2.0 * (centre - simplex[-1])
            expanded_loss = loss(expanded)
            simplex[-1], losses[-1] = (
                (expanded, expanded_loss) if expanded_loss < reflected_loss else (reflected, reflected_loss)
            )
        elif reflected_loss < losses[-2]:
            simplex[-1], losses[-1] = reflected, reflected_loss
        else:
            contracted = centre + 0.5 * (simplex[-1] - centre)
            contracted_loss = loss(contracted)
            if contracted_loss < losses[-1]:
                simplex[-1], losses[-1] = contracted, contracted_loss
            else:
                simplex = [simplex[0]] + [simplex[0] + 0.5 * (point - simplex[0]) for point in simplex[1:]]
                losses = [losses[0]] + [loss(point) for point in simplex[1:]]
    return simplex[int(np.argmin(losses))]


def season_weights(data: Margins, games: Ints, discount: float) -> Floats:
    """``discount ** (seasons before the last of games)`` for each game."""
    return np.asarray(discount ** (data.season[games].max() - data.season[games]), dtype=np.float64)


def _solve(design: Floats, target: Floats, weight: Floats) -> tuple[Floats, float]:
    """Weighted least squares: the coefficients and the weighted mean squared residual."""
    root = np.sqrt(weight)
    coefficients = np.linalg.lstsq(design * root[:, None], target * root, rcond=None)[0]
    residual = target - design @ coefficients
    return np.asarray(coefficients, dtype=np.float64), float(np.sum(weight * residual**2) / np.sum(weight))


def least_squares(columns: list[Floats], target: Floats, weight: Floats) -> tuple[Floats, float]:
    """Weighted least squares of ``target`` on an intercept and ``columns``: coefficients, mean squared residual."""
    return _solve(np.column_stack([np.ones_like(target), *columns]), target, weight)


def per_game(data: Margins, games: Ints, prior_games: float, values: Ints) -> Floats:
    """Home minus away of ``values / (games played + prior_games)``."""
    played = (data.wins + data.losses)[games].astype(np.float64)
    shrunk = values[games].astype(np.float64) / (played + prior_games)
    return np.asarray(shrunk[:, 0] - shrunk[:, 1], dtype=np.float64)


def carried_column(data: Margins, games: Ints, carry_games: float) -> Floats:
    """Home minus away of last season's ``(wins - losses) / games`` times ``carry_games / (games + carry_games)``."""
    played = (data.wins + data.losses)[games].astype(np.float64)
    sides = [last_balance(data, side)[0][games] * carry_games / (played[:, side] + carry_games) for side in (0, 1)]
    return np.asarray(sides[0] - sides[1], dtype=np.float64)


def _fit_strength(data: Margins, games: Ints, weight: Floats, choices: Choices) -> Fitted:
    """The home edge, the ratings' weights and shrinkage, the carry-over and the back-to-back's cost.

    One least-squares fit of both levels at once (the games' rows twice: with their points, and
    with their records only) gives what the levels share, last season's weight and the
    back-to-back's cost, from the games whose two teams' last seasons are known; the ratings of
    teams whose last season is unknown are fitted after it, with those effects as they are.
    """
    margin = (data.home_final - data.away_final)[games].astype(np.float64)
    differential = data.points_for - data.points_against
    balance = data.wins - data.losses
    fixed = None if choices.shrink_first_games else NO_SHRINK
    shares = [float(np.sum(weight * back_to_back(data, side)[games]) / np.sum(weight)) for side in (0, 1)]
    rested = rest_column(data, *shares)[games]
    both_known = np.all(data.last_wins[games] >= 0, axis=1)
    kept = both_known if choices.carry_over else np.ones_like(both_known)
    rows, row_margin, row_weight, row_rested = games[kept], margin[kept], weight[kept], rested[kept]

    def both_fit(point: Floats) -> tuple[Floats, float]:
        zero, one = np.zeros(len(rows)), np.ones(len(rows))
        columns = [
            np.r_[one, zero],
            np.r_[zero, one],
            np.r_[per_game(data, rows, fixed or math.exp(point[0]), differential), zero],
            np.r_[zero, per_game(data, rows, fixed or math.exp(point[1]), balance)],
        ]
        if choices.carry_over:
            carried = carried_column(data, rows, math.exp(point[2]))
            columns.append(np.r_[carried, carried])
        if choices.back_to_back:
            columns.append(np.r_[row_rested, row_rested])
        if choices.record_with_differential:
            columns.append(np.r_[per_game(data, rows, fixed or math.exp(point[3]), balance), zero])
        return _solve(np.column_stack(columns), np.r_[row_margin, row_margin], np.r_[row_weight, row_weight])

    start = [math.log(20.0), math.log(20.0), math.log(7.0)] + [math.log(10.0)] * choices.record_with_differential
    both_point = nelder_mead(lambda point: both_fit(point)[1], start, step=0.5)
    both, _ = both_fit(both_point)
    shared = iter(both[4:])
    carry_weight = float(next(shared)) if choices.carry_over else 0.0
    cost = float(next(shared)) if choices.back_to_back else 0.0
    extra = (
        Extras(record_weight=float(next(shared)), record_prior_games=fixed or math.exp(float(both_point[3])))
        if choices.record_with_differential
        else Extras()
    )
    # Without last season: the same effects, as offsets, and the ratings alone.
    offset = margin - cost * rested

    def form_fit(point: Floats) -> tuple[Floats, float]:
        shown = offset - extra.record_weight * per_game(data, games, extra.record_prior_games, balance)
        return least_squares([per_game(data, games, fixed or math.exp(point[0]), differential)], shown, weight)

    def record_fit(point: Floats) -> tuple[Floats, float]:
        return least_squares([per_game(data, games, fixed or math.exp(point[0]), balance)], offset, weight)

    form_point = nelder_mead(lambda point: form_fit(point)[1], [math.log(10.0)], step=0.5)
    record_point = nelder_mead(lambda point: record_fit(point)[1], [math.log(10.0)], step=0.5)
    form_coefficients, _ = form_fit(form_point)
    record_coefficients, _ = record_fit(record_point)
    plain = (
        float(form_coefficients[1]),
        fixed or math.exp(float(form_point[0])),
        float(record_coefficients[1]),
        fixed or math.exp(float(record_point[0])),
    )
    # Without the carry-over a team whose last season is known is rated as one whose is not.
    carried = (
        (
            float(both[2]),
            fixed or math.exp(float(both_point[0])),
            float(both[3]),
            fixed or math.exp(float(both_point[1])),
        )
        if choices.carry_over
        else plain
    )
    parameters = Parameters(
        home_edge=float(np.sum(weight * margin) / np.sum(weight)),
        diff_weight=plain[0],
        diff_prior_games=plain[1],
        record_weight=plain[2],
        record_prior_games=plain[3],
        carried_diff_weight=carried[0],
        carried_diff_prior_games=carried[1],
        carried_record_weight=carried[2],
        carried_record_prior_games=carried[3],
        carry_weight=carry_weight,
        carry_games=math.exp(float(both_point[2])) if choices.carry_over else 1.0,
        back_to_back=cost,
        home_back_to_back_share=shares[0],
        away_back_to_back_share=shares[1],
        sigma=12.0,
        late_share=0.0,
        lead_shrink=0.0,
        expected_total=0.0,
        total_prior_games=1.0,
    )
    return Fitted(parameters, extra)


def _fit_unknown(data: Margins, games: Ints, weight: Floats, fitted: Fitted) -> Fitted:
    margin = (data.home_final - data.away_final)[games].astype(np.float64)

    def candidate(point: Floats) -> Fitted:
        extras = replace(
            fitted.extras,
            strength_variance=math.exp(point[1]),
            form_variance_games=math.exp(point[2]),
            record_variance_games=math.exp(point[3]),
            record_variance_floor=1.0 / (1.0 + math.exp(-point[4])),
        )
        return replace(fitted, extras=extras)

    def loss(point: Floats) -> float:
        noise = math.exp(2.0 * point[0])
        total = 0.0
        for level in FITTED_UNKNOWN:
            mu, unknown = prior(data, candidate(point), level)
            variance = noise + unknown[games]
            total += float(np.sum(weight * (np.log(variance) + (margin - mu[games]) ** 2 / variance)))
        return total / float(np.sum(weight))

    return candidate(nelder_mead(loss, [math.log(12.0), math.log(20.0), 1.0, 1.0, -2.0], step=0.5))


def _fit_game(data: Margins, games: Ints, weight: Floats, fitted: Fitted, choices: Choices) -> Fitted:
    at = states(data, games)
    state_weight = np.repeat(weight, IN_PLAY)
    mu, unknown = prior(data, fitted, GAME_LEVEL)
    left = at.left
    won = at.outcome == 1

    def candidate(point: Floats) -> Fitted:
        parameters = replace(
            fitted.parameters,
            sigma=math.exp(point[0]),
            late_share=1.0 / (1.0 + math.exp(-point[1])) if choices.late_spread else 0.0,
            lead_shrink=math.exp(point[2]) if choices.lead_shrink != "none" else 0.0,
        )
        extra = iter(point[3:])
        to_expected = 1.0 / (1.0 + math.exp(-next(extra))) if choices.lead_shrink == "to expected" else 0.0
        late_edge = float(next(extra)) if choices.late_home_edge else 0.0
        return Fitted(parameters, replace(fitted.extras, shrink_to_expected=to_expected, late_home_edge=late_edge))

    def loss(point: Floats) -> float:
        chance = probability(at.lead, left, at.game, mu, unknown, candidate(point))
        log_loss = -np.where(won, np.log(chance), np.log1p(-chance))
        return float(np.sum(state_weight * log_loss) / np.sum(state_weight))

    start = [math.log(12.0), -1.0, math.log(0.5)]
    start += [0.0] * ((choices.lead_shrink == "to expected") + choices.late_home_edge)
    return candidate(nelder_mead(loss, start, step=0.3, tolerance=1e-8))


def league_total(data: Margins, games: Ints) -> float:
    """Points per game, both teams, in the last regular season of ``games``."""
    last = games[data.season[games] == data.season[games].max()]
    return float(np.mean(data.home_final[last] + data.away_final[last]))


def season_before(data: Margins, games: Ints) -> Floats:
    """For each game, the points per game of the regular season before its own (its own for the first season)."""
    regular = np.flatnonzero(data.regular)
    seasons = np.unique(data.season[regular])
    by_season = {int(season): league_total(data, regular[data.season[regular] == season]) for season in seasons}
    return np.array([by_season.get(int(season) - 1, by_season[int(season)]) for season in data.season[games]])


def _fit_total(data: Margins, games: Ints, weight: Floats, fitted: Fitted) -> Fitted:
    total = (data.home_final + data.away_final)[games].astype(np.float64)
    points = (data.points_for + data.points_against)[games].sum(axis=1).astype(np.float64)
    played = (data.wins + data.losses)[games].sum(axis=1).astype(np.float64)
    # What is known before a season: the last one's points per game, which the model ships with.
    known = season_before(data, games)

    def loss(point: Floats) -> float:
        prior_games = math.exp(point[0])
        expected = (known * prior_games + points) / (prior_games + played)
        return float(np.sum(weight * (total - expected) ** 2) / np.sum(weight))

    prior_games = math.exp(float(nelder_mead(loss, [math.log(10.0)], step=0.5)[0]))
    parameters = replace(fitted.parameters, expected_total=league_total(data, games), total_prior_games=prior_games)
    return replace(fitted, parameters=parameters)


def fit(data: Margins, games: Ints, choices: Choices) -> Fitted:
    """Fit every parameter on the regular-season ``games``, seasons weighted by ``choices.discount``."""
    weight = season_weights(data, games, choices.discount)
    fitted = _fit_strength(data, games, weight, choices)
    if choices.strength_uncertainty:
        fitted = _fit_unknown(data, games, weight, fitted)
    fitted = _fit_game(data, games, weight, fitted, choices)
    return _fit_total(data, games, weight, fitted)
