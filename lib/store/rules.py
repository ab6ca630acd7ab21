"""The store's rules, as pure functions: what is stale, what changed, when a score may go down,
which change is a tip-off or a final, and which game makes room.

Each takes the records the store holds and the message at hand, and decides; the store applies
the decision under its lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, Protocol

from lib.protocol import Game, GameEnd, GameStart, Message, Rejection, RejectReason, ScoreUpdate
from lib.store.records import GameRecord

EventKind = Literal["game_start", "game_end"]

FIRST_BASKET: Final = 3
"""The most points one basket scores."""


def is_stale(ts: float | None, seq: int | None, connection: int, message: Message, on: int) -> bool:
    """Whether ``message`` (arrived on connection ``on``) is older than the record it would replace.

    Args:
        ts: The held record's server time, if it had one.
        seq: The held record's sequence number, if it had one.
        connection: The connection the held record came on.
        message: The new message.
        on: The connection it came on.

    Returns:
        Older by ``ts`` when both have one; else by ``seq``, only within one connection (sequence
        numbers restart with each). Equal counts as fresh: a server may send two updates at once.
    """
    if message.ts is not None and ts is not None:
        return message.ts < ts
    if message.seq is not None and seq is not None and on == connection:
        return message.seq < seq
    return False


def changed(old: Game, new: Game) -> bool:
    """Whether a viewer sees a difference between two states of a game."""
    # The order puts the fields that change most first.
    return (
        old.clock != new.clock
        or old.home_score != new.home_score
        or old.away_score != new.away_score
        or old.period != new.period
        or old.status != new.status
        or old.home_team != new.home_team
        or old.away_team != new.away_team
    )


class Scored(Protocol):
    """Anything with a game's score: a :class:`~lib.protocol.Game`, a history or prediction point."""

    @property
    def home_score(self) -> int: ...

    @property
    def away_score(self) -> int: ...


def score_changed(old: Scored | None, new: Scored) -> bool:
    """Whether ``new`` changes the score: from ``old``'s, or from 0-0 for a game not seen before.

    A game's score history keeps exactly these states (as the archive's ``score_changes`` view
    does), so that it is the game's flow and not a list of clock ticks.
    """
    if old is None:
        return new.home_score != 0 or new.away_score != 0
    return old.home_score != new.home_score or old.away_score != new.away_score


def score_decrease(old: Game, new: Game) -> Rejection | None:
    """Why a lower score cannot be applied: only a scorer's correction (``"correction": true``) may lower one."""
    if (new.home_score < old.home_score or new.away_score < old.away_score) and new.correction is not True:
        return Rejection(
            RejectReason.SCORE_DECREASED,
            f'{old.home_score}-{old.away_score} -> {new.home_score}-{new.away_score} without "correction": true',
        )
    return None


def at_tip_off(state: Scored) -> bool:
    """Whether a game in play is still at its tip-off: nothing scored yet, or only its first basket.

    With at most one basket on the board (one side on 0, the other on 3 or less) nothing before
    this state is unknown: the 0-0 start is implicit. Sources that send every scoring change
    send a game they first meet in progress from its first score, as its first state in play.
    """
    home, away = state.home_score, state.away_score
    return min(home, away) == 0 and max(home, away) <= FIRST_BASKET


def event_kind(old: Game | None, message: ScoreUpdate | GameStart | GameEnd) -> EventKind | None:
    """The event a game message makes: a tip-off or a final, judged by the change of status.

    Events follow state transitions, not message types: the state a server sends on every
    reconnect repeats ``game_end`` for finished games, and that is not news. A tip-off is a game
    seen going live at its tip-off (:func:`at_tip_off`), from scheduled or as a ``game_start``;
    a game first met well into play, or met again there after a gap, was joined late, and its
    start is not news now.
    """
    game = message.data
    status = game.status
    if (
        status == "live"
        and (isinstance(message, GameStart) if old is None else old.status == "scheduled")
        and at_tip_off(game)
    ):
        return "game_start"
    if status == "final" and old is not None and old.status != "final":
        return "game_end"
    return None


def eviction_victim(games: Mapping[str, GameRecord]) -> str | None:
    """The game to drop for a new one when the store is full: the final game updated longest ago, if any."""
    finals = [record for record in games.values() if record.game.status == "final"]
    return min(finals, key=lambda record: record.updated_at).game.game_id if finals else None
