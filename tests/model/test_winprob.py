"""The win-probability function's contract: names, range, monotony, priors, overtime, validation."""

from __future__ import annotations

import inspect
import itertools
import math
from dataclasses import replace
from typing import Any

import pytest

from lib.model import (
    MAX_PROBABILITY,
    MIN_PROBABILITY,
    SHIPPED,
    TeamForm,
    expected_final_score,
    expected_total,
    home_spread_from_chance,
    home_win_probability,
    pregame_margin,
    prior_name,
    stern_win_probability,
)

STRONG = TeamForm(wins=30, losses=10, points_for=4720, points_against=4400)
WEAK = TeamForm(wins=12, losses=28, points_for=4300, points_against=4560)
RECORD = TeamForm(wins=7, losses=8)
PRIORS: list[dict[str, Any]] = [
    {},
    {"home": STRONG, "away": WEAK},
    {"home": WEAK, "away": STRONG},
    {"home": RECORD, "away": None},
    {"home_spread": -9.5},
    {"home_spread": 0.0},
]
SECONDS = [2880.0, 2160.0, 1440.0, 720.0, 300.0, 60.0, 5.0, 0.5, 0.0]


def test_the_names_analysts_import() -> None:
    """The function takes exactly the documented arguments, in order, with their defaults."""
    signature = inspect.signature(home_win_probability)
    names = [name for name, parameter in signature.parameters.items() if parameter.kind is not parameter.KEYWORD_ONLY]
    assert names == ["home_lead", "seconds_left", "overtime_seconds_left", "home", "away", "home_spread"]
    assert [signature.parameters[name].default for name in names[2:]] == [None, None, None, None]
    assert list(TeamForm.__dataclass_fields__) == [
        "wins",
        "losses",
        "points_for",
        "points_against",
        "last_season",
        "rest_days",
    ]
    keyword_only = [name for name, field in TeamForm.__dataclass_fields__.items() if field.kw_only]
    assert keyword_only == ["last_season", "rest_days"]


def test_the_issue_example_is_a_probability() -> None:
    """The call as the issue writes it returns a float strictly between 0 and 1, favouring the better home team."""
    chance = home_win_probability(
        home_lead=5,
        seconds_left=1234.0,
        overtime_seconds_left=None,
        home=TeamForm(wins=10, losses=5, points_for=1700, points_against=1650),
        away=TeamForm(wins=7, losses=8),
        home_spread=None,
    )
    assert isinstance(chance, float)
    assert 0.5 < chance < 1.0


@pytest.mark.parametrize("prior", PRIORS)
def test_strictly_between_0_and_1_everywhere(prior: dict[str, Any]) -> None:
    """Huge leads at the buzzer, ties, overtimes: never 0 or 1, always within the documented clip."""
    for lead, seconds in itertools.product([-200, -60, -3, -1, 0, 1, 3, 60, 200], SECONDS):
        chance = home_win_probability(lead, seconds, **prior)
        assert MIN_PROBABILITY <= chance <= MAX_PROBABILITY
        assert 0.0 < chance < 1.0
    for lead, overtime in itertools.product([-50, -1, 0, 1, 50], [300.0, 100.0, 0.0]):
        assert 0.0 < home_win_probability(lead, 0, overtime, **prior) < 1.0
    assert home_win_probability(200, 0, **prior) == MAX_PROBABILITY
    assert home_win_probability(-200, 0, **prior) == MIN_PROBABILITY


@pytest.mark.parametrize("prior", PRIORS)
def test_monotonic_in_the_lead(prior: dict[str, Any]) -> None:
    """At any moment a bigger home lead never lowers the home team's chance, and strictly raises it while undecided."""
    for seconds in SECONDS[:-1]:
        chances = [home_win_probability(lead, seconds, **prior) for lead in range(-40, 41)]
        assert all(later >= earlier for earlier, later in itertools.pairwise(chances))
        undecided = [c for c in chances if MIN_PROBABILITY < c < MAX_PROBABILITY]
        assert len(set(undecided)) == len(undecided) > 1
    chances = [home_win_probability(lead, 0, 120.0, **prior) for lead in range(-10, 11)]
    assert all(later > earlier for earlier, later in itertools.pairwise(chances))


def test_a_lead_is_worth_more_as_time_runs_out() -> None:
    """With evenly matched teams, the same lead's chance rises as the clock runs down, in regulation and overtime."""
    for lead in (1, 4, 12):
        regulation = [home_win_probability(lead, seconds, home_spread=0.0) for seconds in SECONDS]
        overtime = [home_win_probability(lead, 0, seconds, home_spread=0.0) for seconds in (300, 200, 100, 10, 0)]
        for chances in (regulation, overtime):
            for earlier, later in itertools.pairwise(chances):
                assert later > earlier or later == earlier == MAX_PROBABILITY


