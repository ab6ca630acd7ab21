"""The night: slates, schedule, every scoring change as its own message, snapshots, real flows."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any

import pytest

from lib.feed.flows import GameFlow, ScoringEvent
from lib.feed.model import predict_game
from lib.feed.sources.games_csv import game_forms
from lib.feed.sources.night import GAMES_PER_WAVE, MAX_GAMES, TIP_OFF_STAGGER, NightSimulator
from lib.feed.teams import SEASON_GAMES, TEAMS, season_form
from lib.model import MODEL_NAME, TeamForm
from lib.protocol import (
    PLAYS_PER_GAME,
    Game,
    GameEnd,
    GameStart,
    Message,
    Play,
    PlayUpdate,
    Prediction,
    PredictionUpdate,
    ScoreUpdate,
    clock_text,
    encode,
    parse,
    record_text,
)

START = 1_750_000_000.0


def _run(sim: NightSimulator, seconds: float, step: float) -> list[tuple[float, Message]]:
    """Advance from START in steps (computed, not accumulated, so step sizes share exact times)."""
    return [
        (now, message)
        for now in (START + i * step for i in range(round(seconds / step) + 1))
        for message in sim.advance(now)
    ]


def _game_messages(messages: list[tuple[float, Message]]) -> dict[str, list[tuple[float, Message]]]:
    by_game: dict[str, list[tuple[float, Message]]] = defaultdict(list)
    for now, message in messages:
        if isinstance(message, ScoreUpdate | GameStart | GameEnd):
            by_game[message.data.game_id].append((now, message))
    return by_game


def _finished(night: list[tuple[float, Message]]) -> dict[str, list[tuple[float, Message]]]:
    """The messages of each game that went final during the night (the last slate may still be on)."""
    finished = {
        game_id: messages for game_id, messages in _game_messages(night).items() if isinstance(messages[-1][1], GameEnd)
    }
    assert len(finished) >= 24
    return finished


@pytest.fixture(scope="module")
def night() -> list[tuple[float, Message]]:
    """Several slates at speed 150, advanced every real second."""
    return _run(NightSimulator(games=8, seed=42, speed=150.0, start=START), 200.0, 1.0)


def test_same_seed_same_night() -> None:
    """Two simulators with one seed send the same messages."""
    first = _run(NightSimulator(seed=3, speed=150.0, start=START), 90.0, 1.0)
    second = _run(NightSimulator(seed=3, speed=150.0, start=START), 90.0, 1.0)
    assert [encode(m) for _, m in first] == [encode(m) for _, m in second]


def _observe(step: float) -> tuple[list[tuple[list[Game], list[str]]], dict[str, str]]:
    """Games and snapshot every 14 s over 140 s of a fixed night stepped by ``step``, and each game's end."""
    sim = NightSimulator(games=6, seed=11, speed=150.0, start=START)
    states: list[tuple[list[Game], list[str]]] = []
    ends: dict[str, str] = {}
    for i in range(round(140 / step) + 1):
        ends.update((m.data.game_id, encode(m)) for m in sim.advance(START + i * step) if isinstance(m, GameEnd))
        if i * step % 14 == 0:
            states.append((sim.games, [encode(m) for m in sim.snapshot()]))
    return states, ends


def test_state_does_not_depend_on_step_size() -> None:
    """Stepping every 0.5 s, 2 s or 7 s gives the same games and snapshots at common times, and the same finals."""
    fine, medium, coarse = (_observe(step) for step in (0.5, 2.0, 7.0))
    assert fine == medium == coarse
    assert len(fine[1]) >= 6


def test_game_ids_are_unique_across_slates_and_runs(night: list[tuple[float, Message]]) -> None:
    """Each slate brings new game ids, never reused, 1-64 characters, and another seed gives other ids."""
    by_game = _game_messages(night)
    slates = {game_id.rsplit("-", 2)[1] for game_id in by_game}
    assert len(slates) >= 3
    assert len(by_game) == 8 * len(slates)
    assert all(1 <= len(game_id) <= 64 for game_id in by_game)
    first_seen = sorted(by_game, key=lambda game_id: by_game[game_id][0][0])
    for earlier, later in itertools.pairwise(first_seen):
        assert int(earlier.rsplit("-", 2)[1]) <= int(later.rsplit("-", 2)[1])
    other = _game_messages(_run(NightSimulator(games=8, seed=43, speed=150.0, start=START), 1.0, 1.0))
    assert not set(other) & set(by_game)


def test_every_message_survives_the_wire(night: list[tuple[float, Message]]) -> None:
    """Every message encodes and parses back to itself, and carries no ts or seq."""
    for _, message in night:
        assert parse(encode(message)) == message
        assert message.ts is None
        assert message.seq is None


