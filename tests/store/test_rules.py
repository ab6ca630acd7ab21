"""The store's rules on their own: staleness, visible change, lowering a score, events, eviction."""

from __future__ import annotations

from typing import Any

import pytest

from lib.protocol import Game, GameEnd, GameStart, RejectReason, ScoreUpdate
from lib.store.records import GameRecord
from lib.store.rules import at_tip_off, changed, event_kind, eviction_victim, is_stale, score_decrease
from tests.helpers import game


def state(**fields: Any) -> Game:
    return Game.model_validate(game(**fields))


def update(ts: float | None = None, seq: int | None = None, **fields: Any) -> ScoreUpdate:
    return ScoreUpdate(data=state(**fields), ts=ts, seq=seq)


@pytest.mark.parametrize(
    ("held", "message", "on", "stale"),
    [
        ((10.0, None, 1), update(ts=9.0), 1, True),
        ((10.0, None, 1), update(ts=10.0), 1, False),
        ((10.0, 5, 1), update(ts=11.0, seq=1), 1, False),
        ((None, 5, 1), update(seq=4), 1, True),
        ((None, 5, 1), update(seq=4), 2, False),
        ((None, None, 1), update(ts=1.0, seq=1), 1, False),
    ],
)
def test_staleness_by_time_then_by_sequence_within_one_connection(
    held: tuple[float | None, int | None, int], message: ScoreUpdate, on: int, stale: bool
) -> None:
    """Older ts is stale; equal is fresh; without ts, seq decides only on the same connection."""
    assert is_stale(*held, message, on) is stale


def test_a_visible_change_is_score_clock_period_status_or_team() -> None:
    """The same state again is no change; a new clock is."""
    assert not changed(state(), state())
    assert changed(state(), state(clock="07:11"))
    assert changed(state(), state(status="halftime"))


def test_a_score_may_go_down_only_as_a_correction() -> None:
    """Lower without correction: rejected as score_decreased; with "correction": true: allowed."""
    rejection = score_decrease(state(home_score=50), state(home_score=48))
    assert rejection is not None
    assert rejection.reason is RejectReason.SCORE_DECREASED
    assert score_decrease(state(home_score=50), state(home_score=48, correction=True)) is None
    assert score_decrease(state(home_score=50), state(home_score=52)) is None


def test_correction_counts_only_as_json_true() -> None:
    """false, "true" or 1 in the field mean no correction, as if it were absent."""
    for value in (False, "true", 1):
        assert Game.model_validate({**game(), "correction": value}).correction is None
    assert Game.model_validate({**game(), "correction": True}).correction is True


def test_events_follow_the_change_of_status() -> None:
    """Scheduled to live at the tip-off is a tip-off, to final a final; a repeated final or first live update is not."""
    scheduled = state(status="scheduled", period=0, clock="12:00", home_score=0, away_score=0)
    tip_off = state(period=1, clock="12:00", home_score=0, away_score=0)
    final = state(status="final", clock="00:00", period=4)
    assert event_kind(scheduled, ScoreUpdate(data=tip_off)) == "game_start"
    assert event_kind(None, GameStart(data=tip_off)) == "game_start"
    assert event_kind(None, ScoreUpdate(data=tip_off)) is None
    assert event_kind(tip_off, GameEnd(data=final)) == "game_end"
    assert event_kind(final, GameEnd(data=final)) is None
    assert event_kind(None, GameEnd(data=final)) is None


def test_a_game_joined_late_makes_no_tip_off() -> None:
    """Live at 50-48, first met or met again after a gap since scheduled, is no tip-off; after a first basket it is."""
    scheduled = state(status="scheduled", period=0, clock="12:00", home_score=0, away_score=0)
    late = state(home_score=50, away_score=48)
    assert event_kind(None, GameStart(data=late)) is None
    assert event_kind(scheduled, ScoreUpdate(data=late)) is None
    assert event_kind(scheduled, ScoreUpdate(data=late.model_copy(update={"status": "halftime"}))) is None
    first_basket = state(period=1, clock="11:40", home_score=0, away_score=3)
    assert event_kind(scheduled, ScoreUpdate(data=first_basket)) == "game_start"
    assert event_kind(None, GameStart(data=first_basket)) == "game_start"


@pytest.mark.parametrize(
    ("home", "away", "at"), [(0, 0, True), (2, 0, True), (0, 3, True), (4, 0, False), (2, 1, False), (50, 48, False)]
)
def test_at_tip_off_means_no_more_than_the_first_basket(home: int, away: int, at: bool) -> None:
    """0-0, 2-0 and 0-3 miss nothing before them; 4-0 or 2-1 is two baskets at least."""
    assert at_tip_off(state(home_score=home, away_score=away)) is at


def test_the_final_game_updated_longest_ago_makes_room() -> None:
    """Among finals the oldest update goes; with no final game, none can."""

    def record(game_id: str, status: str, updated_at: float) -> GameRecord:
        return GameRecord(state(game_id=game_id, status=status), updated_at, updated_at, None, None, 0)

    games = {
        "a": record("a", "final", 5.0),
        "b": record("b", "final", 3.0),
        "c": record("c", "live", 1.0),
    }
    assert eviction_victim(games) == "b"
    assert eviction_victim({"c": games["c"]}) is None
