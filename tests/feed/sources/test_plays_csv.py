"""Reading plays CSVs into protocol plays with the model's probability; a bad one refused by its line; the real file."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from lib.analytics.plays import game_wpa
from lib.feed.flows import GameFlow, ScoringEvent
from lib.feed.sources.plays_csv import (
    COLUMNS,
    GamePlays,
    games_file_for,
    is_plays_csv,
    parse_plays_csv,
    plays_file_for,
    read_plays_csv,
)
from lib.feed.teams import team_for
from lib.model import TeamForm, home_win_probability
from lib.protocol import Play

HEADER = ",".join(COLUMNS)
EARLIER = GameFlow("g0", date(2015, 10, 27), "BOS", "NYK", (ScoringEvent(4, 0, 100, 90),))
GAME = GameFlow("g1", date(2015, 10, 28), "BOS", "NYK", (ScoringEvent(1, 700, 2, 0), ScoringEvent(4, 3, 2, 1)))
GOOD = [
    HEADER,
    "g1,0,1,720,12,0,,,,,0,0",
    "g1,1,1,720,10,0,BOS,1,Al Horford,Jump Ball Horford vs. Drummond,0,0",
    "g1,4,1,700,1,80,BOS,2,Jaylen Brown,Brown 12' Jump Shot (2 PTS),2,0",
    "g1,3,1,690,4,0,NYK,,,Knicks Rebound,2,0",  # numbered out of game order, as real files are
    "g1,7,4,3,3,11,NYK,3,Jalen Brunson,Brunson Free Throw 1 of 2 (1 PTS),2,1",
    "g1,8,4,3,3,12,NYK,3,Jalen Brunson,MISS Brunson Free Throw 2 of 2,2,1",
    "g1,9,4,0,13,0,,,,,2,1",
]


def _parse(rows: list[str], games: list[GameFlow] | None = None) -> dict[str, GamePlays]:
    return parse_plays_csv([row + "\n" for row in rows], games or [EARLIER, GAME], source="plays.csv")


def test_each_row_is_a_play_of_its_game_in_file_order() -> None:
    """Ids from event_num, kinds from the NBA's event types, teams named as the game is served, absent fields None."""
    plays = _parse(GOOD)["g1"]
    assert [play.play_id for play in plays] == [0, 1, 4, 3, 7, 8, 9]
    assert [play.kind for play in plays] == [
        "period", "other", "made_shot", "rebound", "free_throw", "free_throw", "period",
    ]  # fmt: skip
    assert plays[2].team == "Boston Celtics"
    assert (plays[2].player, plays[2].description) == ("Jaylen Brown", "Brown 12' Jump Shot (2 PTS)")
    assert (plays[3].team, plays[3].player) == ("New York Knicks", None)
    assert (plays[0].team, plays[0].player, plays[0].description) == (None, None, None)
    assert (plays[4].clock, plays[4].period, plays[4].home_score, plays[4].away_score) == ("00:03", 4, 2, 1)


def test_an_empty_file_says_it_is_empty() -> None:
    """A plays file of no lines at all: a ValueError saying so and naming the header it lacks."""
    with pytest.raises(ValueError, match=r"plays.csv, line 1: the file is empty \(expected the header game_id,"):
        parse_plays_csv([], [EARLIER, GAME], source="plays.csv")


def test_plays_built_by_index_slice_or_in_order_are_the_same() -> None:
    """A game's plays are built when asked for: by index (from the end too), by slice or in order, alike."""
    plays = _parse(GOOD)["g1"]
    in_order = list(plays)
    assert len(plays) == len(in_order) == len(GOOD) - 1
    assert [plays[index] for index in range(len(plays))] == in_order
    assert plays[-1] == in_order[-1]
    assert plays[1:3] == in_order[1:3]
    assert plays[::-1] == in_order[::-1]
    with pytest.raises(IndexError):
        plays[len(plays)]


def test_probabilities_come_from_the_model_with_each_teams_form_before_the_game() -> None:
    """The first play is the pregame probability from both teams' earlier games; the last is the result."""
    plays = _parse(GOOD)["g1"]
    boston, new_york = TeamForm(1, 0, 100, 90), TeamForm(0, 1, 90, 100)
    assert plays[0].home_win_probability == home_win_probability(0, 2880.0, None, boston, new_york)
    assert plays[2].home_win_probability == home_win_probability(2, 3 * 720 + 700, None, boston, new_york)
    assert plays[-1].home_win_probability == 1.0


def test_an_overtime_play_counts_its_own_clock() -> None:
    """In an overtime the model takes the overtime's seconds left, regulation being over."""
    flow = GameFlow("g1", date(2015, 10, 28), "BOS", "NYK", (ScoringEvent(5, 10, 110, 108),))
    rows = [HEADER, "g1,0,1,720,12,0,,,,,0,0", "g1,5,5,100,1,1,BOS,2,B,Dunk,110,108", "g1,6,5,0,13,0,,,,,110,108"]
    plays = _parse(rows, [flow])["g1"]
    first_game = TeamForm(0, 0, 0, 0)
    assert plays[1].home_win_probability == home_win_probability(2, 0.0, 100.0, first_game, first_game)