def test_each_game_message_is_followed_by_its_prediction(night: list[tuple[float, Message]]) -> None:
    """Every game message comes with a prediction for the same game from the teams' form (+form)."""
    messages = [message for _, message in night if not isinstance(message, PlayUpdate)]
    for message, following in zip(messages[::2], messages[1::2], strict=True):
        assert isinstance(message, ScoreUpdate | GameStart | GameEnd)
        assert isinstance(following, PredictionUpdate)
        assert following.data.game_id == message.data.game_id
        assert following.data.model == f"{MODEL_NAME}+form"
        if isinstance(message, GameEnd):
            won = message.data.home_score > message.data.away_score
            assert following.data.home_win_probability == (1.0 if won else 0.0)


_ALLOWED = {
    ("scheduled", "scheduled"),
    ("scheduled", "live"),
    ("live", "live"),
    ("live", "halftime"),
    ("halftime", "halftime"),
    ("halftime", "live"),
    ("live", "final"),
}


def test_status_clock_and_period_transitions(night: list[tuple[float, Message]]) -> None:
    """Per game: scheduled, live (halftime after period 2), final; scores, periods and clocks never go back."""
    for messages in _game_messages(night).values():
        states = [message.data for _, message in messages]
        for game in states:
            assert game.differential == game.home_score - game.away_score
            assert (game.period == 0) == (game.status == "scheduled")
            assert game.status != "halftime" or (game.period, game.clock) == (2, "00:00")
        for before, after in itertools.pairwise(states):
            assert (before.status, after.status) in _ALLOWED
            assert after.period >= before.period
            assert after.home_score >= before.home_score
            assert after.away_score >= before.away_score
            if after.period == before.period and before.status == after.status == "live":
                assert after.clock <= before.clock


def test_each_finished_game_starts_once_and_ends_once(night: list[tuple[float, Message]]) -> None:
    """A finished game had one GameStart and one GameEnd, its last message, with a winner after 4+ periods."""
    for messages in _finished(night).values():
        kinds = [type(message) for _, message in messages]
        assert kinds.count(GameStart) == 1
        assert kinds.count(GameEnd) == 1
        final = messages[-1][1].data
        assert final.period >= 4
        assert final.home_score != final.away_score


def test_slates_turn_over_quickly_at_speed_150(night: list[tuple[float, Message]]) -> None:
    """At speed 150 the first games of each slate end within 60 real seconds, and new slates follow."""
    starts: dict[str, float] = {}
    for messages in _finished(night).values():
        tip_off = next(now for now, message in messages if isinstance(message, GameStart))
        end = next(now for now, message in messages if isinstance(message, GameEnd))
        slate = messages[0][1].data.game_id.rsplit("-", 2)[1]
        first_wave = int(messages[0][1].data.game_id.rsplit("-", 1)[1]) <= GAMES_PER_WAVE
        if first_wave:
            starts.setdefault(slate, tip_off)
            assert end - starts[slate] <= 60.0
    assert len(starts) >= 3


def test_default_speed_game_lasts_a_few_minutes() -> None:
    """At the default speed of 24 a game takes between two and five real minutes."""
    by_game = _game_messages(_run(NightSimulator(games=1, seed=5, start=START), 330.0, 5.0))
    messages = next(iter(by_game.values()))
    tip_off = next(now for now, message in messages if isinstance(message, GameStart))
    end = next(now for now, message in messages if isinstance(message, GameEnd))
    assert 120.0 <= end - tip_off <= 300.0


def test_new_slate_is_announced_and_first_wave_tips_off_at_once() -> None:
    """At the start every game is announced as scheduled with its pregame prediction; the first wave then tips off."""
    sim = NightSimulator(games=8, seed=1, speed=24.0, start=START)
    messages = sim.advance(START)
    game_messages = [m for m in messages if not isinstance(m, PredictionUpdate | PlayUpdate)]
    first_wave = [ScoreUpdate, GameStart] * GAMES_PER_WAVE
    assert [type(m) for m in game_messages] == first_wave + [ScoreUpdate] * (8 - GAMES_PER_WAVE)
    tipped_off = game_messages[1 : len(first_wave) : 2]
    announced = game_messages[0 : len(first_wave) : 2] + game_messages[len(first_wave) :]
    assert all((m.data.period, m.data.clock, m.data.home_score) == (1, "12:00", 0) for m in tipped_off)
    assert all((m.data.status, m.data.period, m.data.clock) == ("scheduled", 0, "12:00") for m in announced)
    pregame = [
        after.data.game_id
        for before, after in itertools.pairwise(messages)
        if isinstance(before, ScoreUpdate) and before.data.status == "scheduled" and isinstance(after, PredictionUpdate)
    ]
    assert pregame == [m.data.game_id for m in announced]


