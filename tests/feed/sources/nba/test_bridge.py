"""The bridge's rules, poll by poll, on the CDN's real file shapes (no sockets)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from harness.cdn import CELTICS, CLIPPERS, KINGS, KNICKS, LAKERS, WARRIORS, CdnNight
from lib.feed.model import predict_game
from lib.feed.sources.nba.bridge import (
    BOX_FAILURES,
    MAX_HELD,
    RESULT_PLAY_POLLS,
    BridgeUpdate,
    NbaBridge,
    Wanted,
    scoring_changes,
)
from lib.feed.sources.nba.cdn import (
    MAX_GAMES,
    PlayByPlay,
    parse_boxscore,
    parse_odds,
    parse_playbyplay,
    parse_scoreboard,
)
from lib.model import MODEL_NAME, TeamForm, home_spread_from_chance
from lib.protocol import (
    MAX_DESCRIPTION,
    Game,
    GameEnd,
    GameStart,
    Message,
    Play,
    PlayUpdate,
    PredictionUpdate,
    ScoreUpdate,
)

GAME = "0022600301"
OTHER = "0022600302"


def poll(bridge: NbaBridge, night: CdnNight, *, odds: bool = False, plays: bool = True) -> BridgeUpdate:
    """One poll as the source makes it: the scoreboard, then the files the bridge asks for."""
    board = parse_scoreboard(night.scoreboard())
    wanted = bridge.wanted(board)
    fetched = {}
    if plays:
        for game_id in wanted.playbyplay:
            payload = night.playbyplay(game_id)
            if payload is not None:
                fetched[game_id] = parse_playbyplay(payload)
    boxes = {}
    for game_id in wanted.boxscore:
        payload = night.boxscore(game_id)
        if payload is not None:
            boxes[game_id] = parse_boxscore(payload)
    margins = parse_odds(night.odds(), spread_of_chance=home_spread_from_chance) if odds else None
    return bridge.update(board, fetched, boxes, margins)


def games(messages: list[Message], game_id: str = GAME) -> list[tuple[str, Game]]:
    """The game messages for one game, as (type, state)."""
    return [
        (m.type, m.data)
        for m in messages
        if isinstance(m, ScoreUpdate | GameStart | GameEnd) and m.data.game_id == game_id
    ]


def scores(messages: list[Message], game_id: str = GAME) -> list[tuple[int, int]]:
    return [(g.home_score, g.away_score) for _, g in games(messages, game_id)]


@pytest.fixture
def night() -> CdnNight:
    night = CdnNight()
    night.add(GAME, CELTICS, KNICKS, datetime(2026, 12, 2, 0, 30, tzinfo=UTC))
    return night


def test_a_scheduled_game_is_sent_with_its_names_tricodes_start_time_and_a_pregame_prediction(night: CdnNight) -> None:
    """A game on the board before tip-off: a scheduled score_update with the demo's team names, then a prediction."""
    messages = poll(NbaBridge(), night).messages
    assert [m.type for m in messages] == ["score_update", "prediction"]
    game = messages[0].data
    assert isinstance(game, Game)
    assert (game.game_id, game.home_team, game.away_team) == (GAME, "Boston Celtics", "New York Knicks")
    assert (game.status, game.period, game.clock, game.home_score, game.away_score) == ("scheduled", 0, "12:00", 0, 0)
    assert game.start_time == datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
    extra = game.model_extra or {}
    assert (extra["home_tricode"], extra["away_tricode"]) == ("BOS", "NYK")
    assert isinstance(messages[1], PredictionUpdate)
    assert messages[1].data.model == f"{MODEL_NAME}+home-edge"


def test_la_teams_read_as_the_demo_names_them() -> None:
    """City and name make the full name: "LA Clippers", "Sacramento Kings"."""
    night = CdnNight()
    night.add(GAME, CLIPPERS, KINGS)
    game = poll(NbaBridge(), night).messages[0].data
    assert isinstance(game, Game)
    assert (game.home_team, game.away_team) == ("LA Clippers", "Sacramento Kings")


