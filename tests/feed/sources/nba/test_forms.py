"""Each team's form before a game: the board's records, the schedule's points and rest, on the CDN's real shapes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from harness.cdn import CELTICS, KNICKS, LAKERS, WARRIORS, CdnNight, sample
from lib.feed.model import predict_game
from lib.feed.sources.nba.bridge import NbaBridge
from lib.feed.sources.nba.cdn import CdnShapeError, parse_schedule, parse_scoreboard
from lib.feed.sources.nba.forms import Season, records_before
from lib.model import MODEL_NAME, TeamForm
from lib.protocol import Game, PredictionUpdate, ScoreUpdate
from tests.feed.sources.nba.test_bridge import poll

GAME = "0022600301"
TIP = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
"""7:30 PM Eastern on 1 December: the game's day is the 1st."""


@pytest.fixture
def night() -> CdnNight:
    night = CdnNight()
    night.add(GAME, CELTICS, KNICKS, TIP, records=((1, 0), (1, 1)))
    night.played("0012600001", "2026-10-10", CELTICS, KNICKS, 90, 120)  # preseason: counts nowhere
    night.played("0022600001", "2026-11-29", CELTICS, KNICKS, 110, 100)
    night.played("0022600002", "2026-11-30", KNICKS, LAKERS, 100, 90)
    night.played("0022600003", "2026-12-01", LAKERS, WARRIORS, 99, 98)  # the same day: not before the game
    return night


def first(night: CdnNight, bridge: NbaBridge | None = None) -> tuple[Game, PredictionUpdate]:
    """The game's first state and prediction, with the night's schedule read."""
    update = (bridge or NbaBridge()).update(
        parse_scoreboard(night.scoreboard()), schedule=parse_schedule(night.schedule())
    )
    state, prediction = update.messages[:2]
    assert isinstance(state, ScoreUpdate)
    assert isinstance(prediction, PredictionUpdate)
    return state.data, prediction


def test_the_published_schedule_gives_each_games_day_status_teams_and_score() -> None:
    """The real sample: a preseason final on 2023-10-05 (Eastern), Dallas 111 at Minnesota 99."""
    schedule = parse_schedule(sample("schedule.json"))
    [game] = schedule.games
    assert (game.game_id, game.game_status, game.day, schedule.skipped) == ("0012300001", 3, date(2023, 10, 5), 0)
    assert (game.home_team.team_id, game.home_team.score, game.away_team.score) == (1610612750, 99, 111)


@pytest.mark.parametrize(
    "payload",
    [{}, {"leagueSchedule": {}}, {"leagueSchedule": {"gameDates": [1]}}, {"leagueSchedule": {"gameDates": [{}]}}],
)
def test_a_schedule_of_the_wrong_shape_is_a_clear_error(payload: object) -> None:
    """No leagueSchedule, no gameDates list, a date that is not an object or has no games: CdnShapeError."""
    with pytest.raises(CdnShapeError, match="schedule"):
        parse_schedule(payload)


def test_a_schedule_of_too_many_games_is_refused_before_one_is_validated() -> None:
    """More than MAX_SCHEDULED_GAMES games across its dates: too_many_scheduled_games."""
    days = [{"gameDate": "", "games": [{}] * 1000} for _ in range(4)]
    with pytest.raises(CdnShapeError) as raised:
        parse_schedule({"leagueSchedule": {"gameDates": days}})
    assert raised.value.kind == "too_many_scheduled_games"


def test_a_final_games_board_record_has_its_result_taken_off() -> None:
    """The board's 6-7 after a home win (106-103) was 5-7 before it; the losers' 5-8 was 5-7."""
    board = sample("scoreboard_final.json")
    entry = board["scoreboard"]["games"][0]  # Cleveland 106, New York 103: the board says 6-7 and 5-8
    [game] = parse_scoreboard(board).games
    assert (game.game_id, entry["homeTeam"]["wins"], entry["homeTeam"]["losses"]) == ("0022000181", 6, 7)
    assert records_before(game) == ((5, 7), (5, 7))


def test_only_a_regular_season_games_board_record_is_read() -> None:
    """A preseason or playoff game's wins and losses are of that kind of game: no record from the board."""
    board = sample("scoreboard_final.json")
    board["scoreboard"]["games"][0]["gameId"] = "0042000181"
    [game] = parse_scoreboard(board).games
    assert records_before(game) == (None, None)


def test_the_schedule_gives_points_and_rest_when_it_agrees_with_the_board(night: CdnNight) -> None:
    """Records 1-0 and 1-1 as the board says, points of the regular-season games before the day: "+form"."""
    game, prediction = first(night)
    home = TeamForm(1, 0, 110, 100, rest_days=2)
    away = TeamForm(1, 1, 200, 200, rest_days=1)  # played the night before: a back-to-back
    assert (game.home_record, game.away_record) == ("1-0", "1-1")
    assert prediction.data == predict_game(game, home, away)
    assert prediction.data.model == f"{MODEL_NAME}+form"


