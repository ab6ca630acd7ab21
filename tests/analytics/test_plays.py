"""Win probability added on constructed games: each play's change, its team's side, players, teams, partial games."""

from __future__ import annotations

import pytest

from lib.analytics.plays import PlayerWpa, TeamWpa, at_start, biggest_plays, game_wpa
from lib.store import PlayRecord

HOME, AWAY = "Boston Celtics", "New York Knicks"


def p(
    play_id: int,
    probability: float,
    *,
    period: int = 1,
    clock: str = "10:00",
    team: str | None = None,
    player: str | None = None,
    score: tuple[int, int] = (0, 0),
) -> PlayRecord:
    return PlayRecord(
        "g", play_id, period, clock, team, player, None, None, score[0], score[1], probability, 0.0, None, None, 0
    )


WHOLE = [
    p(0, 0.60, clock="12:00"),  # the period's start: the pregame probability
    p(1, 0.64, team=HOME, player="Tatum", score=(2, 0)),
    p(2, 0.58, team=AWAY, player="Brunson", score=(2, 3)),
    p(3, 0.55, team=AWAY, player="Brunson", score=(2, 5)),
    p(4, 0.57, team=HOME, score=(2, 5)),  # a team rebound: the team's, no player's
    p(5, 0.70, period=4, clock="00:05", team=HOME, player="Tatum", score=(99, 97)),
    p(6, 1.0, period=4, clock="00:00", score=(99, 97)),  # the end of the game: the result
]


def test_changes_add_up_to_the_result_minus_the_pregame_probability() -> None:
    """Over a whole game the home changes sum to the outcome (1) minus the first play's probability."""
    wpa = game_wpa("g", HOME, AWAY, WHOLE)
    assert not wpa.partial
    assert wpa.pregame == 0.60
    assert wpa.plays[0].home_wp_change == 0.0
    assert sum(play.home_wp_change or 0.0 for play in wpa.plays) == pytest.approx(1.0 - 0.60)


def test_wpa_is_the_change_from_the_side_of_the_plays_team() -> None:
    """A home play's wpa is the home change; an away play's is its negative; a play of neither team has none."""
    plays = game_wpa("g", HOME, AWAY, WHOLE).plays
    assert plays[1].wpa == pytest.approx(0.04)
    assert plays[2].wpa == pytest.approx(0.06)  # the home chance fell 0.06: the away team gained it
    assert plays[0].wpa is None
    assert plays[6].wpa is None
    assert plays[6].home_wp_change == pytest.approx(0.30)


def test_players_and_teams_sum_their_plays() -> None:
    """A player's WPA is the sum of his plays' wpa, a team's of all its plays', players the most first."""
    wpa = game_wpa("g", HOME, AWAY, WHOLE)
    assert wpa.players == (
        PlayerWpa("g", HOME, "Tatum", 2, pytest.approx(0.04 + 0.13)),
        PlayerWpa("g", AWAY, "Brunson", 2, pytest.approx(0.06 + 0.03)),
    )
    assert wpa.teams == (
        TeamWpa("g", HOME, 3, pytest.approx(0.04 + 0.02 + 0.13)),
        TeamWpa("g", AWAY, 2, pytest.approx(0.09)),
    )


def test_a_game_joined_late_is_partial_from_its_first_play_known() -> None:
    """Without the start, the first play's change is unknown and the figures run from it."""
    wpa = game_wpa("g", HOME, AWAY, WHOLE[2:])
    assert wpa.partial
    assert (wpa.known_from_period, wpa.known_from_clock) == (1, "10:00")
    assert wpa.pregame is None
    assert (wpa.plays[0].home_wp_change, wpa.plays[0].wpa) == (None, None)
    assert sum(play.home_wp_change or 0.0 for play in wpa.plays) == pytest.approx(1.0 - 0.58)
    assert wpa.players[-1] == PlayerWpa("g", AWAY, "Brunson", 2, pytest.approx(0.03))


def test_a_team_the_game_does_not_name_gets_no_wpa() -> None:
    """A play whose team is neither of the game's (a tricode where the game has names) has a change, no wpa."""
    wpa = game_wpa("g", HOME, AWAY, [WHOLE[0], p(1, 0.64, team="BOS", player="Tatum", score=(2, 0))])
    assert wpa.plays[1].home_wp_change == pytest.approx(0.04)
    assert wpa.plays[1].wpa is None
    assert wpa.players == (PlayerWpa("g", "BOS", "Tatum", 1, 0.0),)


def test_biggest_plays_are_a_teams_that_moved_the_probability_most_either_way() -> None:
    """The last basket (+0.13), the away basket (−0.06 for the home team), then the first (+0.04); the end of the
    game, a play of neither team, moved it most (+0.30) and is no one's moment."""
    assert [play.play_id for play in game_wpa("g", HOME, AWAY, WHOLE).biggest(3)] == [5, 2, 1]


def test_the_biggest_plays_of_a_night_come_from_every_game() -> None:
    """Across games, the plays that moved their game most, whichever game."""
    plays = [p(0, 0.5, clock="12:00"), p(1, 0.9, team=AWAY, player="Hart", score=(0, 3))]
    other = game_wpa("h", HOME, AWAY, [play._replace(game_id="h") for play in plays])
    night = biggest_plays([game_wpa("g", HOME, AWAY, WHOLE), other], 2)
    assert [(play.game_id, play.play_id, round(play.wpa or 0, 2)) for play in night] == [("h", 1, -0.4), ("g", 5, 0.13)]


def test_no_plays_no_figures() -> None:
    """A game without plays is neither partial nor has a pregame probability."""
    wpa = game_wpa("g", HOME, AWAY, [])
    assert (wpa.plays, wpa.players, wpa.partial, wpa.pregame) == ((), (), False, None)
    assert wpa.teams == (TeamWpa("g", HOME, 0, 0.0), TeamWpa("g", AWAY, 0, 0.0))


@pytest.mark.parametrize(
    ("period", "clock", "score", "expected"),
    [(1, "12:00", (0, 0), True), (1, "12:00.0", (0, 0), True), (1, "11:59", (0, 0), False),
     (1, "12:00", (1, 0), False), (2, "12:00", (0, 0), False)],
)  # fmt: skip
def test_the_start_is_period_one_at_twelve_minutes_scoreless(
    period: int, clock: str, score: tuple[int, int], expected: bool
) -> None:
    """Only a play at 12:00 of the first period, 0-0, is where the pregame probability stands."""
    assert at_start(p(0, 0.5, period=period, clock=clock, score=score)) is expected