def test_nothing_is_sent_again_while_nothing_changes(night: CdnNight) -> None:
    """A second poll of the same files sends nothing."""
    bridge = NbaBridge()
    poll(bridge, night)
    assert poll(bridge, night).messages == []


def test_tip_off_is_a_game_start_and_every_scoring_action_is_its_own_update(night: CdnNight) -> None:
    """Three baskets between two polls arrive as three updates at their own clocks, after the game_start."""
    bridge = NbaBridge()
    poll(bridge, night)
    night.start(GAME)
    night.score(GAME, "home", 2, "11:30")
    night.score(GAME, "away", 3, "11:02")
    night.score(GAME, "home", 1, "10:40")
    night.clock(GAME, 1, "10:12")
    update = poll(bridge, night)
    sent = games(update.messages)
    assert sent[0][0] == "game_start"
    assert [(g.home_score, g.away_score, g.clock) for _, g in sent] == [
        (2, 0, "11:30"),
        (2, 3, "11:02"),
        (3, 3, "10:40"),
        (3, 3, "10:12"),
    ]
    assert all(g.status == "live" and g.period == 1 for _, g in sent)
    kinds = [m.type for m in update.messages if m.type != "play"]
    assert kinds == ["game_start", "prediction", "score_update", "prediction"] + ["score_update", "prediction"] * 2


def test_each_update_carries_a_prediction_of_the_fitted_model_for_that_state(night: CdnNight) -> None:
    """Every game message is followed by the model's prediction for exactly that state."""
    bridge = NbaBridge()
    night.start(GAME)
    night.score(GAME, "home", 3, "11:00")
    messages = [m for m in poll(bridge, night).messages if m.type != "play"]
    for game_message, prediction in zip(messages[::2], messages[1::2], strict=True):
        assert isinstance(prediction, PredictionUpdate)
        assert prediction.data.game_id == game_message.data.game_id
        assert prediction.data.model == f"{MODEL_NAME}+home-edge"
    last = messages[-1]
    assert isinstance(last, PredictionUpdate)
    assert last.data.home_win_probability > 0.5  # the home team leads, at home


def test_halftime_comes_from_the_second_periods_clock_running_out(night: CdnNight) -> None:
    """Period 2 at 00:00 is halftime; the third period starts live again."""
    bridge = NbaBridge()
    night.start(GAME)
    night.clock(GAME, 2, "03:00")
    poll(bridge, night)
    night.end_period(GAME)
    assert [g.status for _, g in games(poll(bridge, night).messages)] == ["halftime"]
    night.next_period(GAME)
    state = games(poll(bridge, night).messages)[-1][1]
    assert (state.status, state.period, state.clock) == ("live", 3, "12:00")


def test_overtime_periods_and_a_final(night: CdnNight) -> None:
    """Periods 5 and up are overtimes with a five-minute clock; status 3 is a game_end with the final score."""
    bridge = NbaBridge()
    night.start(GAME)
    night.clock(GAME, 4, "00:30")
    night.score(GAME, "home", 2, "00:10", period=4)
    poll(bridge, night)
    night.end_period(GAME)
    night.next_period(GAME)
    night.score(GAME, "away", 3, "04:00")
    state = games(poll(bridge, night).messages)[-1][1]
    assert (state.period, state.clock, state.away_score) == (5, "04:00", 3)
    night.score(GAME, "home", 2, "00:01.5")
    night.final(GAME)
    sent = games(poll(bridge, night).messages)
    assert sent[0][1].clock == "00:01.5"
    assert sent[-1][0] == "game_end"
    assert (sent[-1][1].status, sent[-1][1].period, sent[-1][1].home_score, sent[-1][1].away_score) == (
        "final",
        5,
        4,
        3,
    )
    night.score(GAME, "home", 2, "00:00")  # after the final, nothing more is sent
    assert poll(bridge, night).messages == []


