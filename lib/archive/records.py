"""The store's records rebuilt from archive rows, so that what reads a session reads the archive alike.

Each ``*_SQL`` query selects the columns its converter takes, times as epoch seconds; the
reader (:mod:`lib.archive.reader`) runs them. A game's ``GameRecord`` is its latest archived
state, its history its score changes in the order they arrived, its predictions likewise.

Pure: tuples in, records out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from lib.analytics.plays import GameWpa, game_wpa
from lib.analytics.report import Histories, Scorecard, score_finished_games
from lib.archive.schema import GAME_ROWS, PREDICTION_ROWS
from lib.protocol import Game
from lib.store import GameRecord, HistoryPoint, PlayRecord, PredictionPoint
from lib.store.rules import score_changed

GAMES_SQL: Final = """
    SELECT game_id, home_team, away_team, home_record, away_record, home_score, away_score, period, clock, status,
           epoch(start_time), epoch(updated_at)
    FROM games {where} ORDER BY arrival"""
HISTORY_SQL: Final = f"""
    SELECT game_id, epoch(received_at), epoch(ts), type, home_score, away_score, period, clock, status
    FROM {GAME_ROWS} {{where}} ORDER BY arrival"""
PREDICTIONS_SQL: Final = f"""
    SELECT game_id, epoch(received_at), epoch(ts), home_win_probability, period, clock, home_score, away_score, status
    FROM {PREDICTION_ROWS} {{where}} ORDER BY arrival"""


PLAYS_SQL: Final = """
    SELECT game_id, play_id, period, clock, team, player, description, kind, home_score, away_score,
           home_win_probability, epoch(received_at), epoch(ts)
    FROM {plays} ORDER BY game_id, place"""
"""Each game's plays in game order; ``plays`` is :func:`lib.archive.schema.plays_in_order` of the games chosen."""


def game_record(row: Sequence[Any]) -> GameRecord:
    """A game's latest state, from a row of :data:`GAMES_SQL`.

    Raises:
        pydantic.ValidationError: The row is not a game the protocol allows.
    """
    game_id, home_team, away_team, home_record, away_record, *state, start_time, updated_at = row
    home_score, away_score, period, clock, status = state
    game = Game(
        game_id=game_id,
        home_team=home_team,
        away_team=away_team,
        home_score=home_score,
        away_score=away_score,
        period=period,
        clock=clock,
        status=status,
        differential=home_score - away_score,
        start_time=None if start_time is None else datetime.fromtimestamp(start_time, tz=UTC),
        home_record=home_record,
        away_record=away_record,
    )
    return GameRecord(game, updated_at, updated_at, None, None, 0)


def histories(history_rows: Iterable[Sequence[Any]], prediction_rows: Iterable[Sequence[Any]]) -> Histories:
    """Each game's score changes and predictions, as the store keeps them, from rows of :data:`HISTORY_SQL` and
    :data:`PREDICTIONS_SQL`."""
    flows: dict[str, list[HistoryPoint]] = {}
    predictions: dict[str, list[PredictionPoint]] = {}
    for row in history_rows:
        point = HistoryPoint(*row)
        flow = flows.setdefault(point.game_id, [])
        # The states between two score changes repeat the first one's score: comparing with the
        # last change kept is comparing with the state before.
        if score_changed(flow[-1] if flow else None, point):
            flow.append(point)
    for row in prediction_rows:
        predictions.setdefault(row[0], []).append(PredictionPoint(*row))
    return {
        game_id: (tuple(flows.get(game_id, ())), tuple(predictions.get(game_id, ())))
        for game_id in flows.keys() | predictions.keys()
    }


def plays_by_game(play_rows: Iterable[Sequence[Any]]) -> dict[str, list[PlayRecord]]:
    """Each game's plays, as the store keeps them, from rows of :data:`PLAYS_SQL`."""
    plays: dict[str, list[PlayRecord]] = {}
    for row in play_rows:
        plays.setdefault(row[0], []).append(PlayRecord._make((*row, None, 0)))
    return plays


def game_wpas(games: dict[str, GameRecord], play_rows: Iterable[Sequence[Any]]) -> dict[str, GameWpa]:
    """Each game's win probability added, as a live session works it out, from rows of :data:`PLAYS_SQL`.

    Args:
        games: The games' latest states (their teams side the plays), from :func:`game_record`.
        play_rows: Their plays, game by game in game order.

    Returns:
        The games with plays, by id; a play of a game without a state has no team's side (as in the ``plays`` view).
    """
    wpas = {}
    for game_id, game_plays in plays_by_game(play_rows).items():
        record = games.get(game_id)
        home, away = ("", "") if record is None else (record.game.home_team, record.game.away_team)
        wpas[game_id] = game_wpa(game_id, home, away, game_plays)
    return wpas


def scorecard(
    game_rows: Iterable[Sequence[Any]],
    prediction_rows: Iterable[Sequence[Any]],
    buckets: int = 10,
    *,
    include_partial: bool = False,
) -> Scorecard:
    """The prediction scorecard over archived games, scored exactly as a live session's.

    Args:
        game_rows: Rows of :data:`GAMES_SQL`, in arrival order (those of unfinished games are ignored).
        prediction_rows: Rows of :data:`PREDICTIONS_SQL`, in arrival order.
        buckets: Calibration buckets.
        include_partial: Count games first seen after their tip-off in the overall figures too.

    Returns:
        What :func:`lib.analytics.report.score_finished_games` gives for the same games and predictions.
    """
    games = {row[0]: game_record(row) for row in game_rows}
    return score_finished_games(games, histories((), prediction_rows), buckets, include_partial=include_partial)