def test_start_time_is_the_wall_time_of_the_tip_off() -> None:
    """start_time is start + tip-off sim time / speed, in UTC: waves are TIP_OFF_STAGGER sim seconds apart."""
    sim = NightSimulator(games=7, seed=2, speed=24.0, start=START)
    sim.advance(START)
    times = [game.start_time for game in sim.games]
    assert times == [
        datetime.fromtimestamp(START + (index // GAMES_PER_WAVE) * TIP_OFF_STAGGER / 24.0, tz=UTC) for index in range(7)
    ]


def test_snapshot_is_the_current_state_with_latest_predictions(night: list[tuple[float, Message]]) -> None:
    """snapshot() gives each current game's message (GameEnd once final) then the prediction last sent for it."""
    sim = NightSimulator(games=8, seed=42, speed=150.0, start=START)
    assert sim.snapshot() == []
    latest: dict[str, Prediction] = {}
    for now in (START, START + 20.0, START + 45.0, START + 59.0):
        for message in sim.advance(now):
            if isinstance(message, PredictionUpdate):
                latest[message.data.game_id] = message.data
        snapshot = sim.snapshot()
        games = [message.data for message in snapshot[::2]]
        assert games == sim.games
        assert len(games) == 8
        for message, prediction in zip(snapshot[::2], snapshot[1::2], strict=True):
            assert isinstance(message, GameEnd if message.data.status == "final" else ScoreUpdate)
            assert isinstance(prediction, PredictionUpdate)
            assert prediction.data == latest[message.data.game_id]


def test_start_defaults_to_the_first_advance() -> None:
    """Without a start, the night begins at the first advance: its first games tip off then."""
    sim = NightSimulator(games=2, seed=4)
    assert sim.games == []
    sim.advance(START)
    assert [game.start_time for game in sim.games] == [datetime.fromtimestamp(START, tz=UTC)] * 2
    assert [game.status for game in sim.games] == ["live", "live"]


def test_games_are_scheduled_before_the_start() -> None:
    """Before start every game of the first slate is scheduled."""
    sim = NightSimulator(games=4, seed=4, start=START)
    sim.advance(START - 60.0)
    assert {game.status for game in sim.games} == {"scheduled"}


def test_time_never_runs_backwards() -> None:
    """An earlier now changes nothing and sends nothing."""
    sim = NightSimulator(seed=6, speed=24.0, start=START)
    sim.advance(START + 100.0)
    before = sim.games
    assert sim.advance(START + 50.0) == []
    assert sim.games == before


def test_rejects_a_time_that_is_not_a_number() -> None:
    """A NaN or infinite now raises instead of corrupting the night's clock."""
    sim = NightSimulator(seed=6, start=START)
    for now in (math.nan, math.inf):
        with pytest.raises(ValueError, match="finite"):
            sim.advance(now)


def test_a_long_jump_reports_finals_before_the_new_slate() -> None:
    """Jumping over several slates sends the old slate's finals first, then only the current slate remains."""
    sim = NightSimulator(games=4, seed=8, speed=150.0, start=START)
    sim.advance(START)
    first = {game.game_id for game in sim.games}
    messages = [m for m in sim.advance(START + 1000.0) if not isinstance(m, PredictionUpdate | PlayUpdate)]
    ended = [m.data.game_id for m in messages if isinstance(m, GameEnd)]
    assert ended[:4] == sorted(first)
    current = {game.game_id for game in sim.games}
    assert not current & first
    assert all(m.data.game_id in current for m in messages[-4:])


@pytest.mark.parametrize(
    "arguments",
    [{"games": 0}, {"games": MAX_GAMES + 1}, {"speed": 0.0}, {"speed": -1.0}, {"speed": math.inf}, {"speed": math.nan}],
)
def test_rejects_impossible_settings(arguments: dict[str, Any]) -> None:
    """A slate needs 1-15 games between distinct teams, and time must run forward at a finite speed."""
    with pytest.raises(ValueError, match="must be"):
        NightSimulator(**arguments)


# --- every scoring change, and real flows --------------------------------------------------------


def _score_sequences(messages: list[tuple[float, Message]]) -> dict[str, list[tuple[int, int]]]:
    """Each game's scores as its messages showed them, repeats and the 0-0 before the first score left out."""
    sequences: dict[str, list[tuple[int, int]]] = {}
    for game_id, game_messages in _game_messages(messages).items():
        scores = [(m.data.home_score, m.data.away_score) for _, m in game_messages]
        sequences[game_id] = [now for before, now in itertools.pairwise([(0, 0), *scores]) if now != before]
    return sequences


def test_every_scoring_change_is_sent_whatever_the_step() -> None:
    """Coarse steps send the same score sequences as fine ones: one team's 1-3 points at a time, none skipped."""
    fine = _score_sequences(_run(NightSimulator(games=6, seed=12, speed=150.0, start=START), 120.0, 0.5))
    coarse = _score_sequences(_run(NightSimulator(games=6, seed=12, speed=150.0, start=START), 120.0, 10.0))
    assert fine == coarse
    for scores in fine.values():
        for (home, away), (next_home, next_away) in itertools.pairwise([(0, 0), *scores]):
            assert sorted((next_home - home, next_away - away)) in ([0, 1], [0, 2], [0, 3])


def _flow(game_id: str, home: str, away: str, *events: tuple[int, int, int, int]) -> GameFlow:
    return GameFlow(game_id, date(2016, 1, 1), home, away, tuple(ScoringEvent(*event) for event in events))


def test_real_flows_are_played_exactly_in_file_order(real_games: list[GameFlow]) -> None:
    """Every game of the real file is sent with its real teams, its whole real score sequence and its real final."""
    night = _run(NightSimulator(games=8, seed=1, speed=1000.0, start=START, flows=real_games), 1000.0, 1.0)
    sequences = _score_sequences(night)
    game_messages = _game_messages(night)
    names = {team.tricode: team.name for team in TEAMS}
    assert [game_id.rsplit("-", 1)[1] for game_id in sequences] == [flow.game_id for flow in real_games]
    for (game_id, scores), flow in zip(sequences.items(), real_games, strict=True):
        assert game_id.startswith("real-")
        assert len(game_id) <= 64
        assert scores == list(flow.scores)
        *_, (_, last) = game_messages[game_id]
        assert isinstance(last, GameEnd)
        assert (last.data.home_score, last.data.away_score) == flow.final_score
        assert (last.data.home_team, last.data.away_team) == (names[flow.home_team], names[flow.away_team])
    assert not _plays_by_game(night)  # no plays without a plays file


def test_when_the_flows_run_out_the_last_finals_stay() -> None:
    """After the last real game the night stays at its slate's finals and sends nothing more."""
    teams = [("BOS", "NYK"), ("MIA", "LAL"), ("OKC", "WAS")]
    flows = [_flow(f"g{n}", home, away, (1, 700, 2, 0), (4, 10, 2, 3)) for n, (home, away) in enumerate(teams)]
    sim = NightSimulator(games=2, seed=1, speed=150.0, start=START, flows=flows)
    sim.advance(START)
    assert [game.game_id.rsplit("-", 1)[1] for game in sim.games] == ["g0", "g1"]
    sim.advance(START + 10_000.0)
    assert [(game.game_id.rsplit("-", 1)[1], game.status) for game in sim.games] == [("g2", "final")]
    assert sim.advance(START + 20_000.0) == []
    assert [game.status for game in sim.games] == ["final"]
    assert sim.next_due() is None
    assert NightSimulator(flows=[]).advance(START) == []


def test_real_games_are_predicted_from_the_forms_of_earlier_games() -> None:
    """A team's first game of the file is 0-0, its record then advances by its results; predictions use those forms."""
    flows = [
        GameFlow("a", date(2016, 1, 1), "BOS", "NYK", (ScoringEvent(1, 700, 2, 0), ScoringEvent(4, 10, 100, 90))),
        GameFlow("b", date(2016, 1, 2), "XXX", "BOS", (ScoringEvent(1, 700, 0, 3), ScoringEvent(4, 10, 80, 95))),
        GameFlow("c", date(2016, 1, 3), "NYK", "BOS", (ScoringEvent(1, 700, 2, 0), ScoringEvent(4, 10, 99, 98))),
    ]
    sim = NightSimulator(games=1, seed=1, speed=1000.0, start=START, flows=flows)
    messages = _run(sim, 100.0, 1.0)
    records = {}
    for _, message in messages:
        if isinstance(message, ScoreUpdate | GameStart | GameEnd):
            records.setdefault(message.data.game_id.rsplit("-", 1)[1], set()).add(
                (message.data.home_team, message.data.home_record, message.data.away_team, message.data.away_record)
            )
    assert records == {
        "a": {("Boston Celtics", "0-0", "New York Knicks", "0-0")},
        "b": {("XXX", "0-0", "Boston Celtics", "1-0")},
        "c": {("New York Knicks", "0-1", "Boston Celtics", "2-0")},
    }
    forms = game_forms(flows)
    assert forms["c"] == (TeamForm(0, 1, 90.0, 100.0), TeamForm(2, 0, 195.0, 170.0))
    states = {m.data.game_id: m.data for _, m in messages if isinstance(m, ScoreUpdate | GameStart | GameEnd)}
    predictions = [(now, m.data) for now, m in messages if isinstance(m, PredictionUpdate)]
    models = {(p.game_id.rsplit("-", 1)[1], p.model) for _, p in predictions}
    # Game a's teams have played nothing yet: their forms tell nothing beyond the home edge.
    assert models == {("a", f"{MODEL_NAME}+home-edge"), ("b", f"{MODEL_NAME}+form"), ("c", f"{MODEL_NAME}+form")}
    shown: dict[str, Game] = {}
    for _, message in messages:
        if isinstance(message, ScoreUpdate | GameStart | GameEnd):
            shown[message.data.game_id] = message.data
        elif isinstance(message, PredictionUpdate):
            game = shown[message.data.game_id]
            assert message.data == predict_game(game, *forms[game.game_id.rsplit("-", 1)[1]])
    assert len(states) == 3


def test_demo_states_carry_the_teams_records_and_predictions_their_form() -> None:
    """Every simulated state carries both records, one season's point for every team, and is predicted +form."""
    sim = NightSimulator(games=MAX_GAMES, seed=9, speed=150.0, start=START)
    messages = sim.advance(START + 30.0)
    states = [m.data for m in messages if isinstance(m, ScoreUpdate | GameStart | GameEnd)]
    predictions = [m.data for m in messages if isinstance(m, PredictionUpdate)]
    assert len(states) == len(predictions) > 2 * MAX_GAMES
    names = {team.name: team for team in TEAMS}
    forms: dict[str, TeamForm] = {}
    for game, prediction in zip(states, predictions, strict=True):
        assert game.home_record is not None
        assert game.away_record is not None
        home_wins, home_losses = map(int, game.home_record.split("-"))
        away_wins, away_losses = map(int, game.away_record.split("-"))
        forms.setdefault(game.home_team, TeamForm(home_wins, home_losses))
        forms.setdefault(game.away_team, TeamForm(away_wins, away_losses))
        assert prediction.model == f"{MODEL_NAME}+form"
    assert len(forms) == len(TEAMS)
    assert len({form.games for form in forms.values()}) == 1
    games = next(iter(forms.values())).games
    for name, form in forms.items():
        expected = season_form(names[name], games)
        assert record_text(form.wins, form.losses) == record_text(expected.wins, expected.losses)
        assert expected.points_for is not None
        assert expected.points_against is not None
        assert (expected.points_for - expected.points_against) / games == pytest.approx(names[name].rating, abs=0.05)


def test_a_demo_teams_next_game_counts_its_last_result() -> None:
    """A team's record and points in its next slate are those before its last game plus that game's result."""
    sim = NightSimulator(games=MAX_GAMES, seed=4, speed=150.0, start=START)
    finals: dict[str, list[Game]] = defaultdict(list)
    for message in sim.advance(START + 200.0):
        if isinstance(message, GameEnd):
            finals[message.data.home_team].append(message.data)
            finals[message.data.away_team].append(message.data)
    twice = {team: games for team, games in finals.items() if len(games) >= 2}
    assert twice, "no team played two slates"
    for team, (first, second, *_) in twice.items():
        home = first.home_team == team
        before = first.home_record if home else first.away_record
        after = second.home_record if second.home_team == team else second.away_record
        assert before is not None
        assert after is not None
        wins, losses = map(int, before.split("-"))
        scored, allowed = (first.home_score, first.away_score) if home else (first.away_score, first.home_score)
        assert after == record_text(wins + (scored > allowed), losses + (scored < allowed)), team


def test_demo_records_follow_the_ratings() -> None:
    """A better-rated team has at least the record and the point differential of a worse-rated one, at any point."""
    by_rating = sorted(TEAMS, key=lambda team: team.rating)
    for games in (0, 10, 41, 72, 82):
        forms = [season_form(team, games) for team in by_rating]
        assert all(form.games == games for form in forms)
        wins = [form.wins for form in forms]
        assert wins == sorted(wins)
        differentials = [(form.points_for or 0.0) - (form.points_against or 0.0) for form in forms]
        assert differentials == sorted(differentials)
    assert season_form(by_rating[-1], 82).wins > 60
    assert season_form(by_rating[0], 82).wins < 20
    with pytest.raises(ValueError, match="games must be 0-82"):
        season_form(by_rating[0], 83)


def _plays_by_game(messages: list[tuple[float, Message]]) -> dict[str, list[Play]]:
    plays: dict[str, list[Play]] = defaultdict(list)
    for _, message in messages:
        if isinstance(message, PlayUpdate):
            plays[message.data.game_id].append(message.data)
    return plays


def _check_each_play_follows_its_game_and_matches_its_state(messages: list[tuple[float, Message]]) -> None:
    """A play comes after a state of its game, with a score the game has shown, and the same chance as its state."""
    shown: dict[str, Game] = {}
    predicted: dict[str, Prediction] = {}
    for _, message in messages:
        if isinstance(message, ScoreUpdate | GameStart | GameEnd):
            shown[message.data.game_id] = message.data
        elif isinstance(message, PredictionUpdate):
            predicted[message.data.game_id] = message.data
        elif isinstance(message, PlayUpdate):
            play, game = message.data, shown[message.data.game_id]
            assert (play.home_score, play.away_score) == (game.home_score, game.away_score)
            assert play.period == game.period
            # A basket at the buzzer shows a final state; the game's end play after it carries the result.
            if (play.clock, game.status) == (game.clock, "live") or (game.status, play.kind) == ("final", "period"):
                assert play.home_win_probability == predicted[play.game_id].home_win_probability


def test_demo_plays_are_the_simulators_actions_and_periods_by_team_and_kind(night: list[tuple[float, Message]]) -> None:
    """Each finished game's plays: periods' starts and ends, every shot, free throw and turnover by team, no player,
    ids 1, 2, 3, ...; the made ones are the game's scoring changes."""
    plays = _plays_by_game(night)
    finished = _finished(night)
    kinds: Counter[str] = Counter()
    for game_id, messages in finished.items():
        game_plays = plays[game_id]
        final = messages[-1][1].data
        assert [play.play_id for play in game_plays] == list(range(1, len(game_plays) + 1))
        assert len(game_plays) < PLAYS_PER_GAME
        assert all(play.player is None for play in game_plays)
        periods = [play for play in game_plays if play.kind == "period"]
        assert [(p.period, p.clock, p.team) for p in periods] == [
            (period, clock_text(seconds), None)
            for period in range(1, final.period + 1)
            for seconds in ((720 if period <= 4 else 300), 0)
        ]
        assert periods[0].description == "Start of the 1st quarter"
        assert periods[-1].description == ("End of the 4th quarter" if final.period == 4 else periods[-1].description)
        actions = [play for play in game_plays if play.kind != "period"]
        scoring = [play for play in actions if " made " in play.description]
        assert _score_sequences([(0.0, m) for _, m in messages])[game_id] == [
            (p.home_score, p.away_score) for p in scoring
        ]
        before = (0, 0)
        for play in actions:
            home_points, away_points = play.home_score - before[0], play.away_score - before[1]
            assert play.team in (final.home_team, final.away_team)
            at_home = play.team == final.home_team
            points = home_points if at_home else away_points
            assert (home_points, away_points) == ((points, 0) if at_home else (0, points))
            tricode = next(t.tricode for t in TEAMS if t.name == play.team)
            own, other = (play.home_score, play.away_score) if at_home else (play.away_score, play.home_score)
            what = play.description.removeprefix(f"{play.team} ").removesuffix(f" ({tricode} {own}-{other})")
            assert (play.kind, points) == {
                "3-pt shot made": ("made_shot", 3),
                "2-pt shot made": ("made_shot", 2),
                "free throw made": ("free_throw", 1),
                "3-pt shot missed": ("missed_shot", 0),
                "2-pt shot missed": ("missed_shot", 0),
                "free throw missed": ("free_throw", 0),
                "turnover": ("turnover", 0),
            }[what]
            kinds[what] += 1
            before = (play.home_score, play.away_score)
        won = final.home_score > final.away_score
        assert game_plays[-1].home_win_probability == (1.0 if won else 0.0)
    assert len(kinds) == 7
    _check_each_play_follows_its_game_and_matches_its_state(night)


def test_a_demo_plays_chance_is_predict_games_for_its_state(night: list[tuple[float, Message]]) -> None:
    """Each play's probability is predict_game's for the state after it, from the teams' forms: the season's point
    the night starts from, each result added as games end."""
    records: dict[str, Game] = {}
    names = {team.name: team for team in TEAMS}
    forms: dict[str, TeamForm] = {}
    game_forms: dict[str, tuple[TeamForm, TeamForm]] = {}
    for _, message in night:
        if not isinstance(message, ScoreUpdate | GameStart | GameEnd):
            continue
        game = records[message.data.game_id] = message.data
        if game.game_id not in game_forms:
            for team, record in ((game.home_team, game.home_record), (game.away_team, game.away_record)):
                assert record is not None
                forms.setdefault(team, season_form(names[team], sum(map(int, record.split("-")))))
            game_forms[game.game_id] = (forms[game.home_team], forms[game.away_team])
        if isinstance(message, GameEnd):
            for team, scored, allowed in (
                (game.home_team, game.home_score, game.away_score),
                (game.away_team, game.away_score, game.home_score),
            ):
                form = forms[team]
                assert form.points_for is not None
                assert form.points_against is not None
                forms[team] = TeamForm(
                    form.wins + (scored > allowed),
                    form.losses + (scored < allowed),
                    form.points_for + scored,
                    form.points_against + allowed,
                )
    checked = 0
    for game_id, plays in _plays_by_game(night).items():
        game = records[game_id]
        home, away = game_forms[game_id]
        assert (game.home_record, game.away_record) == (
            record_text(home.wins, home.losses),
            record_text(away.wins, away.losses),
        )
        for index, play in enumerate(plays):
            last = index == len(plays) - 1 and game.status == "final"
            state = game.model_copy(
                update={
                    "home_score": play.home_score,
                    "away_score": play.away_score,
                    "period": play.period,
                    "clock": play.clock,
                    "status": "final" if last else "live",
                }
            )
            assert play.home_win_probability == predict_game(state, home, away).home_win_probability
            checked += 1
    assert checked > 1000


def test_real_plays_are_sent_at_their_clock_under_the_feeds_ids(
    real_games: list[GameFlow], real_plays: dict[str, list[Play]]
) -> None:
    """Every play of real games goes out once, in order, under the feed's game id, after its game's state."""
    flows = real_games[:3]
    plays = {flow.game_id: real_plays[flow.game_id] for flow in flows}
    forms = game_forms(real_games)
    sim = NightSimulator(games=3, seed=1, speed=1000.0, start=START, flows=flows, forms=forms, plays=plays)
    night = _run(sim, 100.0, 1.0)
    sent = _plays_by_game(night)
    assert {game_id.rsplit("-", 1)[1] for game_id in sent} == set(plays)
    for game_id, game_plays in sent.items():
        assert game_id.startswith("real-")
        assert [p.model_copy(update={"game_id": "x"}) for p in game_plays] == [
            p.model_copy(update={"game_id": "x"}) for p in plays[game_id.rsplit("-", 1)[1]]
        ]
    _check_each_play_follows_its_game_and_matches_its_state(night)
    for game_id, game_plays in sent.items():
        game = next(m.data for _, m in night if isinstance(m, GameEnd) and m.data.game_id == game_id)
        for index, play in enumerate(game_plays):
            status = "final" if index == len(game_plays) - 1 else "live"
            state = game.model_copy(
                update={"home_score": play.home_score, "away_score": play.away_score, "period": play.period}
                | {"clock": play.clock, "status": status}
            )
            expected = predict_game(state, *forms[game_id.rsplit("-", 1)[1]])
            assert play.home_win_probability == pytest.approx(expected.home_win_probability, abs=1e-15)
    assert _score_sequences(night) == {game_id: list(flow.scores) for game_id, flow in zip(sent, flows, strict=True)}


def test_forms_and_plays_need_flows() -> None:
    """Forms and plays are real games': without flows they are a mistake, said so."""
    with pytest.raises(ValueError, match="must come with flows"):
        NightSimulator(plays={})


def test_real_game_ids_stay_unique_and_within_64_characters() -> None:
    """An id too long to keep with the prefix becomes a digest: the same in every run with that seed, distinct."""
    flows = [_flow("x" * 64, "BOS", "NYK", (1, 700, 2, 0)), _flow("x" * 63 + "y", "MIA", "LAL", (1, 700, 2, 0))]
    ids = [[g.game_id for g in _started(NightSimulator(games=2, seed=5, start=START, flows=flows))] for _ in range(2)]
    assert ids[0] == ids[1]
    assert len(set(ids[0])) == 2
    assert all(game_id.startswith("real-") and len(game_id) <= 64 for game_id in ids[0])
    other_run = _started(NightSimulator(games=2, seed=6, start=START, flows=flows))
    assert not {g.game_id for g in other_run} & set(ids[0])


def _started(sim: NightSimulator) -> list[Game]:
    sim.advance(START)
    return sim.games


def test_free_throws_after_the_buzzer_come_before_the_final() -> None:
    """Two free throws with no time left show at 00:00, still live, and only the last is final."""
    flow = _flow("ft", "BOS", "NYK", (1, 700, 0, 2), (4, 0, 1, 2), (4, 0, 2, 2), (4, 0, 3, 2))
    sim = NightSimulator(games=1, seed=1, speed=150.0, start=START, flows=[flow])
    sim.advance(START)
    states = [m.data for m in sim.advance(START + 1000.0) if isinstance(m, ScoreUpdate | GameEnd)]
    assert [(g.home_score, g.period, g.clock, g.status) for g in states if g.period == 4] == [
        (1, 4, "00:00", "live"),
        (2, 4, "00:00", "live"),
        (3, 4, "00:00", "final"),
    ]


def _slates(sim: NightSimulator, slates: int) -> list[list[tuple[str, str]]]:
    """The home and away teams of the first ``slates`` slates, each slate's games as it starts."""
    seen: list[list[tuple[str, str]]] = []
    now = START
    while len(seen) < slates:
        sim.advance(now)
        teams = [(game.home_team, game.away_team) for game in sim.games]
        if not seen or teams != seen[-1]:
            seen.append(teams)
        now += 1.0  # a slate lasts 6 s or more at speed 1000: none is missed
    return seen


@pytest.mark.parametrize(("games", "slates_a_night"), [(5, 3), (7, 2), (8, 1), (15, 1)])
def test_no_team_plays_twice_on_one_night(games: int, slates_a_night: int) -> None:
    """Slates draw from the teams yet to play tonight: with 5 games a slate, three slates share out the 30 teams."""
    for seed in range(3):
        slates = _slates(NightSimulator(games=games, seed=seed, speed=1000.0, start=START), 2 * slates_a_night + 1)
        for night in (slates[:slates_a_night], slates[slates_a_night : 2 * slates_a_night]):
            teams = [team for slate in night for game in slate for team in game]
            assert len(teams) == len(set(teams)) == 2 * games * slates_a_night
        following = {team for game in slates[2 * slates_a_night] for team in game}
        assert len(following) == 2 * games  # the next night may bring back any team, once


def test_real_games_keep_their_nights() -> None:
    """Real games go a date at a time, in slates of at most --games; a team twice on one date starts a new night."""
    day_one, day_two = date(2016, 1, 1), date(2016, 1, 2)
    events = ((1, 700, 2, 0), (4, 10, 2, 3))
    flows = [
        GameFlow("a", day_one, "BOS", "NYK", tuple(ScoringEvent(*e) for e in events)),
        GameFlow("b", day_one, "MIA", "LAL", tuple(ScoringEvent(*e) for e in events)),
        GameFlow("c", day_one, "OKC", "WAS", tuple(ScoringEvent(*e) for e in events)),
        GameFlow("d", day_two, "DEN", "BOS", tuple(ScoringEvent(*e) for e in events)),  # BOS again: the next night
        GameFlow("e", day_two, "PHX", "UTA", tuple(ScoringEvent(*e) for e in events)),
        GameFlow("f", day_two, "UTA", "SAC", tuple(ScoringEvent(*e) for e in events)),  # UTA twice on one date
    ]
    sim = NightSimulator(games=2, seed=1, speed=1000.0, start=START, flows=flows)
    slates = []
    for now in (START + step * 1.0 for step in range(100)):
        sim.advance(now)
        ids = [game.game_id.rsplit("-", 1)[1] for game in sim.games]
        if not slates or ids != slates[-1]:
            slates.append(ids)
    assert slates == [["a", "b"], ["c"], ["d", "e"], ["f"]]


def test_simulated_games_are_played_to_the_margin_the_model_expects() -> None:
    """Over 600 demo games the final margin centres on the pregame prediction's margin, with a slope of about 1."""
    pregame: dict[str, float] = {}
    finals: dict[str, int] = {}
    sim = NightSimulator(games=MAX_GAMES, seed=21, speed=12_000.0, start=START)
    now = START
    while len(finals) < 600:
        for message in sim.advance(now):
            data = message.data
            if isinstance(message, PredictionUpdate) and data.game_id not in pregame:
                assert data.predicted_home_score is not None
                assert data.predicted_away_score is not None
                pregame[data.game_id] = data.predicted_home_score - data.predicted_away_score
            elif isinstance(message, GameEnd):
                finals[data.game_id] = data.home_score - data.away_score
        now += 1.0
    expected = [pregame[game_id] for game_id in finals]
    residuals = [finals[game_id] - pregame[game_id] for game_id in finals]
    error = statistics.stdev(residuals) / math.sqrt(len(residuals))
    assert abs(statistics.mean(residuals)) < 3 * error
    slope = statistics.linear_regression(expected, list(finals.values())).slope
    assert abs(slope - 1.0) < 3 * statistics.stdev(residuals) / (statistics.stdev(expected) * math.sqrt(len(finals)))


def test_a_demo_season_ends_at_82_games_and_the_next_starts_at_0_0() -> None:
    """No demo record passes a season's 82 games: once a team has played them, every team starts the next at 0-0."""
    sim = NightSimulator(games=MAX_GAMES, seed=54, speed=1.0, start=START)  # seed 54: every team starts at 72 games
    records: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for now in range(int(START), int(START) + 90 * 3600, 3 * 3600):
        for message in sim.advance(float(now)):
            if isinstance(message, GameStart):
                game = message.data
                for team, record in ((game.home_team, game.home_record), (game.away_team, game.away_record)):
                    assert record is not None
                    wins, losses = map(int, record.split("-"))
                    records[team].append((wins, losses))
    assert all(wins + losses < SEASON_GAMES for games in records.values() for wins, losses in games)
    new_seasons = [games for games in records.values() if (0, 0) in games]
    assert len(new_seasons) == len(TEAMS)
    for games in new_seasons:
        restart = games.index((0, 0))
        assert sum(games[restart - 1]) >= SEASON_GAMES - 10