def test_even_teams_tied_are_a_coin_flip() -> None:
    """A zero spread makes the game symmetric: a tie is 0.5 and a lead mirrors the same deficit."""
    for seconds in SECONDS:
        assert home_win_probability(0, seconds, home_spread=0.0) == pytest.approx(0.5, abs=1e-12)
        assert home_win_probability(4, seconds, home_spread=0.0) == pytest.approx(
            1.0 - home_win_probability(-4, seconds, home_spread=0.0), abs=1e-12
        )


def test_the_spread_beats_the_forms() -> None:
    """Given a betting line, the forms change nothing; the line sets the pregame margin and the chance rises with it."""
    for seconds in (2880.0, 1000.0, 30.0):
        with_line = home_win_probability(2, seconds, home_spread=-4.0)
        assert home_win_probability(2, seconds, None, STRONG, WEAK, -4.0) == with_line
        assert home_win_probability(2, seconds, None, WEAK, STRONG, -4.0) == with_line
    pregame = [home_win_probability(0, 2880, home_spread=spread) for spread in (-12.0, -3.0, 0.0, 3.0, 12.0)]
    assert all(later > earlier for earlier, later in itertools.pairwise(pregame))
    assert pregame_margin(STRONG, WEAK, home_spread=-4.0) == -4.0
    assert prior_name(STRONG, WEAK, -4.0) == "+spread"


def test_better_form_raises_the_chance() -> None:
    """The strong team is favoured at home and away, and more at home; the home edge favours the home team otherwise."""
    strong_home = home_win_probability(0, 2880, None, STRONG, WEAK)
    strong_away = home_win_probability(0, 2880, None, WEAK, STRONG)
    assert strong_home > home_win_probability(0, 2880) > 0.5 > strong_away
    assert strong_home - 0.5 > 0.5 - strong_away
    assert pregame_margin(STRONG, WEAK) > SHIPPED.home_edge == pregame_margin() > pregame_margin(WEAK, STRONG)


def test_an_unknown_team_is_a_team_without_games() -> None:
    """None means nothing known: the same chance as a team with no games yet, with or without points."""
    for lead, seconds in itertools.product((-5, 0, 7), (2880.0, 1440.0, 60.0)):
        unknown = home_win_probability(lead, seconds, None, None, RECORD)
        assert home_win_probability(lead, seconds, None, TeamForm(0, 0), RECORD) == pytest.approx(unknown, abs=1e-15)
        assert home_win_probability(lead, seconds, None, TeamForm(0, 0, 0, 0), RECORD) == pytest.approx(
            unknown, abs=1e-15
        )


def test_prior_names() -> None:
    """The prior is named after the line, or after what is known of both teams."""
    assert prior_name(STRONG, WEAK) == "+form"
    assert prior_name(STRONG, RECORD) == "+record"
    assert prior_name(RECORD, RECORD) == "+record"
    assert prior_name(STRONG, None) == "+home-edge"
    assert prior_name(TeamForm(0, 0, 0, 0), TeamForm(0, 0)) == "+home-edge"  # opening night: nothing known yet
    assert prior_name(TeamForm(0, 0, 0, 0), TeamForm(1, 0, 110, 100)) == "+form"
    assert prior_name() == "+home-edge"
    assert prior_name(home_spread=1.5) == "+spread"
    with pytest.raises(ValueError, match="home_spread"):
        prior_name(STRONG, WEAK, math.nan)


def test_overtime_is_the_end_of_a_tied_game() -> None:
    """A tie at the end of regulation is worth the start of an overtime; a lead there decides, and ties go on."""
    for prior in PRIORS:
        assert home_win_probability(0, 0, **prior) == pytest.approx(home_win_probability(0, 0, 300, **prior), abs=1e-12)
        assert home_win_probability(3, 0, 0, **prior) == MAX_PROBABILITY
        assert home_win_probability(0, 0, 0, **prior) == pytest.approx(home_win_probability(0, 0, **prior), abs=1e-12)
    assert home_win_probability(0, 0) > 0.5  # the home edge carries into overtime
    assert home_win_probability(0, 0) < home_win_probability(0, 2880)  # five minutes, not 48, to use it


