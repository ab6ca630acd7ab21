"""Plays as the page words them: WPA signed in points, key moments, tonight's biggest, the chart's moments, players."""

from __future__ import annotations

from html import unescape

import pytest

from lib.analytics.plays import GameWpa, game_wpa
from lib.store import PlayRecord
from lib.views.plays import (
    KEY_MOMENTS,
    TEAM_PLAYS,
    TOOLTIP_PLAYS,
    candidates,
    chart_moments,
    key_moments_html,
    play_time,
    plays_view,
    team_players,
    tonights_biggest,
    tonights_biggest_html,
    wpa_text,
)
from tests.views.tables import html_rows

HOME, AWAY = "Boston Celtics", "New York Knicks"
HOSTILE = "<img src=x onerror=alert(1)>"


def p(
    play_id: int,
    probability: float,
    *,
    period: int = 1,
    clock: str = "10:00",
    team: str | None = HOME,
    player: str | None = "Jayson Tatum",
    description: str | None = "Tatum 26' 3PT Jump Shot",
    kind: str | None = "made_shot",
    score: tuple[int, int] = (0, 0),
    received_at: float = 0.0,
    game_id: str = "g",
) -> PlayRecord:
    """A play of the store, home score first."""
    return PlayRecord(
        game_id,
        play_id,
        period,
        clock,
        team,
        player,
        description,
        kind,
        score[0],
        score[1],
        probability,
        received_at,
        None,
        None,
        0,
    )


def start(probability: float = 0.5, game_id: str = "g") -> PlayRecord:
    """A game's first play: the start of period 1, carrying the pregame probability."""
    return p(0, probability, clock="12:00", team=None, player=None, description=None, kind="period", game_id=game_id)


def a_game(plays: list[PlayRecord], game_id: str = "g") -> GameWpa:
    return game_wpa(game_id, HOME, AWAY, plays)


def test_wpa_reads_as_signed_percentage_points_one_form_everywhere() -> None:
    """+12.4 % helped, -3.1 % hurt; a change that rounds to nothing is +0.0 %, never -0.0 %."""
    assert wpa_text(0.1243) == "+12.4 %"
    assert wpa_text(-0.031) == "-3.1 %"
    assert wpa_text(-0.0004) == "+0.0 %"


def test_a_plays_time_names_its_period_and_the_ends_of_periods() -> None:
    """Q4 02:13, OT 00:41, and a clock at zero is the end of its period."""
    assert play_time(4, "02:13") == "Q4 02:13"
    assert play_time(5, "00:41") == "OT 00:41"
    assert play_time(2, "00:00") == "End of Q2"


def test_key_moments_are_the_eight_biggest_swings_for_or_against_with_their_clock_score_text_and_wpa() -> None:
    """Ten plays of a team: the eight that moved the game most, biggest first, a swing against its team signed minus."""
    swings = [0.01, -0.12, 0.05, 0.2, -0.03, 0.08, 0.02, -0.07, 0.04, 0.06]
    plays, probability = [start()], 0.5
    for n, swing in enumerate(swings, start=1):
        probability += swing
        plays.append(p(n, probability, clock=f"{11 - n:02d}:00", description=f"play {n}", score=(n, 0)))
    html = key_moments_html(a_game(plays), final=False)
    assert html is not None
    table = html_rows(html)
    assert len(table) == KEY_MOMENTS
    assert [row[2] for row in table][:3] == ["play 4", "play 2", "play 6"]
    assert table[0] == ["Q1 07:00", HOME, "play 4", "0–4", "+20.0 %", "64 %"]
    assert table[1][4] == "-12.0 %"  # the home team's play cost it 12 points
    assert {"play 1", "play 7"}.isdisjoint(row[2] for row in table)  # the two smallest


def test_feed_text_in_the_lists_is_text_and_a_long_description_is_cut_with_the_whole_on_hover() -> None:
    """Markup as a team or description is escaped; 512 characters show as a line or two, the whole in the title."""
    long = "Tatum " + "very " * 100 + "long shot"
    plays = [
        start(),
        p(1, 0.7, team=HOME, description=long),
        p(2, 0.4, clock="09:00", team=AWAY, description=HOSTILE, player=HOSTILE),
    ]
    game = game_wpa("g", HOME, AWAY, plays)
    html = key_moments_html(game, final=False)
    assert html is not None
    assert "<img" not in html
    assert HOSTILE in [row[2] for row in html_rows(html)]
    shown = next(row[2] for row in html_rows(html) if row[2].startswith("Tatum"))
    assert len(shown) <= 100
    assert shown.endswith("…")
    assert f'title="{long}"' in html  # the whole text on hover


def test_a_live_games_key_moment_never_reads_certain_but_its_final_play_does() -> None:
    """The home win after a play is >99 % while the game runs; the play that ends it reads 100 %."""
    plays = [start(0.5), p(1, 0.9995, score=(100, 90)), p(2, 1.0, period=4, clock="00:00", score=(102, 90))]
    live = key_moments_html(a_game(plays[:2]), final=False)
    assert live is not None
    assert ">99 %" in unescape(live)
    assert "100 %" not in live
    final = key_moments_html(a_game(plays), final=True)
    assert final is not None
    assert "100 %" in final