def test_a_schedule_that_lags_the_board_leaves_the_records_alone(night: CdnNight) -> None:
    """The board counts a game the schedule has not got: the records go alone ("+record"), with the rest."""
    night.games[GAME].home_record = (2, 0)
    game, prediction = first(night)
    assert game.home_record == "2-0"
    assert prediction.data == predict_game(game, TeamForm(2, 0, rest_days=2), TeamForm(1, 1, 200, 200, rest_days=1))
    assert prediction.data.model == f"{MODEL_NAME}+record"


def test_without_a_schedule_the_board_records_alone_make_the_prior(night: CdnNight) -> None:
    """No schedule read yet: "+record" from the board's wins and losses."""
    update = NbaBridge().update(parse_scoreboard(night.scoreboard()))
    game, prediction = (m.data for m in update.messages)
    assert isinstance(game, Game)
    assert prediction == predict_game(game, TeamForm(1, 0), TeamForm(1, 1))


def test_a_schedule_read_before_tip_off_reprices_the_game_once(night: CdnNight) -> None:
    """Records first, then the schedule: one new prediction ("+form"); the same schedule again sends nothing."""
    bridge = NbaBridge()
    bridge.update(parse_scoreboard(night.scoreboard()))
    schedule = parse_schedule(night.schedule())
    update = bridge.update(parse_scoreboard(night.scoreboard()), schedule=schedule)
    assert [m.type for m in update.messages] == ["prediction"]
    assert update.messages[0].data.model == f"{MODEL_NAME}+form"  # type: ignore[union-attr]
    assert bridge.update(parse_scoreboard(night.scoreboard()), schedule=schedule).messages == []


def test_a_game_with_a_line_is_predicted_from_it_and_keeps_its_records(night: CdnNight) -> None:
    """The odds' line wins over the forms ("+spread"); the records still ride on the game."""
    night.set_spread(GAME, -6.5)
    bridge = NbaBridge()
    bridge.update(parse_scoreboard(night.scoreboard()), schedule=parse_schedule(night.schedule()))
    update = poll(bridge, night, odds=True)
    [prediction] = update.messages
    assert isinstance(prediction, PredictionUpdate)
    game = bridge.games[0]
    home, away = TeamForm(1, 0, 110, 100, rest_days=2), TeamForm(1, 1, 200, 200, rest_days=1)
    assert prediction.data == predict_game(game, home, away, 6.5)
    assert prediction.data.model == f"{MODEL_NAME}+spread"
    assert (game.home_record, game.away_record) == ("1-0", "1-1")


def test_the_forms_are_fixed_at_tip_off(night: CdnNight) -> None:
    """A schedule read during the game changes nothing: every prediction of a game is from one prior."""
    bridge = NbaBridge()
    bridge.update(parse_scoreboard(night.scoreboard()))
    night.start(GAME)
    night.score(GAME, "home", 2, "11:00")
    poll(bridge, night)
    night.score(GAME, "away", 2, "10:00")
    update = bridge.update(parse_scoreboard(night.scoreboard()), schedule=parse_schedule(night.schedule()))
    models = {m.data.model for m in update.messages if isinstance(m, PredictionUpdate)}
    assert models == {f"{MODEL_NAME}+record"}


def test_a_schedule_whose_team_plays_twice_a_day_is_counted_and_the_records_go_alone(night: CdnNight) -> None:
    """Two games of one team on one day before tonight: invalid_schedule, "+record"."""
    night.played("0022600004", "2026-11-29", CELTICS, LAKERS, 100, 90)
    update = NbaBridge().update(parse_scoreboard(night.scoreboard()), schedule=parse_schedule(night.schedule()))
    assert update.anomalies["invalid_schedule"] == 1
    assert update.messages[1].data.model == f"{MODEL_NAME}+record"  # type: ignore[union-attr]


def test_a_playoff_game_takes_the_whole_regular_season_from_the_schedule() -> None:
    """No board record for a playoff game: the schedule's regular-season form, record and points, is the prior."""
    night = CdnNight()
    night.add("0042600101", CELTICS, KNICKS, TIP, records=((3, 0), (0, 3)))
    night.played("0022600001", "2026-11-29", CELTICS, KNICKS, 110, 100)
    schedule = Season.of(parse_schedule(night.schedule()))
    [game] = parse_scoreboard(night.scoreboard()).games
    forms = schedule.forms(game, date(2026, 12, 1))
    assert forms == (TeamForm(1, 0, 110, 100, rest_days=2), TeamForm(0, 1, 100, 110, rest_days=2))