def test_the_final_polls_the_play_by_play_once_more_for_the_last_baskets(night: CdnNight) -> None:
    """A basket and the final between two polls: the basket still comes as its own update before the game_end."""
    bridge = NbaBridge()
    night.start(GAME)
    night.clock(GAME, 4, "00:20")
    poll(bridge, night)
    night.score(GAME, "away", 2, "00:03")
    night.final(GAME)
    assert GAME in bridge.wanted(parse_scoreboard(night.scoreboard())).playbyplay
    sent = games(poll(bridge, night).messages)
    assert [(t, g.away_score, g.clock) for t, g in sent] == [("score_update", 2, "00:03"), ("game_end", 2, "00:00")]


def test_without_play_by_play_the_scoreboard_drives_the_game(night: CdnNight) -> None:
    """When no play-by-play comes, the scoreboard's score and clock are sent as they are."""
    bridge = NbaBridge()
    night.start(GAME)
    night.score(GAME, "home", 2, "11:30")
    night.score(GAME, "home", 2, "11:00")
    sent = games(poll(bridge, night, plays=False).messages)
    assert [(g.home_score, g.clock) for _, g in sent] == [(4, "11:00")]


def test_the_play_by_play_catching_up_never_sends_a_lower_score(night: CdnNight) -> None:
    """Scoreboard-only polls show 6-0; the play-by-play then brings 2-0 and 4-0: not sent, the score never goes down."""
    bridge = NbaBridge()
    night.start(GAME)
    for clock in ("11:30", "11:00", "10:30"):
        night.score(GAME, "home", 2, clock)
    assert scores(poll(bridge, night, plays=False).messages) == [(6, 0)]
    night.score(GAME, "away", 3, "10:00")
    update = poll(bridge, night)
    assert scores(update.messages) == [(6, 3)]


def test_a_scorers_correction_in_the_play_by_play_is_sent_lower_with_correction_true(night: CdnNight) -> None:
    """A three rescored as a two: the lower score goes out once, marked as a correction; the next basket is not."""
    bridge = NbaBridge()
    night.start(GAME)
    night.score(GAME, "home", 3, "11:00")
    poll(bridge, night)
    night.rescore(GAME, "home", 1)
    sent = games(poll(bridge, night).messages)
    assert len(sent) == 1
    corrected = sent[0][1]
    assert (corrected.home_score, corrected.correction) == (2, True)
    night.score(GAME, "away", 2, "10:30")
    after = games(poll(bridge, night).messages)
    assert [(g.home_score, g.away_score) for _, g in after] == [(2, 2)]
    assert all(g.correction is None for _, g in after)


def test_a_lower_scoreboard_score_alone_is_held_not_sent(night: CdnNight) -> None:
    """Without the play-by-play, a scoreboard score that went down is not a correction: the shown score holds."""
    bridge = NbaBridge()
    night.start(GAME)
    night.score(GAME, "home", 3, "11:00")
    poll(bridge, night, plays=False)
    night.rescore(GAME, "home", 1)
    night.clock(GAME, 1, "10:00")
    sent = games(poll(bridge, night, plays=False).messages)
    assert [(g.home_score, g.clock) for _, g in sent] == [(3, "10:00")]


def test_an_out_of_date_copy_of_the_scoreboard_is_ignored_and_counted(night: CdnNight) -> None:
    """A board whose game is earlier than what was sent (an older copy on another edge) sends nothing."""
    bridge = NbaBridge()
    night.start(GAME)
    night.clock(GAME, 3, "05:00")
    poll(bridge, night, plays=False)
    night.clock(GAME, 2, "01:00")
    update = poll(bridge, night, plays=False)
    assert update.messages == []
    assert update.anomalies["stale_response"] == 1


def test_a_game_missing_from_one_poll_keeps_its_state_and_comes_back(night: CdnNight) -> None:
    """A scheduled game gone from one board is counted missing, kept, and picked up again without a repeat."""
    bridge = NbaBridge()
    poll(bridge, night)
    night.games[GAME].on_board = False
    update = poll(bridge, night)
    assert (update.messages, update.anomalies["missing_game"]) == ([], 1)
    assert [g.game_id for g in bridge.games] == [GAME]
    night.games[GAME].on_board = True
    assert poll(bridge, night).messages == []