def test_tonights_biggest_are_the_five_biggest_across_games_newest_first_among_equals() -> None:
    """Swings equal as shown rank the most recently received first; a game's share is its own five at most."""
    first = [start(0.5), p(1, 0.6, received_at=10.0), p(2, 0.5, clock="09:00", team=AWAY, received_at=11.0)]
    second, probability = [start(0.5, "h")], 0.5
    for n, (swing, received) in enumerate([(0.2, 5.0), (0.03, 6.0), (-0.1, 30.0), (0.02, 7.0), (0.04, 8.0), (0.01, 9)]):
        probability += swing
        second.append(p(n + 1, probability, clock=f"0{n}:00", team="Denver Nuggets", received_at=received, game_id="h"))
    shares = [
        candidates(a_game(first), first),
        candidates(game_wpa("h", "Denver Nuggets", "Miami Heat", second), second),
    ]
    assert [len(share) for share in shares] == [2, 5]
    top = tonights_biggest(shares)
    assert [(candidate.swing, candidate.received_at) for candidate in top] == [
        (20.0, 5.0),
        (10.0, 30.0),  # three swings of 10 points: the newest first
        (10.0, 11.0),
        (10.0, 10.0),
        (4.0, 8.0),
    ]
    html = tonights_biggest_html(top)
    assert html is not None
    assert html_rows(html)[0][:3] == ["Miami Heat @ Denver Nuggets", "End of Q1", "Denver Nuggets"]


def test_nothing_to_list_is_none_not_an_empty_table() -> None:
    """No play of a team moved a game: no key moments, no biggest plays; a game without plays has no view."""
    still = [start(0.5), p(1, 0.5)]
    assert key_moments_html(a_game(still), final=False) is None
    assert tonights_biggest_html(tonights_biggest([candidates(a_game(still), still)])) is None
    assert plays_view(a_game([]), final=False) is None


def test_the_charts_moments_list_every_play_at_one_clock_with_the_state_after_the_last() -> None:
    """A foul and its free throws are one moment: the margin and probability after them, each play a line."""
    plays = [
        start(0.5),
        p(1, 0.52, clock="05:00", team=AWAY, description="Brunson shooting foul", score=(0, 0)),
        p(2, 0.55, clock="05:00", description="Tatum Free Throw 1 of 2", score=(1, 0)),
        p(3, 0.58, clock="05:00", description="Tatum Free Throw 2 of 2", score=(2, 0)),
        p(4, 0.9995, period=4, clock="00:10", score=(90, 80)),
    ]
    moments = chart_moments(a_game(plays), final=False)
    assert list(moments["minute"]) == [0.0, 7.0, 36.0 + 11 + 50 / 60]
    foul = moments.iloc[1]
    assert (foul["home_win_probability"], foul["margin"], foul["score"]) == (0.58, 2, "0–2")
    assert foul["plays"].split("\n") == [
        f"{AWAY} · Brunson shooting foul · -2.0 %",
        f"{HOME} · Tatum Free Throw 1 of 2 · +3.0 %",
        f"{HOME} · Tatum Free Throw 2 of 2 · +3.0 %",
    ]
    assert moments.iloc[0]["plays"] == "Start of Q1"
    assert moments.iloc[2]["home_win"] == ">99 %"  # live: never certain


def test_a_busy_moment_lists_a_few_plays_and_counts_the_rest() -> None:
    """Substitutions by the handful at one clock: the tooltip stays a few lines long."""
    plays = [start(0.5), *(p(n, 0.5, clock="06:00", description=f"SUB {n}", kind="substitution") for n in range(1, 9))]
    lines = chart_moments(a_game(plays), final=False).iloc[1]["plays"].split("\n")
    assert len(lines) == TOOLTIP_PLAYS
    assert lines[-1] == f"… and {8 - TOOLTIP_PLAYS + 1} more plays"


def test_wpa_by_player_is_each_teams_away_first_with_its_plays_of_no_player_so_rows_add_up() -> None:
    """Each side's rows sum to the team's WPA; a team rebound (no player) is a row of its own."""
    plays = [
        start(0.5),
        p(1, 0.6, player="Jayson Tatum"),
        p(2, 0.55, clock="09:00", team=AWAY, player="Jalen Brunson"),
        p(3, 0.57, clock="08:00", player=None, description="Celtics Rebound", kind="rebound"),
        p(4, 0.62, clock="07:00", player="Jaylen Brown"),
    ]
    game = a_game(plays)
    away, home = team_players(game)
    assert (away.team, home.team) == (AWAY, HOME)
    table = home.table.to_pandas()
    assert list(table["Player"]) == ["Jayson Tatum", "Jaylen Brown", TEAM_PLAYS]
    assert list(table["WPA"]) == [10.0, 5.0, 2.0]
    assert table["WPA"].sum() == pytest.approx(100 * next(t.wpa for t in game.teams if t.team == HOME))
    assert list(away.table.to_pandas()["WPA"]) == [5.0]


def test_a_game_whose_plays_name_no_player_is_told_apart() -> None:
    """Plays without players (the demo's) leave each team one row of all its plays, and the view says so."""
    unnamed = plays_view(a_game([start(), p(1, 0.6, player=None), p(2, 0.55, team=AWAY, player=None)]), final=False)
    assert unnamed is not None
    assert not unnamed.names_players
    assert [list(side.table.to_pandas()["Player"]) for side in unnamed.players] == [[TEAM_PLAYS], [TEAM_PLAYS]]
    named = plays_view(a_game([start(), p(1, 0.6), p(2, 0.55, team=AWAY, player=None)]), final=False)
    assert named is not None
    assert named.names_players


def test_a_partial_games_view_says_where_its_plays_start() -> None:
    """Joined late: the view names the first play known, whose swing is unknown and counts for nothing."""
    plays = [p(7, 0.6, period=3, clock="08:23", score=(60, 55)), p(8, 0.7, period=3, clock="08:00", score=(62, 55))]
    view = plays_view(a_game(plays), final=False)
    assert view is not None
    assert view.known_from == "Q3 08:23"
    assert view.chart.num_rows == 2
    assert view.last_period == 3
    assert plays_view(a_game([start(), p(1, 0.6)]), final=False).known_from is None  # type: ignore[union-attr]
