"""Reading scoring-change CSVs; a bad one refused by its line."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from lib.feed.flows import GameFlow, ScoringEvent
from lib.feed.sources.games_csv import COLUMNS, game_forms, parse_games_csv, read_games_csv
from lib.model import TeamForm
from lib.protocol import period_seconds

HEADER = ",".join(COLUMNS)
GOOD = [
    HEADER,
    "g1,2025-01-02,BOS,NYK,1,700,2,0",
    "g1,2025-01-02,BOS,NYK,1,650,2,3",
    "g1,2025-01-02,BOS,NYK,4,0,4,3",
    "g2,2025-01-02,LAL,GSW,1,719,0,1",
    "g2,2025-01-02,LAL,GSW,5,12,2,1",
]


def _parse(rows: list[str]) -> list[GameFlow]:
    return parse_games_csv([row + "\n" for row in rows], source="games.csv")


def test_parses_games_in_order_with_typed_events() -> None:
    """Rows are grouped into one flow per game, with typed fields and events in file order."""
    first, second = _parse(GOOD)
    assert first == GameFlow(
        "g1",
        date(2025, 1, 2),
        "BOS",
        "NYK",
        (ScoringEvent(1, 700, 2, 0), ScoringEvent(1, 650, 2, 3), ScoringEvent(4, 0, 4, 3)),
    )
    assert second.game_id == "g2"
    assert second.events[-1] == ScoringEvent(5, 12, 2, 1)


def test_game_flow_views() -> None:
    """A flow gives its score pairs, its final score and how many periods it reached."""
    first, second = _parse(GOOD)
    assert first.scores == ((2, 0), (2, 3), (4, 3))
    assert first.final_score == (4, 3)
    assert first.periods == 4
    assert second.periods == 5
    assert GameFlow("g", date(2025, 1, 1), "A", "B", ()).final_score == (0, 0)


def test_live_states_show_the_game_after_each_change() -> None:
    """Each scoring change becomes the live game a feed would send, its clock as MM:SS."""
    first, second = _parse(GOOD)
    states = first.live_states()
    assert [(s.home_score, s.away_score, s.period, s.clock) for s in states] == [
        (2, 0, 1, "11:40"),
        (2, 3, 1, "10:50"),
        (4, 3, 4, "00:00"),
    ]
    assert {(s.game_id, s.home_team, s.away_team, s.status) for s in states} == {("g1", "BOS", "NYK", "live")}
    assert second.live_states()[-1].clock == "00:12"


def test_header_only_is_no_games() -> None:
    """A file with just the header holds no games."""
    assert _parse([HEADER]) == []


def test_period_lengths() -> None:
    """Quarters last 12 minutes and overtimes 5."""
    assert [period_seconds(p) for p in (1, 4, 5, 8)] == [720, 720, 300, 300]


def test_reads_plain_and_gzip_files_alike(tmp_path: Path) -> None:
    """A file is read the same whether gzip-compressed or not, whatever its name."""
    text = "\n".join(GOOD) + "\n"
    plain = tmp_path / "games.csv.gz"  # a misleading name: the content decides
    plain.write_text(text, encoding="utf-8")
    packed = tmp_path / "games.csv"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    assert read_games_csv(plain) == read_games_csv(packed) == _parse(GOOD)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["game_id,home_team", "g1,BOS"], r"line 1: expected the header"),
        ([], r"line 1: the file is empty \(expected the header"),
        ([HEADER, "g1,2025-01-02,BOS,NYK,1,700,2"], r"line 2: expected 8 fields, got 7"),
        ([HEADER, ",2025-01-02,BOS,NYK,1,700,2,0"], r"line 2: game_id must be 1-64 characters"),
        ([HEADER, "g1,2025-01-02,BOS,BOS,1,700,2,0"], r"line 2: home_team and away_team are both"),
        ([HEADER, "g1,02/01/2025,BOS,NYK,1,700,2,0"], r"line 2: game_date '02/01/2025' is not"),
        ([HEADER, "g1,2025-01-02,BOS,NYK,1,700,two,0"], r"line 2: home_score 'two' is not an integer"),
        ([HEADER, "g1,2025-01-02,BOS,NYK,0,700,2,0"], r"line 2: period 0 is outside 1-20"),
        ([HEADER, "g1,2025-01-02,BOS,NYK,5,400,2,0"], r"line 2: seconds_left_in_period 400 is outside 0-300"),
        ([HEADER, "g1,2025-01-02,BOS,NYK,1,700,-2,0"], r"line 2: home_score -2 is outside 0-400"),
        ([HEADER, "g1,2025-01-02,BOS,NYK,1,700,0,0"], r"line 2: the score did not change"),
        ([*GOOD[:2], "g1,2025-01-02,BOS,NYK,1,710,2,3"], r"line 3: the row is earlier in the game"),
        ([*GOOD[:3], "g1,2025-01-02,BOS,NYK,2,600,1,3"], r"line 4: a score decreased"),
        ([*GOOD[:2], "g1,2025-01-02,BOS,NYK,1,650,2,0"], r"line 3: the score did not change"),
        ([*GOOD[:2], "g1,2025-01-03,BOS,NYK,1,650,2,3"], r"line 3: game 'g1' changes its date or teams"),
        ([*GOOD[:2], GOOD[4], GOOD[2]], r"line 4: the rows of game 'g1' are not contiguous"),
    ],
)
def test_bad_input_raises_naming_the_line(rows: list[str], message: str) -> None:
    """Every kind of bad header or row raises a ValueError that names the source and line."""
    with pytest.raises(ValueError, match=rf"^games\.csv, {message}"):
        _parse(rows)


def test_real_file_shape(real_games: list[GameFlow]) -> None:
    """The real file reads to the README's 632 games and 69,733 scoring changes."""
    assert len(real_games) == 632
    assert sum(len(game.events) for game in real_games) == 69_733
    assert (real_games[0].game_id, real_games[-1].game_id) == ("0021500001", "0021500663")
    assert (real_games[0].home_team, real_games[0].away_team) == ("ATL", "DET")
    assert all(game.final_score[0] != game.final_score[1] for game in real_games)


