"""The home team's chance of winning an NBA game from its score, its clock and what is known of the teams.

Stern's Brownian-motion frame (:mod:`lib.model.stern`) with what real games since 1996-97 show:

- **The pregame margin** ``mu`` is the betting line when there is one; otherwise the home edge of
  the league now plus the difference of the two teams' ratings: each team's point differential
  per game this season, or its record when that is all there is, shrunk towards average (a
  team's first games are trusted little) or, when its last season is known, towards last
  season's record; a team on the second night of a back-to-back loses about two points.
- **Leads shrink** while much time is left (``1 / (1 + k * sqrt(r))``), and **the end game swings
  more** than the average minute.
- **Overtime** is the last five minutes of a tied game; a tie at its end goes to another.

``docs/model.md`` has the fit and the out-of-time figures that justify each piece, and the pieces
tried and left out.

This module is pure: no I/O.
"""

from __future__ import annotations

import math
from typing import Final, Literal

from lib.model.checks import real, time_left
from lib.model.form import TeamForm, team_form
from lib.model.params import SHIPPED, Parameters
from lib.model.stern import OVERTIME_SHARE, rounded_outcome

MODEL_NAME: Final = "form-1996-2024"
"""The model's name, as predictions carry it, before the prior's suffix (:func:`prior_name`)."""

MIN_PROBABILITY: Final = 1e-4
"""The least chance the model gives either team while a game goes on.

A live game is never certain (a score can be corrected, a clock reset), and the page shows such
chances as "< 1 %". Out of time the model's longest odds were as long as they should be: at this
floor no underdog came back, and above it as many as expected did (``docs/model.md``).
"""

MAX_PROBABILITY: Final = 1.0 - MIN_PROBABILITY

Prior = Literal["+spread", "+form", "+record", "+home-edge"]
"""What the pregame margin is made of: the betting line, both teams' points, both teams' records
(one without points), or the home edge alone (a team unknown)."""


def _rating(form: TeamForm | None, parameters: Parameters) -> float:
    """A team's expected margin over an average team on a neutral floor, rested as teams are on average."""
    if form is None:
        return 0.0
    p, last = parameters, form.last_season
    if form.points_for is not None and form.points_against is not None:
        differential = form.points_for - form.points_against
        if last is None:
            return p.diff_weight * differential / (form.games + p.diff_prior_games)
        rating = p.carried_diff_weight * differential / (form.games + p.carried_diff_prior_games)
    else:
        balance = form.wins - form.losses
        if last is None:
            return p.record_weight * balance / (form.games + p.record_prior_games)
        rating = p.carried_record_weight * balance / (form.games + p.carried_record_prior_games)
    if last.games:
        # Last season is a prior this season's games wear down: it counts half after carry_games of them.
        carried = p.carry_weight * (last.wins - last.losses) / last.games
        rating += carried * p.carry_games / (form.games + p.carry_games)
    return rating


def _rest(form: TeamForm | None, share: float, parameters: Parameters) -> float:
    """What a team's rest is worth, against the average team's in its place (home or away)."""
    if form is None or form.rest_days is None:
        return 0.0
    return parameters.back_to_back * (share - (form.rest_days == 1))


def _prior(home: TeamForm | None, away: TeamForm | None, home_spread: float | None, parameters: Parameters) -> float:
    """The pregame expected home margin."""
    if home_spread is not None:
        return home_spread
    p = parameters
    strength = _rating(home, p) - _rating(away, p)
    return (
        p.home_edge + strength + _rest(home, p.home_back_to_back_share, p) - _rest(away, p.away_back_to_back_share, p)
    )


def final_margin(
    lead: float, left: float, pregame_margin: float, *, sigma: float, late_share: float, lead_shrink: float
) -> tuple[float, float]:
    """The mean and standard deviation of the margin once the share ``left`` of the game is played.

    The mean is ``lead / (1 + lead_shrink * sqrt(left)) + pregame_margin * left``; the variance
    ``sigma**2 * ((1 - late_share) * left + late_share * sqrt(left))``.

    Args:
        lead: Home score minus away score now.
        left: The share of regulation (or of the current overtime, per 48 minutes) still to play.
        pregame_margin: The expected final home margin over 48 minutes, in points.
        sigma: The standard deviation of a whole game's margin, in points.
        late_share: The share of that variance that falls off like ``sqrt(left)``, in [0, 1].
        lead_shrink: How much less a lead counts the more time is left, 0 or more.

    Returns:
        ``(mean, standard deviation)``, in points.
    """
    root = math.sqrt(left)
    mean = lead / (1.0 + lead_shrink * root) + pregame_margin * left
    return mean, sigma * math.sqrt((1.0 - late_share) * left + late_share * root)