def test_the_changes_of_a_game_add_up_to_its_result_minus_its_pregame_probability() -> None:
    """Read plays are whole games: the identity of win probability added holds."""
    wpa = game_wpa("g1", "Boston Celtics", "New York Knicks", _parse(GOOD)["g1"])
    assert not wpa.partial
    assert wpa.pregame is not None
    assert sum(play.home_wp_change or 0.0 for play in wpa.plays) == pytest.approx(1.0 - wpa.pregame)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("g1,5,1,730,1,0,BOS,2,B,x,2,0", "seconds_left_in_period 730 is outside 0-720"),
        ("g1,5,0,700,1,0,BOS,2,B,x,2,0", "period 0 is outside 1-20"),
        ("g1,x,1,700,1,0,BOS,2,B,x,2,0", "event_num 'x' is not an integer"),
        ("g1,-1,1,700,1,0,BOS,2,B,x,2,0", "event_num -1 is outside"),
        ("g1,5,1,700,1,0,LAL,2,B,x,2,0", "team 'LAL' is neither of game 'g1'"),
        ("g1,1,1,700,1,0,BOS,2,B,x,2,0", "event_num 1 appears twice in game 'g1'"),
        ("g1,5,1,700,1,0,BOS,2," + "B" * 65 + ",x,2,0", "player must be at most 64 characters"),
        ("g1,5,1,700,1,0,BOS,2,B," + "x" * 513 + ",2,0", "description must be at most 512 characters"),
        ("g1,5,1,700,1,0,BOS,2,B,x,2", "expected 12 fields, got 11"),
        ("g1,5,1,700,1,0,BOS,2,B,Dunk \u202eknuD,2,0", "String should match pattern"),
        ("g1,5,1,700,1,0,BOS,2,J\u2066os\u00e9,x,2,0", "String should match pattern"),
    ],
)
def test_a_bad_row_is_refused_naming_its_line(row: str, message: str) -> None:
    """After two good rows, a third that breaks a rule is line 4 of the file."""
    rows = [*GOOD[:3], row, *GOOD[3:]]
    with pytest.raises(ValueError, match=rf"^plays\.csv, line 4: .*{message}"):
        _parse(rows)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([HEADER, "g1,0,1,700,1,0,BOS,2,B,x,2,0", "g1,1,1,710,1,0,BOS,2,B,x,4,0"], "line 3: the row is earlier"),
        ([HEADER, "g1,0,1,700,1,0,BOS,2,B,x,2,0", "g1,1,1,690,1,0,BOS,2,B,x,1,0"], "line 3: a score decreased"),
        ([HEADER, "g1,0,1,700,1,0,BOS,2,B,x,2,0"], r"line 2: game 'g1' ends 2-0 here but 2-1 in the games file"),
        ([*GOOD, "g0,0,4,0,13,0,,,,,100,90", "g1,10,4,0,13,0,,,,,2,1"], "line 10: the rows of game 'g1' are not"),
        (["game_id,period", "g1,1"], "line 1: expected the header"),
        ([*GOOD, "g9,5,1,700,1,0,BOS,2,B,x,2,0"], "line 9: game 'g9' is not in the games file"),
        ([*GOOD, "g1,10,5,0,13,0,,,,,2,1"], "line 9: game 'g1' has a play in period 5 but 4 periods in the games"),
    ],
)
def test_a_game_out_of_order_or_off_its_final_is_refused(rows: list[str], message: str) -> None:
    """Game order, scores that never go down, the games file's final and periods, contiguous games, the header."""
    with pytest.raises(ValueError, match=message):
        _parse(rows)


def test_a_gzip_file_is_read_and_told_from_a_games_csv_by_its_header(tmp_path: Path) -> None:
    """The file may be compressed; its header says it is a plays CSV."""
    path = tmp_path / "nba_plays.csv.gz"
    path.write_bytes(gzip.compress("".join(row + "\n" for row in GOOD).encode()))
    assert is_plays_csv(path)
    assert len(read_plays_csv(path, [EARLIER, GAME])["g1"]) == len(GOOD) - 1
    games = tmp_path / "games.csv"
    games.write_text("game_id,game_date,home_team,away_team,period,seconds_left_in_period,home_score,away_score\n")
    assert not is_plays_csv(games)


def test_the_plays_file_and_the_games_file_are_paired_by_name() -> None:
    """nba_real_games.csv.gz goes with nba_real_plays.csv.gz, both ways."""
    assert plays_file_for(Path("data/nba_real_games.csv.gz")) == Path("data/nba_real_plays.csv.gz")
    assert games_file_for(Path("data/nba_real_plays.csv.gz")) == Path("data/nba_real_games.csv.gz")


def test_every_play_of_the_real_file_is_read_as_a_whole_game(
    real_games: list[GameFlow], real_plays: dict[str, list[Play]]
) -> None:
    """292,454 plays of 632 games: each game known from its start, its changes adding up to its result."""
    assert len(real_plays) == 632
    assert sum(len(plays) for plays in real_plays.values()) == 292_454
    for flow in real_games:
        plays = real_plays[flow.game_id]
        wpa = game_wpa(flow.game_id, team_for(flow.home_team).name, team_for(flow.away_team).name, plays)
        assert not wpa.partial, flow.game_id
        assert wpa.pregame is not None
        home_won = flow.final_score[0] > flow.final_score[1]
        assert sum(play.home_wp_change or 0.0 for play in wpa.plays) == pytest.approx(home_won - wpa.pregame)
        assert {play.team for play in wpa.plays} - {None} <= {wpa.home_team, wpa.away_team}