def test_the_frame_is_sterns() -> None:
    """With every departure from Stern's model set to zero, the function is Stern's, overtime included."""
    stern_like = replace(SHIPPED, sigma=13.0, late_share=0.0, lead_shrink=0.0)
    for lead, seconds, mu in itertools.product((-8, -1, 0, 2, 15), (2880.0, 1700.0, 400.0, 20.0), (-6.0, 0.0, 3.5)):
        expected = min(max(stern_win_probability(lead, seconds / 2880, mu), MIN_PROBABILITY), MAX_PROBABILITY)
        got = home_win_probability(lead, seconds, home_spread=mu, parameters=stern_like)
        assert got == pytest.approx(expected, abs=1e-12)


def test_the_spread_from_a_moneyline_chance() -> None:
    """The margin found for a pregame chance gives that chance back, and an even chance gives an even game."""
    for chance in (0.1, 0.35, 0.5, 0.62, 0.9):
        spread = home_spread_from_chance(chance)
        assert home_win_probability(0, 2880, home_spread=spread) == pytest.approx(chance, abs=1e-4)
    assert home_spread_from_chance(0.5) == pytest.approx(0.0, abs=1e-3)
    for bad in (0.0, 1.0, -0.2, math.nan):
        with pytest.raises(ValueError, match="chance"):
            home_spread_from_chance(bad)


def test_expected_final_score() -> None:
    """The points to come follow the clock and the margin: none at the buzzer, more for the favourite, none lost."""
    assert expected_final_score(101, 99, 0) == (101.0, 99.0)
    home, away = expected_final_score(0, 0, 2880, home=STRONG, away=WEAK)
    assert home > away > 90
    assert home + away == pytest.approx(expected_total(STRONG, WEAK))
    teams = (4720 + 4400 + 4300 + 4560) / 80  # the two teams' own points per game, both sides
    assert min(teams, expected_total()) < expected_total(STRONG, WEAK) < max(teams, expected_total())
    assert expected_total(STRONG, WEAK) == pytest.approx(teams, abs=abs(teams - expected_total()) / 10)
    assert expected_total() == SHIPPED.expected_total
    late = expected_final_score(80, 110, 30)
    assert late[0] >= 80
    assert late[1] >= 110
    overtime = expected_final_score(110, 110, 0, 300, home_spread=3.0)
    assert overtime[0] > overtime[1] > 110
    with pytest.raises(ValueError, match="scores"):
        expected_final_score(-1, 0, 100)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"home_lead": 0, "seconds_left": -1.0}, ValueError, "seconds_left"),
        ({"home_lead": 0, "seconds_left": 2880.5}, ValueError, "seconds_left"),
        ({"home_lead": 0, "seconds_left": math.nan}, ValueError, "seconds_left"),
        ({"home_lead": math.nan, "seconds_left": 10.0}, ValueError, "home_lead"),
        ({"home_lead": math.inf, "seconds_left": 10.0}, ValueError, "home_lead"),
        ({"home_lead": "3", "seconds_left": 10.0}, TypeError, "home_lead"),
        ({"home_lead": True, "seconds_left": 10.0}, TypeError, "home_lead"),
        ({"home_lead": 0, "seconds_left": 10.0, "overtime_seconds_left": 100.0}, ValueError, "regulation is over"),
        ({"home_lead": 0, "seconds_left": 0.0, "overtime_seconds_left": 301.0}, ValueError, "overtime_seconds_left"),
        ({"home_lead": 0, "seconds_left": 0.0, "overtime_seconds_left": -0.5}, ValueError, "overtime_seconds_left"),
        ({"home_lead": 0, "seconds_left": 0.0, "overtime_seconds_left": math.nan}, ValueError, "overtime"),
        ({"home_lead": 0, "seconds_left": 10.0, "home_spread": math.nan}, ValueError, "home_spread"),
        ({"home_lead": 0, "seconds_left": 10.0, "home": (10, 5)}, TypeError, "home"),
        ({"home_lead": 0, "seconds_left": 10.0, "away": "BOS"}, TypeError, "away"),
    ],
)
def test_impossible_arguments_are_refused(arguments: dict[str, Any], error: type[Exception], message: str) -> None:
    """Each impossible input gets a clear error naming the argument, never a number."""
    with pytest.raises(error, match=message):
        home_win_probability(**arguments)


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"wins": -1, "losses": 0}, ValueError, "wins"),
        ({"wins": 0, "losses": -3}, ValueError, "losses"),
        ({"wins": 1.0, "losses": 0}, TypeError, "wins"),
        ({"wins": True, "losses": 0}, TypeError, "wins"),
        ({"wins": 2, "losses": 1, "points_for": 300}, ValueError, "together"),
        ({"wins": 2, "losses": 1, "points_for": None, "points_against": 300}, ValueError, "together"),
        ({"wins": 2, "losses": 1, "points_for": -1, "points_against": 300}, ValueError, "points_for"),
        ({"wins": 2, "losses": 1, "points_for": 300, "points_against": math.nan}, ValueError, "points_against"),
        ({"wins": 2, "losses": 1, "points_for": "300", "points_against": 300}, TypeError, "points_for"),
        ({"wins": 0, "losses": 0, "points_for": 100, "points_against": 90}, ValueError, "no games"),
        ({"wins": 2, "losses": 1, "rest_days": 0}, ValueError, "rest_days"),
        ({"wins": 2, "losses": 1, "rest_days": -2}, ValueError, "rest_days"),
        ({"wins": 2, "losses": 1, "rest_days": 1.0}, TypeError, "rest_days"),
        ({"wins": 2, "losses": 1, "rest_days": True}, TypeError, "rest_days"),
        ({"wins": 0, "losses": 0, "rest_days": 2}, ValueError, "no games"),
        ({"wins": 2, "losses": 1, "last_season": (40, 42)}, TypeError, "last_season"),
        ({"wins": 2, "losses": 1, "last_season": TeamForm(40, 42, rest_days=1)}, ValueError, "last_season"),
        (
            {"wins": 2, "losses": 1, "last_season": TeamForm(40, 42, last_season=TeamForm(50, 32))},
            ValueError,
            "last_season",
        ),
    ],
)
def test_impossible_forms_are_refused(fields: dict[str, Any], error: type[Exception], message: str) -> None:
    """A form that cannot be a team's season so far is refused when it is made."""
    with pytest.raises(error, match=message):
        TeamForm(**fields)


