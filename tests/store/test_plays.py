"""Each game's plays in the store: game order, replacement by id, staleness per play, bounds, eviction."""

from __future__ import annotations

import pytest

from lib.protocol import RejectReason
from lib.store import GamePlays, PlayRecord, Store
from tests.helpers import play, score

NOW = 1_700_000_000.0


def ingest(store: Store, payload: str, *, at: float = NOW, connection: int = 1) -> str:
    return store.ingest(payload, received_at=at, connection=connection).status


def ids(store: Store, game_id: str = "g1") -> list[int]:
    return [record.play_id for record in store.plays(game_id)]


def test_a_play_of_a_known_game_is_kept_with_every_field() -> None:
    """An applied play is kept as a record of its fields, with when and how it came, and counted by type."""
    store = Store()
    ingest(store, score())
    assert ingest(store, play(play_id=7, ts=NOW - 0.5)) == "applied"
    (record,) = store.plays("g1")
    assert record == PlayRecord(
        "g1", 7, 3, "07:12", "Boston Celtics", "Jayson Tatum", "Tatum 26' 3PT Jump Shot (3 PTS)", "made_shot",
        53, 48, 0.7, NOW, NOW - 0.5, None, 1,
    )  # fmt: skip
    assert store.snapshot().counters.by_type == {"score_update": 1, "play": 1}


def test_a_play_of_an_unknown_game_is_rejected() -> None:
    """As a prediction is: plays are kept only for games the store has."""
    store = Store()
    assert ingest(store, play("nope")) == "rejected"
    assert store.snapshot().counters.rejected == {RejectReason.UNKNOWN_GAME: 1}
    assert store.plays("nope") == ()


def test_plays_are_kept_in_game_order_whatever_their_ids() -> None:
    """By period, then clock counting down, then first arrival: action numbers out of game order do not matter."""
    store = Store()
    ingest(store, score())
    sent = [(30, 2, "11:00"), (5, 1, "00:10"), (31, 2, "11:00"), (2, 2, "11:30"), (9, 1, "12:00")]
    for play_id, period, clock in sent:
        ingest(store, play(play_id=play_id, period=period, clock=clock))
    assert ids(store) == [9, 5, 2, 30, 31]


def test_a_play_sent_again_replaces_it_in_its_place() -> None:
    """The same play_id replaces the play held (a correction) and keeps its place among plays at its clock."""
    store = Store()
    ingest(store, score())
    for play_id in (1, 2, 3):
        ingest(store, play(play_id=play_id, clock="05:00"))
    assert ingest(store, play(play_id=2, clock="05:00", player="Jaylen Brown")) == "applied"
    assert ids(store) == [1, 2, 3]
    assert store.plays("g1")[1].player == "Jaylen Brown"


def test_a_corrected_clock_moves_the_play() -> None:
    """A replacement with another clock goes to its new time in the game."""
    store = Store()
    ingest(store, score())
    for play_id, clock in [(1, "06:00"), (2, "05:00"), (3, "04:00")]:
        ingest(store, play(play_id=play_id, clock=clock))
    ingest(store, play(play_id=1, clock="03:30"))
    assert ids(store) == [2, 3, 1]


def test_a_reconnect_snapshot_adds_no_play() -> None:
    """The same plays again, as a server sends them on connect, leave one of each."""
    store = Store()
    ingest(store, score())
    for connection in (1, 2):
        for play_id in range(5):
            ingest(store, play(play_id=play_id, clock=f"0{9 - play_id}:00", ts=NOW + play_id), connection=connection)
    assert ids(store) == [0, 1, 2, 3, 4]


def test_an_older_play_is_stale_by_its_own_id_only() -> None:
    """A play older by ts than the one held with its id is dropped; another play's ts does not matter."""
    store = Store()
    ingest(store, score())
    ingest(store, play(play_id=1, player="Jaylen Brown", ts=NOW))
    assert ingest(store, play(play_id=1, player="Derrick White", ts=NOW - 1)) == "stale"
    assert ingest(store, play(play_id=2, clock="07:00", ts=NOW - 5)) == "applied"
    assert store.plays("g1")[0].player == "Jaylen Brown"
    assert store.snapshot().counters.stale_dropped == 1


def test_the_play_bound_drops_the_earliest_in_game_order() -> None:
    """Past plays_per_game the earliest play is dropped and counted as a warning, even a late-sent one."""
    store = Store(plays_per_game=3)
    ingest(store, score())
    for play_id, clock in [(1, "10:00"), (2, "09:00"), (3, "08:00"), (4, "07:00")]:
        ingest(store, play(play_id=play_id, clock=clock))
    assert ids(store) == [2, 3, 4]
    ingest(store, play(play_id=0, clock="11:00"))  # earlier than all: it is the one dropped
    assert ids(store) == [2, 3, 4]
    assert store.snapshot().counters.warnings == {"plays_dropped": 2}


def test_an_evicted_game_takes_its_plays() -> None:
    """When a final game makes room under the game limit, its plays go with it."""
    store = Store(max_games=1)
    ingest(store, score("old", status="final"))
    ingest(store, play("old"))
    ingest(store, score("new"))
    assert store.plays("old") == ()
    assert set(store.game_plays()) == set()


def test_game_plays_gives_every_game_and_the_same_tuple_until_a_change() -> None:
    """Readers share one immutable tuple per game until the game's next play."""
    store = Store()
    ingest(store, score("a"))
    ingest(store, score("b"))
    ingest(store, play("a", 1))
    ingest(store, play("b", 1))
    first = store.game_plays()
    assert set(first) == {"a", "b"}
    assert store.plays("a") is first["a"]
    ingest(store, play("b", 2, clock="07:00"))
    assert store.game_plays()["a"] is first["a"]
    assert store.game_plays()["b"] is not first["b"]


def test_game_plays_refuses_a_bound_below_one() -> None:
    """A container that could hold no play is a mistake."""
    with pytest.raises(ValueError, match="at least 1"):
        GamePlays(0)