def test_a_game_in_progress_missing_from_the_board_is_followed_through_its_box_score(night: CdnNight) -> None:
    """A live game the board lost: its box score and play-by-play carry it on."""
    bridge = NbaBridge()
    night.start(GAME)
    poll(bridge, night)
    night.games[GAME].on_board = False
    night.score(GAME, "away", 2, "09:00")
    wanted = bridge.wanted(parse_scoreboard(night.scoreboard()))
    assert (wanted.boxscore, wanted.playbyplay) == ((GAME,), (GAME,))
    update = poll(bridge, night)
    assert scores(update.messages) == [(0, 2)]
    assert update.anomalies["missing_game"] == 1


def test_the_date_rollover_forgets_the_old_days_finals_and_takes_the_new_games(night: CdnNight) -> None:
    """A new gameDate: yesterday's final leaves the bridge, today's game arrives; an older board after it is ignored."""
    bridge = NbaBridge()
    night.start(GAME)
    night.final(GAME)
    poll(bridge, night)
    night.game_date = "2026-12-02"
    del night.games[GAME]
    night.add(OTHER, CLIPPERS, KINGS)
    update = poll(bridge, night)
    assert [g.game_id for _, g in games(update.messages, OTHER)] == [OTHER]
    assert [g.game_id for g in bridge.games] == [OTHER]
    assert update.anomalies["missing_game"] == 0
    night.game_date = "2026-12-01"
    stale = poll(bridge, night)
    assert (stale.messages, stale.anomalies["stale_response"]) == ([], 1)


def test_the_odds_set_the_pregame_margin_and_are_fixed_at_tip_off(night: CdnNight) -> None:
    """A spread of -6.5 makes the home team a 6.5-point favourite ("+spread"); a line moved after tip-off counts not."""
    bridge = NbaBridge()
    poll(bridge, night)
    night.set_spread(GAME, -6.5)
    repriced = [m for m in poll(bridge, night, odds=True).messages if isinstance(m, PredictionUpdate)]
    assert len(repriced) == 1
    assert repriced[0].data.model == f"{MODEL_NAME}+spread"
    favoured = repriced[0].data.home_win_probability
    assert favoured > 0.65
    night.start(GAME)
    poll(bridge, night, odds=True)
    night.set_spread(GAME, 10.0)
    night.clock(GAME, 1, "11:00")
    predictions = [m for m in poll(bridge, night, odds=True).messages if isinstance(m, PredictionUpdate)]
    assert [p.data.model for p in predictions] == [f"{MODEL_NAME}+spread"]
    assert predictions[0].data.home_win_probability > 0.65


def test_a_game_first_seen_in_progress_starts_from_the_home_edge() -> None:
    """Odds read during a game may be in-play odds: a game first seen live is priced from the home edge."""
    night = CdnNight()
    night.add(GAME, CELTICS, KNICKS)
    night.set_spread(GAME, -12.0)
    night.start(GAME)
    predictions = [m for m in poll(NbaBridge(), night, odds=True).messages if isinstance(m, PredictionUpdate)]
    assert {p.data.model for p in predictions} == {f"{MODEL_NAME}+home-edge"}


def test_scoring_changes_compare_running_scores_not_action_types() -> None:
    """Only actions that change the running score count, whatever their type; the first has none before it."""
    night = CdnNight()
    night.add(GAME, CELTICS, KNICKS)
    night.start(GAME)
    night.score(GAME, "home", 2, "11:00")
    night.score(GAME, "away", 1, "10:00")
    plays = parse_playbyplay(night.playbyplay(GAME))
    changes = scoring_changes(plays.actions)
    assert [(c.home_score, c.away_score, c.clock, c.period) for c in changes] == [
        (2, 0, "11:00", 1),
        (2, 1, "10:00", 1),
    ]


def test_without_odds_or_records_the_prediction_is_the_models_from_the_home_edge() -> None:
    """No line, no records on the board: predict_game's prediction with no form, "+home-edge"."""
    night = CdnNight()
    night.add(GAME, CELTICS, KNICKS)
    game, prediction = (m.data for m in poll(NbaBridge(), night).messages)
    assert isinstance(game, Game)
    assert prediction == predict_game(game)
    assert (game.home_record, game.away_record) == (None, None)


