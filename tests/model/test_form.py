"""Team forms: what a TeamForm holds, and each game's forms worked out from a season's results."""

from __future__ import annotations

from lib.model import GameResult, TeamForm, season_forms


def test_a_form_counts_its_games() -> None:
    """Games are wins plus losses; points are known only when both totals are given."""
    assert TeamForm(10, 5).games == 15
    assert not TeamForm(10, 5).has_points
    assert TeamForm(10, 5, 1700, 1650).has_points
    assert TeamForm(0, 0, 0, 0).games == 0


def test_forms_before_each_game_in_date_order() -> None:
    """Each game sees the regular-season results before it, for each season apart; the first game sees none."""
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
    assert forms[3] == (TeamForm(0, 0, 0, 0), TeamForm(0, 0, 0, 0))  # a new season starts from nothing


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
