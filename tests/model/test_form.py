"""Team forms: what a TeamForm holds, and each game's forms worked out from a season's results."""

from __future__ import annotations

from datetime import date

import pytest

from lib.model import GameResult, TeamForm, season_forms


def test_a_form_counts_its_games() -> None:
    """Games are wins plus losses; points are known only when both totals are given."""
    assert TeamForm(10, 5).games == 15
    assert not TeamForm(10, 5).has_points
    assert TeamForm(10, 5, 1700, 1650).has_points
    assert TeamForm(0, 0, 0, 0).games == 0


def test_forms_before_each_game_in_date_order() -> None:
    """Each game sees the regular-season results before it, for each season apart, and the last season's whole."""
    results = [
        GameResult("2023-24", True, "BOS", "NYK", 110, 100),
        GameResult("2023-24", True, "NYK", "MIA", 95, 99),
        GameResult("2023-24", True, "MIA", "BOS", 120, 118),
        GameResult("2024-25", True, "BOS", "MIA", 101, 100),
    ]
    forms = season_forms(results)
    assert forms[0] == (TeamForm(0, 0, 0, 0), TeamForm(0, 0, 0, 0))
    assert forms[1] == (TeamForm(0, 1, 100, 110), TeamForm(0, 0, 0, 0))
    assert forms[2] == (TeamForm(1, 0, 99, 95), TeamForm(1, 0, 110, 100))
    # A new season starts from nothing this season, with the season before as the last season.
    assert forms[3] == (
        TeamForm(0, 0, 0, 0, last_season=TeamForm(1, 1, 228, 220)),
        TeamForm(0, 0, 0, 0, last_season=TeamForm(2, 0, 219, 213)),
    )
    assert all(form.rest_days is None for pair in forms for form in pair)  # no dates, no rest days


def test_playoff_games_see_the_final_regular_season_form_and_count_in_none() -> None:
    """A playoff game gets the whole regular season's form, and its result changes no later game's form."""
    results = [
        GameResult("2023-24", True, "BOS", "NYK", 110, 100),
        GameResult("2023-24", True, "NYK", "BOS", 90, 100),
        GameResult("2023-24", False, "BOS", "NYK", 80, 120),
        GameResult("2023-24", False, "NYK", "BOS", 100, 90),
    ]
    forms = season_forms(results)
    final = (TeamForm(2, 0, 210, 190), TeamForm(0, 2, 190, 210))
    assert forms[2] == final
    assert forms[3] == (final[1], final[0])


def test_rest_days_count_from_the_previous_game_of_any_kind() -> None:
    """Days since a team's previous game this season: none before its first, a playoff game counts, a season resets."""
    results = [
        GameResult("2023-24", True, "BOS", "NYK", 110, 100, date(2024, 4, 1)),
        GameResult("2023-24", True, "NYK", "BOS", 90, 100, date(2024, 4, 2)),
        GameResult("2023-24", True, "MIA", "NYK", 95, 99, date(2024, 4, 5)),
        GameResult("2023-24", False, "BOS", "NYK", 80, 120, date(2024, 4, 20)),
        GameResult("2023-24", False, "NYK", "BOS", 100, 90, date(2024, 4, 22)),
        GameResult("2024-25", True, "BOS", "NYK", 101, 100, date(2024, 10, 22)),
    ]
    rest = [(home.rest_days, away.rest_days) for home, away in season_forms(results)]
    assert rest == [(None, None), (1, 1), (None, 3), (18, 15), (2, 2), (None, None)]


def test_last_season_follows_a_franchise_that_moved() -> None:
    """A team with a new code gets its franchise's last season where the mapping names it, and none where not."""
    results = [
        GameResult("2007-08", True, "SEA", "POR", 100, 90),
        GameResult("2008-09", True, "OKC", "POR", 90, 100),
    ]
    plain = season_forms(results)
    moved = season_forms(results, franchises={"SEA": "OKC"})
    assert plain[1][0].last_season is None
    assert moved[1][0].last_season == TeamForm(1, 0, 100, 90)
    assert moved[1][1].last_season == plain[1][1].last_season == TeamForm(0, 1, 90, 100)


def test_results_out_of_date_order_are_refused() -> None:
    """A team playing twice on one day, or back in time, is a mistake in the results: a clear error, not a rest day."""
    results = [
        GameResult("2023-24", True, "BOS", "NYK", 110, 100, date(2024, 4, 2)),
        GameResult("2023-24", True, "NYK", "BOS", 90, 100, date(2024, 4, 1)),
    ]
    with pytest.raises(ValueError, match="date order"):
        season_forms(results)


def test_the_new_fields_are_keyword_only_and_none_by_default() -> None:
    """last_season and rest_days default to None, so older forms mean the same; they take keywords only."""
    assert TeamForm(10, 5, 1700, 1650) == TeamForm(10, 5, 1700, 1650, last_season=None, rest_days=None)
    assert TeamForm(10, 5).last_season is None
    assert TeamForm(10, 5).rest_days is None
    with pytest.raises(TypeError):
        TeamForm(10, 5, 1700, 1650, TeamForm(40, 42))  # type: ignore[misc]