def test_a_lost_game_without_a_box_score_is_dropped_and_polled_no_more(night: CdnNight) -> None:
    """Live once, then off the board with no box score: dropped after BOX_FAILURES polls, then not asked for."""
    bridge = NbaBridge()
    night.start(GAME)
    poll(bridge, night)
    del night.games[GAME]
    for _ in range(BOX_FAILURES - 1):
        assert poll(bridge, night).anomalies["dropped_game"] == 0
        assert bridge.wanted(parse_scoreboard(night.scoreboard())).boxscore == (GAME,)
    assert poll(bridge, night).anomalies["dropped_game"] == 1
    assert bridge.games == []
    assert bridge.wanted(parse_scoreboard(night.scoreboard())) == Wanted((), (), False)


def test_a_lost_game_whose_box_score_stands_still_is_dropped_after_missing_polls(night: CdnNight) -> None:
    """Off the board, its box score unchanged poll after poll: dropped once ``missing_polls`` polls bring nothing."""
    bridge = NbaBridge(missing_polls=3)
    night.start(GAME)
    poll(bridge, night)
    night.games[GAME].on_board = False
    night.score(GAME, "home", 2, "11:00")
    assert scores(poll(bridge, night).messages) == [(2, 0)]  # the box score still moves it: kept
    assert [poll(bridge, night).anomalies["dropped_game"] for _ in range(3)] == [0, 0, 1]
    assert bridge.games == []


def test_a_lost_game_settled_by_its_box_score_ends_and_is_polled_no_more(night: CdnNight) -> None:
    """Off the board, its box score final: a game_end, then no more box scores asked for."""
    bridge = NbaBridge()
    night.start(GAME)
    poll(bridge, night)
    night.games[GAME].on_board = False
    night.final(GAME)
    assert [kind for kind, _ in games(poll(bridge, night).messages)] == ["game_end"]
    assert bridge.wanted(parse_scoreboard(night.scoreboard())).boxscore == ()
    assert [g.status for g in bridge.games] == ["final"]


def test_games_held_are_bounded_whatever_the_boards_list(night: CdnNight) -> None:
    """Boards of 30 new games each poll: the oldest off the board make room, never more than MAX_HELD held."""
    bridge = NbaBridge()
    for batch in range(5):
        night.games.clear()
        for index in range(MAX_GAMES):
            night.add(f"0{batch}22{index:05d}", CELTICS, KNICKS)
        poll(bridge, night)
        assert len(bridge.games) <= MAX_HELD
    assert {g.game_id for g in bridge.games} >= set(night.games)


def test_no_room_for_a_new_game_when_every_game_held_is_in_progress(night: CdnNight) -> None:
    """MAX_HELD games in progress on the board: a further game is not taken, and counted too_many_games."""
    bridge = NbaBridge()
    night.games.clear()
    for index in range(MAX_HELD):
        night.add(f"0022{index:06d}", CELTICS, KNICKS)
        night.start(f"0022{index:06d}")
    for start in range(0, MAX_HELD, MAX_GAMES):  # a board lists 30 at most: two boards fill the bridge
        for index, game in enumerate(night.games.values()):
            game.on_board = start <= index < start + MAX_GAMES
        poll(bridge, night)
    night.add("0022999999", LAKERS, WARRIORS)
    for game in night.games.values():
        game.on_board = game.game_id == "0022999999"
    update = poll(bridge, night, plays=False)
    assert update.anomalies["too_many_games"] == 1
    assert "0022999999" not in {g.game_id for g in bridge.games}