def _margin(lead: float, left: float, mu: float, parameters: Parameters) -> tuple[float, float]:
    return final_margin(
        lead, left, mu, sigma=parameters.sigma, late_share=parameters.late_share, lead_shrink=parameters.lead_shrink
    )


def _chance(lead: float, left: float, mu: float, parameters: Parameters) -> float:
    win, tie, _ = rounded_outcome(*_margin(lead, left, mu, parameters))
    if tie > 0.0:
        ot_win, _, ot_loss = rounded_outcome(*_margin(0.0, OVERTIME_SHARE, mu, parameters))
        win += tie * ot_win / (ot_win + ot_loss)
    return min(max(win, MIN_PROBABILITY), MAX_PROBABILITY)


def home_win_probability(
    home_lead: float,
    seconds_left: float,
    overtime_seconds_left: float | None = None,
    home: TeamForm | None = None,
    away: TeamForm | None = None,
    home_spread: float | None = None,
    *,
    parameters: Parameters = SHIPPED,
) -> float:
    """The home team's chance of winning, from the score, the clock and what is known before tip-off.

    With ``r`` the share of regulation left (or of the current overtime, per 48 minutes), the
    lead ``L`` and the pregame margin ``mu`` (:func:`pregame_margin`), the margin at the end of the
    period that decides the game is normal, rounded to whole points (:func:`final_margin`): mean
    ``L / (1 + k * sqrt(r)) + mu * r``, variance ``sigma**2 * ((1 - a) * r + a * sqrt(r))``.
    A tie goes to an overtime, played as the last five minutes of a tied game.

    Args:
        home_lead: Home score minus away score now.
        seconds_left: Seconds left in regulation: 2880 at tip-off, 0 at its end and in overtime.
        overtime_seconds_left: In an overtime, the seconds left of it (300 at its start); ``None`` in regulation.
        home: The home team's regular-season form this season before the game, with its last
            season and rest days where known; ``None`` when unknown.
        away: The away team's form; ``None`` when unknown.
        home_spread: The pregame betting line, in points the home team is expected to win by; when
            given it is the pregame margin and the forms are not used.
        parameters: The model's numbers; the fitted ones unless a fit or a test gives others.

    Returns:
        The probability, strictly between 0 and 1: in [:data:`MIN_PROBABILITY`, :data:`MAX_PROBABILITY`].

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If a number is NaN or infinite, ``seconds_left`` is outside [0, 2880],
            ``overtime_seconds_left`` is outside [0, 300] or given while regulation goes on.
    """
    lead = real("home_lead", home_lead)
    left = time_left(seconds_left, overtime_seconds_left)
    mu = _prior(
        team_form("home", home),
        team_form("away", away),
        None if home_spread is None else real("home_spread", home_spread),
        parameters,
    )
    return _chance(lead, left, mu, parameters)


def pregame_margin(
    home: TeamForm | None = None,
    away: TeamForm | None = None,
    home_spread: float | None = None,
    *,
    parameters: Parameters = SHIPPED,
) -> float:
    """The expected final home margin before tip-off: the betting line, else the home edge and the forms.

    Args:
        home: The home team's form this season before the game; ``None`` when unknown.
        away: The away team's form; ``None`` when unknown.
        home_spread: The pregame betting line, in home points; it wins over the forms.
        parameters: The model's numbers.

    Returns:
        The margin, in points.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If ``home_spread`` is NaN or infinite.
    """
    spread = None if home_spread is None else real("home_spread", home_spread)
    return _prior(team_form("home", home), team_form("away", away), spread, parameters)