def test_without_the_new_fields_the_model_is_the_one_without_them() -> None:
    """Without last season or rest, the numbers fitted for those change no chance: old calls mean the same."""
    others = replace(
        SHIPPED,
        carried_diff_weight=9.0,
        carried_diff_prior_games=1.0,
        carried_record_weight=99.0,
        carried_record_prior_games=1.0,
        carry_weight=50.0,
        carry_games=99.0,
        back_to_back=20.0,
        home_back_to_back_share=0.9,
        away_back_to_back_share=0.0,
    )
    for prior in PRIORS:
        for lead, seconds in itertools.product((-6, 0, 3), (2880.0, 1000.0, 20.0)):
            assert home_win_probability(lead, seconds, **prior, parameters=others) == home_win_probability(
                lead, seconds, **prior
            )
        assert pregame_margin(**prior, parameters=others) == pregame_margin(**prior)


def test_last_season_counts_most_before_the_first_games() -> None:
    """A team that won 60 games last season is rated above average at first, less so as this season's games come in."""
    last = TeamForm(60, 22)
    opener = pregame_margin(TeamForm(0, 0, 0, 0, last_season=last), TeamForm(0, 0, 0, 0))
    assert opener - SHIPPED.home_edge == pytest.approx(SHIPPED.carry_weight * 38 / 82)
    even = TeamForm(20, 20, 4400, 4400)
    midseason = pregame_margin(TeamForm(20, 20, 4400, 4400, last_season=last), even)
    assert SHIPPED.home_edge < midseason < opener
    assert pregame_margin(TeamForm(0, 0, last_season=last), TeamForm(0, 0)) == opener  # records alike
    assert pregame_margin(TeamForm(0, 0, 0, 0, last_season=TeamForm(0, 0)), None) == SHIPPED.home_edge
    assert home_win_probability(0, 2880, None, TeamForm(0, 0, 0, 0, last_season=last), None) > home_win_probability(
        0, 2880
    )
    assert prior_name(TeamForm(0, 0, 0, 0, last_season=last), TeamForm(0, 0, 0, 0)) == "+form"


def test_a_back_to_back_costs_points() -> None:
    """The second night of a back-to-back costs the fitted points; a team whose rest is unknown counts as average."""
    rested, tired, unknown = (TeamForm(20, 20, 4400, 4400, rest_days=days) for days in (2, 1, None))
    assert pregame_margin(rested, rested) - pregame_margin(tired, rested) == pytest.approx(SHIPPED.back_to_back)
    assert pregame_margin(rested, tired) - pregame_margin(rested, rested) == pytest.approx(SHIPPED.back_to_back)
    assert pregame_margin(tired, rested) < pregame_margin(unknown, rested) < pregame_margin(rested, rested)
    assert pregame_margin(unknown, unknown) == pregame_margin(TeamForm(20, 20, 4400, 4400), None)
    assert pregame_margin(TeamForm(20, 20, 4400, 4400, rest_days=7), rested) == pregame_margin(rested, rested)
    for seconds in (2880.0, 1440.0, 60.0):
        assert home_win_probability(0, seconds, None, tired, rested) < home_win_probability(
            0, seconds, None, rested, tired
        )