def test_plays_handed_over_a_few_at_a_time_give_what_whole_files_give(night: CdnNight) -> None:
    """A replay's growing prefixes, read from where the bridge stopped: the same messages as whole files read anew."""
    night.start(GAME)
    for minute in range(11, 0, -1):
        night.score(GAME, "home" if minute % 2 else "away", 2 + minute % 2, f"{minute:02d}:00")
        night.miss(GAME, "home", f"{minute - 1:02d}:30")
    board = parse_scoreboard(night.scoreboard())
    actions = parse_playbyplay(night.playbyplay(GAME)).actions
    whole, stepped = NbaBridge(), NbaBridge()
    for shown in range(1, len(actions) + 1):
        anew = PlayByPlay(GAME, actions[:shown], 0)
        onward = PlayByPlay(GAME, actions[:shown], 0, known=shown - 1)
        assert whole.update(board, {GAME: anew}).messages == stepped.update(board, {GAME: onward}).messages


# -- plays --------------------------------------------------------------------------------------


def plays_of(messages: list[Message]) -> list[Play]:
    return [m.data for m in messages if isinstance(m, PlayUpdate)]


def test_every_action_is_a_play_in_order_with_the_models_chance_for_its_state() -> None:
    """Each action once, in order, after the game's state: its kind, team, player, words, score, and predict_game's
    chance for the game at that moment from the same records as the predictions."""
    night = CdnNight()
    night.add(GAME, CELTICS, KNICKS, records=((10, 5), (7, 8)))
    bridge = NbaBridge()
    poll(bridge, night)
    night.start(GAME)
    night.score(GAME, "home", 3, "11:30", player="J. Tatum")
    night.miss(GAME, "away", "11:10", player="J. Brunson")
    night.act(GAME, "home", "rebound", "11:08", "J. Brown REBOUND (Off:0 Def:1)", playerNameI="J. Brown")
    night.act(GAME, "away", "foul", "11:00", "J. Hart personal FOUL (1 PF)", playerNameI="J. Hart")
    night.score(GAME, "home", 1, "11:00", player="J. Brown")
    night.act(GAME, "away", "turnover", "10:40", "J. Brunson Bad Pass TURNOVER (1 TO)", playerNameI="J. Brunson")
    night.act(GAME, "home", "timeout", "10:40", "Celtics Timeout: Regular")
    night.act(GAME, "away", "substitution", "10:40", "SUB: M. Bridges FOR J. Hart")
    night.act(GAME, "away", "violation", "10:20", "J. Hart Violation: Kicked Ball")
    messages = poll(bridge, night).messages
    plays = plays_of(messages)
    actions = parse_playbyplay(night.playbyplay(GAME)).actions  # type: ignore[arg-type]
    assert [p.play_id for p in plays] == [a.action_number for a in actions]
    assert [p.kind for p in plays] == [
        "period",
        "other",  # the jump ball
        "made_shot",
        "missed_shot",
        "rebound",
        "foul",
        "free_throw",
        "turnover",
        "timeout",
        "substitution",
        "other",
    ]
    assert [p.team for p in plays[2:6]] == ["Boston Celtics", "New York Knicks", "Boston Celtics", "New York Knicks"]
    assert (plays[0].team, plays[0].player, plays[0].description) == (None, None, "Period Start")
    assert [p.player for p in plays[2:5]] == ["J. Tatum", "J. Brunson", "J. Brown"]
    assert plays[4].description == "J. Brown REBOUND (Off:0 Def:1)"
    assert [(p.home_score, p.away_score) for p in plays][-1] == (4, 0)
    home, away = TeamForm(10, 5), TeamForm(7, 8)
    for play in plays:
        state = bridge.games[0].model_copy(
            update={
                "period": play.period,
                "clock": play.clock,
                "home_score": play.home_score,
                "away_score": play.away_score,
                "status": "live",
            }
        )
        assert play.home_win_probability == predict_game(state, home, away).home_win_probability
    last_state = max(i for i, m in enumerate(messages) if isinstance(m, ScoreUpdate | GameStart))
    assert all(isinstance(m, PlayUpdate) for m in messages[last_state + 2 :])  # the states first, then the plays