def prior_name(home: TeamForm | None = None, away: TeamForm | None = None, home_spread: float | None = None) -> Prior:
    """What the pregame margin is made of, as a prediction's model name ends: ``MODEL_NAME + prior_name(...)``.

    Args:
        home: The home team's form, or ``None``.
        away: The away team's form, or ``None``.
        home_spread: The pregame betting line, or ``None``.

    Returns:
        ``"+spread"`` with a line; else what is known of both teams: ``"+form"`` (their points),
        ``"+record"`` (at least their records) or ``"+home-edge"`` (a team is unknown, or neither
        has played this season and neither's last season is known: their forms tell nothing).

    Raises:
        TypeError: If a form is neither a TeamForm nor None, or the line not a number.
        ValueError: If the line is NaN or infinite.
    """
    home_form, away_form = team_form("home", home), team_form("away", away)
    if home_spread is not None:
        real("home_spread", home_spread)
        return "+spread"
    if home_form is None or away_form is None or not (_tells(home_form) or _tells(away_form)):
        return "+home-edge"
    if home_form.has_points and away_form.has_points:
        return "+form"
    return "+record"


def _tells(form: TeamForm) -> bool:
    """Whether a form moves the pregame margin off the home edge: games played, or last season known."""
    return form.games > 0 or form.last_season is not None


def home_spread_from_chance(chance: float, *, parameters: Parameters = SHIPPED) -> float:
    """The pregame margin whose chance under the model is ``chance``.

    For a betting market that quotes a moneyline and no point spread: the books' chance of a home
    win becomes the ``home_spread`` to pass on.

    Args:
        chance: The home team's pregame chance, strictly between 0 and 1.
        parameters: The model's numbers.

    Returns:
        The margin, in points.

    Raises:
        TypeError: If ``chance`` is not a number.
        ValueError: If ``chance`` is not strictly between 0 and 1.
    """
    value = real("chance", chance)
    if not 0.0 < value < 1.0:
        raise ValueError(f"chance must be strictly between 0 and 1, got {value}")
    low, high = -60.0, 60.0
    # The chance rises with the margin; bisection to a thousandth of a point is 17 steps.
    while high - low > 1e-3:
        middle = (low + high) / 2
        if _chance(0.0, 1.0, middle, parameters) < value:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def expected_total(
    home: TeamForm | None = None, away: TeamForm | None = None, *, parameters: Parameters = SHIPPED
) -> float:
    """The points both teams are expected to score in 48 minutes: the league's, moved by the teams' games.

    Args:
        home: The home team's form, or ``None``; only one with points counts.
        away: The away team's form, or ``None``.
        parameters: The model's numbers.

    Returns:
        The expected total, in points.
    """
    points = parameters.expected_total * parameters.total_prior_games
    games = parameters.total_prior_games
    for form in (team_form("home", home), team_form("away", away)):
        if form is not None and form.points_for is not None and form.points_against is not None:
            points += form.points_for + form.points_against
            games += form.games
    return points / games


def expected_final_score(
    home_score: float,
    away_score: float,
    seconds_left: float,
    overtime_seconds_left: float | None = None,
    home: TeamForm | None = None,
    away: TeamForm | None = None,
    home_spread: float | None = None,
    *,
    parameters: Parameters = SHIPPED,
) -> tuple[float, float]:
    """The expected final score of each team at the end of regulation or of the current overtime.

    The points still to come are :func:`expected_total`'s share of the time left, split so that the
    margin moves to the model's expected final margin (neither team is expected to lose points). An
    overtime that has not started yet is not included.

    Args:
        home_score: The home team's points now.
        away_score: The away team's points now.
        seconds_left: As :func:`home_win_probability` takes it.
        overtime_seconds_left: As :func:`home_win_probability` takes it.
        home: The home team's form, or ``None``.
        away: The away team's form, or ``None``.
        home_spread: The pregame betting line, or ``None``.
        parameters: The model's numbers.

    Returns:
        ``(home, away)`` expected points.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If a score is negative or a number is out of range, as for :func:`home_win_probability`.
    """
    home_points = real("home_score", home_score)
    away_points = real("away_score", away_score)
    if home_points < 0 or away_points < 0:
        raise ValueError(f"scores must be >= 0, got {home_points} and {away_points}")
    left = time_left(seconds_left, overtime_seconds_left)
    home_form, away_form = team_form("home", home), team_form("away", away)
    spread = None if home_spread is None else real("home_spread", home_spread)
    mu = _prior(home_form, away_form, spread, parameters)
    lead = home_points - away_points
    margin_to_come = _margin(lead, left, mu, parameters)[0] - lead
    points_to_come = expected_total(home_form, away_form, parameters=parameters) * left
    return (
        home_points + max(0.0, (points_to_come + margin_to_come) / 2),
        away_points + max(0.0, (points_to_come - margin_to_come) / 2),
    )