def test_real_file_longest_game(real_games: list[GameFlow]) -> None:
    """The README's 4-OT game: DET won 147-144 at CHI on 2015-12-18, the only game reaching period 8."""
    longest = max(real_games, key=lambda game: game.periods)
    assert longest.periods == 8
    assert (longest.game_date, longest.home_team, longest.away_team) == (date(2015, 12, 18), "CHI", "DET")
    assert longest.final_score == (144, 147)
    assert sum(game.periods > 4 for game in real_games) == 40


def test_game_forms_count_each_teams_earlier_games_of_the_season_in_date_order() -> None:
    """A team's first game is 0-0; later ones count its results by date, not file order; a season ends in July."""
    final = (ScoringEvent(4, 0, 100, 90),)
    flows = [
        GameFlow("c", date(2016, 1, 3), "BOS", "MIA", final),
        GameFlow("a", date(2016, 1, 1), "BOS", "NYK", final),
        GameFlow("b", date(2016, 1, 2), "NYK", "BOS", final),
        GameFlow("d", date(2016, 10, 30), "BOS", "NYK", final),
    ]
    forms = game_forms(flows)
    assert forms["a"] == (TeamForm(0, 0, 0.0, 0.0), TeamForm(0, 0, 0.0, 0.0))
    assert forms["b"] == (TeamForm(0, 1, 90.0, 100.0), TeamForm(1, 0, 100.0, 90.0))
    assert forms["c"] == (TeamForm(1, 1, 190.0, 190.0), TeamForm(0, 0, 0.0, 0.0))
    home, away = forms["d"]  # the next season: 0-0 again, last season carried
    assert (home.wins, home.losses, away.wins, away.losses) == (0, 0, 0, 0)
    assert home.last_season == TeamForm(2, 1, 290.0, 280.0)