def test_a_play_is_sent_once_and_again_only_when_the_cdn_edits_it(night: CdnNight) -> None:
    """A second poll of the same file sends no play; an action whose words change is sent again under its number."""
    bridge = NbaBridge()
    night.start(GAME)
    night.score(GAME, "home", 2, "11:30")
    poll(bridge, night)
    assert plays_of(poll(bridge, night).messages) == []
    night.games[GAME].actions[-1]["description"] = "P. George 3' driving Layup (2 PTS)"
    [edited] = plays_of(poll(bridge, night).messages)
    assert (edited.play_id, edited.description) == (
        night.games[GAME].actions[-1]["actionNumber"],
        "P. George 3' driving Layup (2 PTS)",
    )


def test_the_last_play_carries_the_result_once_the_game_is_final(night: CdnNight) -> None:
    """The game's end, sent while the board still says live, goes again with 1 (a home win) when it is final."""
    bridge = NbaBridge()
    night.start(GAME)
    night.score(GAME, "home", 2, "00:30", period=4)
    night.end_period(GAME)
    night.games[GAME].actions.append(
        {
            **night.games[GAME].actions[-1],
            "actionNumber": 99,
            "actionType": "game",
            "subType": "end",
            "description": "Game End",
        }
    )
    [*_, end] = plays_of(poll(bridge, night).messages)
    assert end.play_id == 99
    assert 0.5 < end.home_win_probability < 1.0
    night.final(GAME)
    night.games[GAME].actions.pop()  # the stand-in's own game-end action: the one above stays the last
    final = plays_of(poll(bridge, night).messages)
    assert [(p.play_id, p.home_win_probability) for p in final] == [(99, 1.0)]


def test_a_final_whose_play_by_play_failed_sends_the_result_play_at_a_later_poll(night: CdnNight) -> None:
    """The play-by-play fails on the poll the game goes final: it is asked for again, and its last play carries 1."""
    bridge = NbaBridge()
    night.start(GAME)
    night.score(GAME, "home", 2, "00:30", period=4)
    poll(bridge, night)
    night.score(GAME, "home", 2, "00:04", period=4)
    night.final(GAME)
    missed = poll(bridge, night, plays=False)
    assert [t for t, _ in games(missed.messages)] == ["game_end"]
    assert plays_of(missed.messages) == []
    assert GAME in bridge.wanted(parse_scoreboard(night.scoreboard())).playbyplay
    caught_up = plays_of(poll(bridge, night).messages)
    assert caught_up
    assert caught_up[-1].home_win_probability == 1.0
    assert all(0.0 < p.home_win_probability < 1.0 for p in caught_up[:-1])
    assert GAME not in bridge.wanted(parse_scoreboard(night.scoreboard())).playbyplay
    assert plays_of(poll(bridge, night).messages) == []


def test_a_final_stops_asking_for_its_play_by_play_after_a_few_failed_polls(night: CdnNight) -> None:
    """A final whose play-by-play never comes is asked for RESULT_PLAY_POLLS more polls, then left."""
    bridge = NbaBridge()
    night.start(GAME)
    poll(bridge, night)
    night.final(GAME)
    asked = 0
    for _ in range(RESULT_PLAY_POLLS + 3):
        poll(bridge, night, plays=False)
        asked += GAME in bridge.wanted(parse_scoreboard(night.scoreboard())).playbyplay
    assert asked == RESULT_PLAY_POLLS


def test_words_past_the_protocols_limits_are_cut_and_counted(night: CdnNight) -> None:
    """A 600-character description is cut to MAX_DESCRIPTION and a 70-character name to 64 (play_text_cut);
    bidirectional controls are taken out and blank words are no words."""
    bridge = NbaBridge()
    night.start(GAME)
    night.act(GAME, "home", "foul", "11:00", "x" * 600, playerNameI="\u202eJ. Brown")
    night.act(GAME, "home", "foul", "10:50", "   ", playerNameI="y" * 70)
    update = poll(bridge, night)
    long_words, blank = plays_of(update.messages)[-2:]
    assert (len(long_words.description or ""), long_words.player) == (MAX_DESCRIPTION, "J. Brown")
    assert (blank.description, len(blank.player or "")) == (None, 64)
    assert update.anomalies["play_text_cut"] == 2
