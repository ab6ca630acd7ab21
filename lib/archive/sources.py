"""The frames a past night gives, as a client would have received them, for an import into the archive.

Three kinds of night, each read by the module that serves it live, so an import sees exactly
what a client of that feed would have seen:

* a recording (``.jsonl``, :func:`lib.recorder.read_recording`): its frames with their recorded
  receive times;
* a real-games CSV (:func:`lib.feed.sources.games_csv.read_games_csv`): each game played by the demo's
  :class:`~lib.feed.sources.night.NightSimulator`, so every scoring change is a state with the
  project's model's prediction, as ``--games-csv`` sends them: each state with both teams' records
  before the game, each prediction from both teams' form in the file's earlier games
  (:func:`~lib.feed.sources.games_csv.game_forms`, ``+form``); the file gives only the date, so a
  game's ``start_time`` is 7 PM US Eastern that day (a usual tip-off, and the league's day in
  every time zone's label) and its frames are received at the import's clock; games keep the
  file's ids;
* a plays CSV (:func:`lib.feed.sources.plays_csv.read_plays_csv`, with the games CSV beside it): each
  game as a feed of its plays would send it, one game after another, under the file's ids: every
  play, after the game's state when the play changed its score, period or status (a tip-off at its
  first play, its final at its last) with both teams' records before the game as for a games CSV, each
  state followed by a prediction of the play's own probability (its model named by the forms' prior),
  so that the predictions and the plays of a game agree; ``start_time`` and the receive times as for a
  games CSV;
* finished NBA games (:func:`lib.feed.sources.nba.replay.fetch_replay`), replayed through the
  live bridge by :class:`~lib.feed.sources.nba.replay.NbaReplaySource` from their real first play at
  real pace, stepped from one play to the next without waiting: each frame is "received" when
  its play happened, and each game's ``start_time`` is its real first play.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from datetime import time as time_of_day

from lib.feed.flows import GameFlow
from lib.feed.sources.games_csv import game_forms, read_games_csv
from lib.feed.sources.nba.replay import NbaReplaySource, fetch_replay
from lib.feed.sources.night import NightSimulator
from lib.feed.sources.plays_csv import games_file_for, read_plays_csv
from lib.feed.teams import team_for
from lib.model import MODEL_NAME, TeamForm, prior_name
from lib.protocol import (
    LEAGUE_TIMEZONE,
    Game,
    Message,
    Play,
    PlayUpdate,
    Prediction,
    PredictionUpdate,
    clock_seconds,
    encode,
    game_message,
    record_text,
)
from lib.recorder import RecordedFrame, read_recording

USUAL_TIP_OFF = time_of_day(19, 0, tzinfo=LEAGUE_TIMEZONE)
"""When a game from a file that gives only its date tipped off."""
_AFTER_ANY_GAME = 10 * 24 * 3600.0
"""Sim seconds from tip-off by which any game is over: a week and more of overtimes."""


def recording_frames(path: str | os.PathLike[str]) -> Iterator[RecordedFrame]:
    """The frames of a recording, its rotated files first, with their recorded receive times.

    Raises:
        ValueError: A line is not a recorded frame; the message names the file and line.
        OSError: The recording cannot be read.
    """
    return read_recording(path)


def games_csv_frames(
    path: str | os.PathLike[str], *, clock: Callable[[], float] = time.time
) -> Iterator[RecordedFrame]:
    """The frames the demo would send for every game of a real-games CSV, one game after another.

    The file is read and checked here, before the first frame is asked for.

    Args:
        path: The CSV, gzip-compressed or plain.
        clock: The receive time of each frame.

    Raises:
        ValueError: The file is not a valid games CSV; the message names the file and line.
        OSError: It cannot be read.
    """
    flows = read_games_csv(path)
    forms = game_forms(flows)
    return (
        RecordedFrame(clock(), False, encode(message).encode("utf-8"))
        for flow in flows
        for message in _played(flow, forms)
    )


def _played(flow: GameFlow, forms: Mapping[str, tuple[TeamForm, TeamForm]]) -> list[Message]:
    """Every message of one real game as the demo plays it, under the file's own id, its teams' form from ``forms``."""
    tip_off = datetime.combine(flow.game_date, USUAL_TIP_OFF).timestamp()
    night = NightSimulator(games=1, speed=1.0, start=tip_off, flows=[flow], forms=forms)
    messages = night.advance(tip_off + _AFTER_ANY_GAME)
    # The demo gives a real game a per-run id, so that a client never mixes two showings of it;
    # the archive keeps one game under one id, the file's.
    return [
        message.model_copy(update={"data": message.data.model_copy(update={"game_id": flow.game_id})})
        for message in messages
    ]


def plays_csv_frames(
    path: str | os.PathLike[str], *, clock: Callable[[], float] = time.time
) -> Iterator[RecordedFrame]:
    """The frames a feed of their plays would send for every game of a plays CSV, one game after another.

    The plays CSV and the games CSV beside it (:func:`~lib.feed.sources.plays_csv.games_file_for`) are read
    and checked here, before the first frame is asked for.

    Args:
        path: The plays CSV, gzip-compressed or plain.
        clock: The receive time of each frame.

    Raises:
        ValueError: Either file is not valid, or the games CSV is missing; the message names the file and line.
        OSError: A file cannot be read.
    """
    games_file = games_file_for(path)
    if not games_file.is_file():
        raise ValueError(f"{path}: its games are read from {games_file}, which is missing")
    flows = read_games_csv(games_file)
    plays = read_plays_csv(path, flows)
    forms = game_forms(flows)
    return (
        RecordedFrame(clock(), False, encode(message).encode("utf-8"))
        for flow in flows
        if flow.game_id in plays
        for message in messages_of_plays(flow, plays[flow.game_id], forms[flow.game_id])
    )


def messages_of_plays(flow: GameFlow, plays: Sequence[Play], forms: tuple[TeamForm, TeamForm]) -> Iterator[Message]:
    """One game's messages as a feed of its plays sends them, under the file's game id: each play, after the game's
    state and a prediction of the play's probability where the play changed the score, period or status.

    Args:
        flow: The game, from the games CSV.
        plays: Its plays, in game order (:func:`~lib.feed.sources.plays_csv.read_plays_csv`).
        forms: The home and away teams' form before the game (:func:`~lib.feed.sources.games_csv.game_forms`),
            whose records every state carries.
    """
    start_time = datetime.combine(flow.game_date, USUAL_TIP_OFF)
    home, away = team_for(flow.home_team).name, team_for(flow.away_team).name
    home_record, away_record = (record_text(form.wins, form.losses) for form in forms)
    model = MODEL_NAME + prior_name(*forms)
    shown: Game | None = None
    for index, play in enumerate(plays):
        if index == len(plays) - 1:
            status = "final"
        elif play.period == 2 and clock_seconds(play.clock) == 0:
            status = "halftime"
        else:
            status = "live"
        state = (play.home_score, play.away_score, play.period, status)
        if shown is None or state != (shown.home_score, shown.away_score, shown.period, shown.status):
            game = Game(
                game_id=flow.game_id,
                home_team=home,
                away_team=away,
                home_score=play.home_score,
                away_score=play.away_score,
                period=play.period,
                clock=play.clock,
                status=status,
                differential=play.home_score - play.away_score,
                start_time=start_time,
                home_record=home_record,
                away_record=away_record,
            )
            yield game_message(game, shown)
            prediction = Prediction(game_id=flow.game_id, home_win_probability=play.home_win_probability, model=model)
            yield PredictionUpdate(data=prediction)
            shown = game
        yield PlayUpdate(data=play)


def nba_game_frames(game_ids: Iterable[str], base_url: str) -> Iterator[RecordedFrame]:
    """The frames the live bridge would have sent for finished NBA games, each received when its play happened.

    The games are fetched here, before the first frame is asked for.

    Args:
        game_ids: NBA game ids, e.g. ``0022400913`` (the CDN keeps games since 2019-20).
        base_url: The NBA's live-data root.

    Raises:
        ValueError: A game could not be fetched or is not finished; the message names it.
    """
    games, schedule = fetch_replay(base_url, list(game_ids))
    first_play = min(
        action.time_actual for game in games for action in game.plays.actions if action.time_actual is not None
    )
    replay = NbaReplaySource(games, speed=1.0, start=first_play.timestamp(), schedule=schedule)
    return _replayed(replay, first_play.timestamp())


def _replayed(replay: NbaReplaySource, start: float) -> Iterator[RecordedFrame]:
    now: float | None = start
    while now is not None:
        for message in replay.advance(now):
            yield RecordedFrame(now, False, encode(message).encode("utf-8"))
        now = replay.next_due()
